/* SPDX-License-Identifier: ISC */
/*
 * layout: where sluice's outputs go, the folders of out/ (doc/contract.md
 * lists them).  Documents go to the folder of their kind of output;
 * receipts to a folder per input kind, out/receipts/<kind>/ (a spool of an
 * earlier version kept them in out/receipts/ itself).  The spool makes
 * these folders, the stages that issue documents and the pipeline that
 * queues receipts name their files through here.
 */
#ifndef SLUICE_LAYOUT_H
#define SLUICE_LAYOUT_H

#include <stdbool.h>

#include "base/util.h"
#include "schemas/fields.h"

/* The folders of out/. */
enum out_folder {
	OUT_INVOICES,    /* invoices and credit notes */
	OUT_PROFORMAS,   /* one pro-forma per shipment */
	OUT_CAPTURES,    /* capture, refund and release requests for the PSP */
	OUT_LINKS,       /* payment links */
	OUT_RECEIPTS,    /* receipts, in a folder per input kind */
	OUT__COUNT
};

/* The folder's path below the spool root: "out/invoices", ... */
const char *out_folder_path(enum out_folder f);
/* The path below the spool root of the file in folder f that fmt names:
 * out_path(OUT_INVOICES, "%s.pdf", number).  The caller frees it. */
char *out_path(enum out_folder f, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* True when path (below the spool root) names an entry right in folder f,
 * not in a folder below it. */
bool out_path_in(enum out_folder f, const char *path);
/* The folder of the receipts of inputs of kind: "out/receipts/orders".
 * The caller frees it. */
char *out_receipt_folder(enum kind kind);
/* The path below the spool root of the file in that folder that fmt
 * names: out/receipts/orders/<fmt>.  The caller frees it. */
char *out_receipt_path(enum kind kind, const char *fmt, ...) PRINTF_LIKE(2, 3);

#endif
