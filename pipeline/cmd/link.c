/* SPDX-License-Identifier: ISC */
/* sluice link verify|show TOKEN: a payment link, as its token names it. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/process.h"
#include "base/token.h"
#include "stages/lifecycle.h"
#include "stages/link_view.h"
#include "stages/links.h"
#include "base/money.h"

static int link_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_link_entry = {
	.name = "link",
	.summary = "link verify|show TOKEN: a payment link's state, and its order for the customer",
	.usage = "sluice link verify TOKEN\n"
	    "       sluice link show TOKEN [--json]",
	.help =
	    "verify: says whether TOKEN is a payment link token signed by this spool for\n"
	    "a link of this ledger that can be paid now (open, not expired): prints the\n"
	    "link, order, amount and state.  Exits 0 for such a link; 1 for a forged or\n"
	    "altered token, an unknown link, or one that is spent, expired or void.\n"
	    "\n"
	    "show: what the shop's payment page shows whoever holds TOKEN: the link's\n"
	    "state (open, spent, expired, void) and expiry and, for an open or spent\n"
	    "link, the order as the link showed it (number, date, lines, shipping, VAT,\n"
	    "total, amount due); nothing else.  Exits 0 for a genuine token of a link of\n"
	    "this ledger, whatever its state; 1, printing nothing, for any other.\n"
	    "\n"
	    "Both read the link secret, and nothing is written.\n",
	.flag = "json",
	.args_min = 2,
	.args_max = 2,
	.exec = link_exec,
};

/* What link show says of a token that names no link of this spool, forged
 * or genuine: the same, so that it tells a token's holder nothing. */
#define NOT_A_LINK "not a payment link of this spool"

/* The link the token claims, or NULL when the ledger has no such link for
 * that order, amount and currency. */
static const struct payment_link *
claimed_link(const struct order_state *st, const struct link_claim *c)
{
	const struct payment_link *k = state_link(st, c->link_id);

	return k != NULL && k->amount == c->amount && strcmp(st->order->currency, c->currency) == 0 ?
	    k : NULL;
}

/* verify: one line on what the token names. */
static int
verify(const struct link_claim *c, const struct payment_link *k, enum link_status state)
{
	char money[MONEY_SIZE], until[TIME_SIZE];

	if (k == NULL) {
		printf("unknown: %s of order %s is not a link of this ledger\n", c->link_id,
		    c->order_number);
		return EXIT_FAILED;
	}
	money_format(c->amount, currency_digits(c->currency, 3), money, sizeof money);
	format_time(k->expires_ns, until, sizeof until);
	if (state == LINK_OPEN) {
		printf("valid: %s of order %s, %s %s, open until %s\n", c->link_id, c->order_number,
		    money, c->currency, until);
		return EXIT_OK;
	}
	printf("%s: %s of order %s (%s %s) can no longer be paid\n", link_status_name(state),
	    c->link_id, c->order_number, money, c->currency);
	return EXIT_FAILED;
}

static int
link_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	bool show = strcmp(args->argv[0], "show") == 0;
	struct spool *sp;
	struct ledger *l;
	struct order_state *st = NULL;
	struct buf secret = { 0 };
	struct link_claim c;
	const struct payment_link *k = NULL;
	enum link_status state = LINK_VOID;
	int status;

	if (!show && strcmp(args->argv[0], "verify") != 0) {
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	if ((status = app_link_secret(a, "link verify and link show", &secret)) != EXIT_OK)
		return status;
	if (!token_verify(&secret, args->argv[1], &c)) {
		if (show)
			fprintf(stderr, "sluice: %s\n", NOT_A_LINK);
		else
			printf("invalid: the token was not signed by this spool, or was altered\n");
		buf_free(&secret);
		return EXIT_FAILED;
	}
	if (app_open_read(a, &sp, &l) != 0) {
		buf_free(&secret);
		return EXIT_SOFTWARE;
	}
	if (ledger_order_state(l, c.order_number, &st) < 0) {
		status = EXIT_SOFTWARE;
		goto out;
	}
	if (st != NULL && (k = claimed_link(st, &c)) != NULL)
		state = link_state_at(k, now_ns());
	if (!show)
		status = verify(&c, k, state);
	else if (k == NULL) {
		fprintf(stderr, "sluice: %s\n", NOT_A_LINK);
		status = EXIT_FAILED;
	} else {
		struct render_ctx r = { l, &a->conf, &secret };

		status = link_view_print(&r, st, k, state, args->flag, stdout) == 0 ? EXIT_OK :
		    EXIT_SOFTWARE;
	}
out:
	order_state_free(st);
	buf_free(&secret);
	ledger_close(l);
	spool_close(sp);
	return status;
}
