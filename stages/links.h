/* SPDX-License-Identifier: ISC */
/*
 * links: the shareable order link (DOMAIN "Orders awaiting payment").  An
 * order has at most one open link, always for its whole due: one is issued
 * when an order arrives with less authorized than its grand total, and
 * whenever the due changes the open link becomes void and, while anything
 * is still due, a new one is issued for all of it.  A link expires
 * link_ttl after it was issued.
 */
#ifndef SLUICE_LINKS_H
#define SLUICE_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/ledger/ledger.h"
#include "stages/stages.h"

/* Issues a link of order o for amount (> 0), showing o's lines as they
 * stand: the ledger row, its journal event, its XML and PDF. */
int link_issue(struct apply_ctx *a, const struct order *o, int64_t amount);

/*
 * Brings the links of the order in st (loaded after a change) in step with
 * its due, which was due_before before the change: when the due changed,
 * or reissue asks for it, every open link becomes void and a new one is
 * issued for the whole due, if any.  An order whose due came to nothing
 * stops awaiting payment.  0, or -1 when the ledger failed (or an amount is
 * beyond MONEY_MAX, logged).
 */
int links_follow_due(struct apply_ctx *a, const struct order_state *st, int64_t due_before,
    bool reissue);

/* Makes every open link of the order in st void: 0, or -1 when the
 * ledger failed. */
int links_void(struct apply_ctx *a, const struct order_state *st);

/* The order's open link (the newest, should an older ledger hold more), or
 * NULL. */
const struct payment_link *link_open(const struct order_state *st);

/* True when link k can be paid at instant at_ns (ns since the epoch): it is
 * open and has not expired. */
bool link_live(const struct payment_link *k, int64_t at_ns);
/* The state of link k as of instant at_ns: its state in the ledger, but
 * expired for an open link past its expiry (which the ledger records only
 * once a payment meets it). */
enum link_status link_state_at(const struct payment_link *k, int64_t at_ns);

#endif
