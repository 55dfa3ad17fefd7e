/* SPDX-License-Identifier: ISC */
/*
 * link_view: `sluice link show`, a payment link as the shop's payment page
 * may show it to whoever holds its token: the link's state and, while it
 * can be paid or once it was, the order as the link showed it (lines,
 * shipping, VAT, total, amount due), and nothing else: no payment
 * references, no internal ids, no other order.
 */
#ifndef SLUICE_LINK_VIEW_H
#define SLUICE_LINK_VIEW_H

#include <stdbool.h>
#include <stdio.h>

#include "stages/document.h"

/* Prints link k of the order in st, whose state as of now is state, to
 * out, as text or JSON.  0, or -1 when its document cannot be loaded. */
int link_view_print(const struct render_ctx *r, const struct order_state *st,
    const struct payment_link *k, enum link_status state, bool json, FILE *out);

#endif
