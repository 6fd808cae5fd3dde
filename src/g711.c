/* g711.c - G.711 companding (ITU-T G.711; the classic Sun reference algorithm). */
#include "g711.h"

#define ULAW_BIAS	0x84
#define ULAW_CLIP	32635

/* Segment (exponent) of a biased magnitude: the position of its highest bit above bit 7. */
static int
seg_of(int v)
{
	int seg = 0;

	for (v >>= 7; v > 1 && seg < 7; v >>= 1)
		seg++;
	return seg;
}

uint8_t
g711_ulaw_enc(int16_t s)
{
	int v = s, sign = 0, seg;

	if (v < 0) {
		v = -v;
		sign = 0x80;
	}
	if (v > ULAW_CLIP)
		v = ULAW_CLIP;
	v += ULAW_BIAS;
	seg = seg_of(v);
	return (uint8_t)~(sign | seg << 4 | ((v >> (seg + 3)) & 0x0f));
}

int16_t
g711_ulaw_dec(uint8_t u)
{
	int t;

	u = (uint8_t)~u;
	t = ((u & 0x0f) << 3) + ULAW_BIAS;
	t <<= (u & 0x70) >> 4;
	return (int16_t)((u & 0x80) ? ULAW_BIAS - t : t - ULAW_BIAS);
}

uint8_t
g711_alaw_enc(int16_t s)
{
	int v = s >> 3, mask, seg, aval;

	if (v >= 0) {
		mask = 0xd5;
	} else {
		mask = 0x55;
		v = -v - 1;
	}
	for (seg = 0; seg < 8 && v > (0x20 << seg) - 1; seg++)
		;
	if (seg >= 8)
		return (uint8_t)(0x7f ^ mask);
	aval = seg << 4;
	aval |= seg < 2 ? (v >> 1) & 0x0f : (v >> seg) & 0x0f;
	return (uint8_t)(aval ^ mask);
}

int16_t
g711_alaw_dec(uint8_t a)
{
	int t, seg;

	a ^= 0x55;
	t = (a & 0x0f) << 4;
	seg = (a & 0x70) >> 4;
	if (seg == 0)
		t += 8;
	else if (seg == 1)
		t += 0x108;
	else
		t = (t + 0x108) << (seg - 1);
	return (int16_t)((a & 0x80) ? t : -t);
}
