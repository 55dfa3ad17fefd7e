/* sluice link verify TOKEN: is a payment link token valid and unspent? */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/process.h"
#include "base/token.h"
#include "stages/lifecycle.h"
#include "base/money.h"

static int link_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_link_entry = {
	.name = "link",
	.summary = "link verify TOKEN: is a payment link token valid and unspent",
	.usage = "sluice link verify TOKEN",
	.help =
	    "Says whether TOKEN is a payment link token signed by this spool, for a link\n"
	    "that exists and has not been paid: prints the link, order, amount and\n"
	    "state.  Exits 0 for a valid, unspent token; 1 for a forged or altered token,\n"
	    "or a link that is unknown or paid already.\n",
	.args_min = 2,
	.args_max = 2,
	.exec = link_exec,
};

/* The link the token claims, or NULL when the ledger has no such link for
 * that order, amount and currency. */
static const struct payment_link *
claimed_link(const struct order_state *st, const struct link_claim *c)
{
	const struct payment_link *k = state_link(st, c->link_id);

	return k != NULL && k->amount == c->amount && strcmp(st->order->currency, c->currency) == 0 ?
	    k : NULL;
}

static int
link_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct order_state *st = NULL;
	struct buf secret = { 0 }, why = { 0 };
	struct link_claim c;
	char *path, money[MONEY_SIZE];
	const struct payment_link *k = NULL;
	int status;

	if (strcmp(args->argv[0], "verify") != 0) {
		cmd_usage(self, false);
		return EXIT_USAGE;
	}
	path = processor_secret_path(&a->conf, a->spool_path);
	if (token_secret_load(path, &secret, &why) != 0) {
		fprintf(stderr, "sluice: %s (sluice init creates one)\n", buf_str(&why));
		buf_free(&why);
		free(path);
		return EXIT_CONFIG;
	}
	free(path);
	if (!token_verify(&secret, args->argv[1], &c)) {
		printf("invalid: the token was not signed by this spool, or was altered\n");
		buf_free(&secret);
		return EXIT_FAILED;
	}
	buf_free(&secret);
	if (app_open(a, false, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	if (ledger_order_state(l, c.order_number, &st) < 0) {
		status = EXIT_SOFTWARE;
		goto out;
	}
	if (st != NULL)
		k = claimed_link(st, &c);
	money_format(c.amount, currency_digits(c.currency, 3), money, sizeof money);
	if (k == NULL) {
		printf("unknown: %s of order %s is not a link of this ledger\n", c.link_id,
		    c.order_number);
		status = EXIT_FAILED;
	} else if (k->status != LINK_OPEN) {
		printf("spent: %s of order %s (%s %s) was paid already\n", c.link_id, c.order_number,
		    money, c.currency);
		status = EXIT_FAILED;
	} else {
		printf("valid: %s of order %s, %s %s, not paid yet\n", c.link_id, c.order_number,
		    money, c.currency);
		status = EXIT_OK;
	}
out:
	order_state_free(st);
	ledger_close(l);
	spool_close(sp);
	return status;
}
