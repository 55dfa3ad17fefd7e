/* SPDX-License-Identifier: ISC */
/*
 * links: the shareable order link (links.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/money.h"
#include "stages/issue.h"
#include "stages/journal.h"
#include "stages/links.h"
#include "stages/totals.h"

int
link_issue(struct apply_ctx *a, const struct order *o, int64_t amount)
{
	struct payment_link k = { .amount = amount };
	struct link_line *lines = xreallocarray(NULL, o->nlines ? o->nlines : 1, sizeof *lines);
	char money[MONEY_SIZE], expires[TIME_SIZE], *id = NULL;
	int ret = -1;

	if (ledger_order_take_link_number(a->ledger, o->order_number, &k.n) != 0)
		goto out;
	k.link_id = id = xasprintf("LINK-%s-%lld", o->order_number, (long long)k.n);
	/* to the millisecond, as expires_at says it (link_ttl is at most a
	 * year: no overflow before the year 2262) */
	k.expires_ns = a->received_ns / 1000000 * 1000000 + a->conf->link_ttl_ms * 1000000;
	for (size_t i = 0; i < o->nlines; i++)
		lines[i] = (struct link_line){ o->lines[i].line_id, o->lines[i].cancelled };
	money_format(amount, currency_digits(o->currency, strlen(o->currency)), money,
	    sizeof money);
	format_time(k.expires_ns, expires, sizeof expires);
	if (ledger_link_insert(a->ledger, o->order_number, a->input_id, &k, lines, o->nlines) != 0 ||
	    journal_event(a, o->order_number, "link_created",
	    "\"link_id\":\"%s\",\"amount\":\"%s\",\"expires_at\":\"%s\"", k.link_id, money,
	    expires) != 0 ||
	    issue_link(a, o->order_number, k.link_id) != 0)
		goto out;
	ret = 0;
out:
	free(id);
	free(lines);
	return ret;
}

int
links_follow_due(struct apply_ctx *a, const struct order_state *st, int64_t due_before,
    bool reissue)
{
	const struct order *o = st->order;
	int64_t due;
	char authorized[MONEY_SIZE];

	if (totals_due(o, &due) != 0)
		return totals_beyond(o);
	money_format(o->authorized, currency_digits(o->currency, strlen(o->currency)), authorized,
	    sizeof authorized);
	if (due == 0 && o->awaiting_payment &&
	    (ledger_order_set_awaiting_payment(a->ledger, o->order_number, false) != 0 ||
	    journal_event(a, o->order_number, "awaiting_payment_ended", "\"authorized\":\"%s\"",
	    authorized) != 0))
		return -1;
	if (due == due_before && !reissue)
		return 0;
	if (links_void(a, st) != 0)
		return -1;
	return due > 0 ? link_issue(a, o, due) : 0;
}

int
links_void(struct apply_ctx *a, const struct order_state *st)
{
	for (size_t i = 0; i < st->nlinks; i++) {
		const struct payment_link *k = &st->links[i];

		if (k->status == LINK_OPEN &&
		    (ledger_link_set_status(a->ledger, k->link_id, LINK_VOID, NULL) != 0 ||
		    journal_event(a, st->order->order_number, "link_voided",
		    "\"link_id\":\"%s\"", k->link_id) != 0))
			return -1;
	}
	return 0;
}

const struct payment_link *
link_open(const struct order_state *st)
{
	for (size_t i = st->nlinks; i > 0; i--)
		if (st->links[i - 1].status == LINK_OPEN)
			return &st->links[i - 1];
	return NULL;
}

bool
link_live(const struct payment_link *k, int64_t at_ns)
{
	return k->status == LINK_OPEN && at_ns < k->expires_ns;
}

enum link_status
link_state_at(const struct payment_link *k, int64_t at_ns)
{
	return k->status == LINK_OPEN && !link_live(k, at_ns) ? LINK_EXPIRED : k->status;
}
