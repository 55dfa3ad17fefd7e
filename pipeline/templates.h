/* SPDX-License-Identifier: ISC */
/*
 * templates: reading document templates from the templates folder for the
 * stages, which read no files: NAME.conf and the logo it names (a PNG
 * beside it).  What a template says is parsed by stages/template.c; the
 * text and logo read here are what the ledger keeps with each document.
 */
#ifndef SLUICE_TEMPLATES_H
#define SLUICE_TEMPLATES_H

#include <stdbool.h>

#include "base/util.h"

/*
 * Reads template NAME from dir: NAME.conf and, when it names one, its logo.
 * The default template falls back to the built-in one when dir has no
 * file of it (and to the built-in logo when it has no logo.png).  Returns
 * 0; -1 when the template cannot be used (missing, unreadable, malformed);
 * -2 when reading it failed on the machine (an I/O error).  The reason is
 * in errs.
 */
int templates_read(const char *dir, const char *name, bool is_default, struct buf *text,
    struct buf *logo, struct buf *errs);

#endif
