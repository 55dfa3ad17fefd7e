/* SPDX-License-Identifier: ISC */
/* layout: the folders of out/ (see layout.h). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "schemas/layout.h"

static const char *const folders[OUT__COUNT] = {
	[OUT_INVOICES] = "out/invoices", [OUT_PROFORMAS] = "out/proformas",
	[OUT_CAPTURES] = "out/captures", [OUT_LINKS] = "out/links",
	[OUT_RECEIPTS] = "out/receipts",
};

const char *
out_folder_path(enum out_folder f)
{
	return folders[f];
}

/* folder/sub/<fmt>, or folder/<fmt> when sub is NULL. */
static char *
vpath(const char *folder, const char *sub, const char *fmt, va_list ap)
{
	struct buf b = { 0 };

	buf_printf(&b, "%s/", folder);
	if (sub != NULL)
		buf_printf(&b, "%s/", sub);
	buf_vprintf(&b, fmt, ap);
	return b.data;
}

char *
out_path(enum out_folder f, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath(folders[f], NULL, fmt, ap);
	va_end(ap);
	return p;
}

bool
out_path_in(enum out_folder f, const char *path)
{
	size_t n = strlen(folders[f]);

	return strncmp(path, folders[f], n) == 0 && path[n] == '/' &&
	    strchr(path + n + 1, '/') == NULL;
}

char *
out_receipt_folder(enum kind kind)
{
	return xasprintf("%s/%s", folders[OUT_RECEIPTS], kind_get(kind)->plural);
}

char *
out_receipt_path(enum kind kind, const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = vpath(folders[OUT_RECEIPTS], kind_get(kind)->plural, fmt, ap);
	va_end(ap);
	return p;
}
