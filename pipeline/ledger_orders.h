/*
 * ledger_orders: orders and their lines in the ledger.  Strings in these
 * structs are borrowed when writing; when loaded they are owned by the
 * struct and freed by its free function.
 */
#ifndef SLUICE_LEDGER_ORDERS_H
#define SLUICE_LEDGER_ORDERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/hash.h"
#include "pipeline/ledger.h"

struct address {
	const char *address1;
	const char *address2;
	const char *zip;
	const char *city;
	const char *country;
};

struct order_line {
	int64_t line_id;
	const char *sku;
	const char *ean;
	const char *name;
	const char *variant;
	const char *size;
	int64_t quantity;
	int64_t unit_price;
	int64_t discount;
	int64_t vat_rate;             /* hundredths of a percent */
	const char *country_of_origin;
	const char *hs_code;
	int64_t weight_grams;         /* -1 when unknown */
	int64_t shipped;
	int64_t cancelled;
};

struct order {
	const char *order_number;
	int64_t input_id;
	const char *content_sha256;
	const char *order_date;
	const char *market;
	const char *currency;
	bool prices_include_vat;
	const char *status;
	bool hold;
	const char *email;
	const char *first_name;
	const char *last_name;
	const char *phone;
	struct address billing;
	struct address delivery;
	const char *shipping_method;
	int64_t shipping_price;
	int64_t shipping_vat_rate;
	const char *payment_method;
	const char *payment_reference;
	int64_t authorized;
	const char *comment;
	struct order_line *lines;     /* loaded orders only */
	size_t nlines;
};

/* Looks up who created an order and with what content: 1 when it exists
 * (filling input_id and sha), 0 when not, -1 on failure. */
int ledger_order_identity(struct ledger *l, const char *order_number, int64_t *input_id,
    char sha[SHA256_HEX]);
int ledger_order_insert(struct ledger *l, const struct order *o);

/* For ledger_query(): reads an (input id, content digest) row. */
struct ledger_identity {
	int64_t *input_id;
	char *sha;
};
void ledger_identity_row(struct sqlite3_stmt *st, void *ctx);
int ledger_order_line_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_line *ln);

/* Loads an order with its lines: 1 found (*out owned by the caller, free
 * with order_free), 0 unknown, -1 failure. */
int ledger_order_load(struct ledger *l, const char *order_number, struct order **out);
void order_free(struct order *o);

/* Reads an address from five columns of a row, from column i on (strings
 * owned); frees one read so. */
void ledger_column_address(struct sqlite3_stmt *st, int i, struct address *a);
void address_clear(struct address *a);

#endif
