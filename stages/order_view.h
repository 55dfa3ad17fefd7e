/* SPDX-License-Identifier: ISC */
/*
 * order_view: `sluice order show`, one order's whole story from the
 * ledger: lines and quantities, money by the domain rules, and every
 * journal event, as text for people or as one JSON object for scripts.
 */
#ifndef SLUICE_ORDER_VIEW_H
#define SLUICE_ORDER_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

#include "pipeline/ledger/ledger.h"

/* Prints the order to out.  Returns 1 when shown, 0 when the order is
 * unknown, -1 on a ledger failure. */
int order_view_print(struct ledger *l, const char *order_number, bool json, FILE *out);

/* Sets *out to a new JSON object of the order, the one order_view_print
 * prints (the caller's to json_decref).  1, 0 when the order is unknown,
 * -1 on a ledger failure (*out NULL then). */
int order_view_json(struct ledger *l, const char *order_number, json_t **out);

#endif
