/* console_assets.c - the console's page, script and style, compiled in from src/console/
 * (console_assets.inc is generated from those files by make): no CDN, works offline. */
#include <string.h>

#include "console.h"

#include "console_assets.inc"

static const struct asset {
	const char	*path;
	const char	*type;
	const char	*body;
	size_t		 len;
} assets[] = {
	{ "/", "text/html; charset=utf-8", asset_index_html, sizeof(asset_index_html) - 1 },
	{ "/login", "text/html; charset=utf-8", asset_login_html, sizeof(asset_login_html) - 1 },
	{ "/app.js", "text/javascript; charset=utf-8", asset_app_js, sizeof(asset_app_js) - 1 },
	{ "/app.css", "text/css; charset=utf-8", asset_app_css, sizeof(asset_app_css) - 1 },
};

const char *
console_asset(const char *path, const char **type, size_t *len)
{
	for (size_t i = 0; i < sizeof(assets) / sizeof(assets[0]); i++)
		if (strcmp(path, assets[i].path) == 0) {
			*type = assets[i].type;
			*len = assets[i].len;
			return assets[i].body;
		}
	return NULL;
}
