/* g711.h - G.711 mu-law (PCMU, payload type 0) and A-law (PCMA, 8) sample conversion. */
#ifndef SIPD_G711_H
#define SIPD_G711_H

#include <stdint.h>

uint8_t g711_ulaw_enc(int16_t);
int16_t g711_ulaw_dec(uint8_t);
uint8_t g711_alaw_enc(int16_t);
int16_t g711_alaw_dec(uint8_t);

#endif
