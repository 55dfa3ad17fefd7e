/* SPDX-License-Identifier: ISC */
/*
 * fields: one table per input kind, the single source of truth for CSV
 * columns, XML elements, the generated XSDs and field validation.
 *
 * Each list is an X-macro of X(name, type, required, limit, values, dflt):
 *   limit   maximum length for text types, maximum value for FT_INT
 *   values  NULL-terminated list of allowed values for FT_ENUM
 *   dflt    the value (as the validated number) of an absent numeric or
 *           boolean field, or NO_DEFAULT
 * Header fields come in the order of the XML elements; line fields follow
 * inside <line>.  The enums below index a record's fields by name.
 */
#ifndef SLUICE_FIELDS_H
#define SLUICE_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum field_type {
	FT_ID,        /* 1-64 of [A-Za-z0-9._-], starting alphanumeric */
	FT_REF,       /* an id, a request or link name sluice gave (a prefix
	                 before an id), or a payment link token: up to 512 */
	FT_TEXT,      /* one line of UTF-8 text, no control characters */
	FT_NOTE,      /* UTF-8 text that may span lines */
	FT_DATE,      /* RFC 3339 date-time */
	FT_MONEY,     /* decimal with the currency's minor digits */
	FT_RATE,      /* VAT percent 0-100, up to 2 decimals; num = hundredths */
	FT_QTY,       /* whole number 1-100000 */
	FT_BOOL,      /* true / false */
	FT_COUNTRY,   /* ISO 3166-1 alpha-2 */
	FT_CURRENCY,  /* ISO 4217 from the supported list */
	FT_EMAIL,
	FT_EAN,       /* GTIN-8/12/13/14 with check digit */
	FT_INT,       /* whole number 0..limit */
	FT_POSINT,    /* whole number 1..limit */
	FT_HS_CODE,   /* 6-10 digits */
	FT_ENUM,      /* one of values */
};

#define NO_DEFAULT INT64_MIN
#define REQ true
#define OPT false

extern const char *const order_status_values[];
extern const char *const amend_status_values[];
extern const char *const payment_type_values[];
extern const char *const payment_status_values[];
extern const char *const action_values[];
extern const char *const language_values[];

#define ADDRESS_FIELDS(X, pfx)                                  \
	X(pfx##_address1, FT_TEXT, OPT, 200, NULL, NO_DEFAULT)  \
	X(pfx##_address2, FT_TEXT, OPT, 200, NULL, NO_DEFAULT)  \
	X(pfx##_zip, FT_TEXT, OPT, 20, NULL, NO_DEFAULT)        \
	X(pfx##_city, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)      \
	X(pfx##_country, FT_COUNTRY, OPT, 0, NULL, NO_DEFAULT)

#define PRODUCT_LINE_FIELDS(X)                                       \
	X(line_id, FT_POSINT, REQ, 1000000, NULL, NO_DEFAULT)        \
	X(sku, FT_TEXT, REQ, 64, NULL, NO_DEFAULT)                   \
	X(ean, FT_EAN, OPT, 0, NULL, NO_DEFAULT)                     \
	X(name, FT_TEXT, REQ, 200, NULL, NO_DEFAULT)                 \
	X(variant, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)              \
	X(size, FT_TEXT, OPT, 50, NULL, NO_DEFAULT)                  \
	X(quantity, FT_QTY, REQ, 0, NULL, NO_DEFAULT)                \
	X(unit_price, FT_MONEY, REQ, 0, NULL, NO_DEFAULT)            \
	X(discount, FT_MONEY, OPT, 0, NULL, 0)                       \
	X(vat_rate, FT_RATE, REQ, 0, NULL, NO_DEFAULT)               \
	X(country_of_origin, FT_COUNTRY, OPT, 0, NULL, NO_DEFAULT)   \
	X(hs_code, FT_HS_CODE, OPT, 0, NULL, NO_DEFAULT)             \
	X(weight_grams, FT_INT, OPT, 1000000000, NULL, NO_DEFAULT)

#define QTY_LINE_FIELDS(X)                                    \
	X(line_id, FT_POSINT, REQ, 1000000, NULL, NO_DEFAULT) \
	X(quantity, FT_QTY, REQ, 0, NULL, NO_DEFAULT)

#define ORDER_HEAD_FIELDS(X)                                            \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)                \
	X(order_date, FT_DATE, REQ, 0, NULL, NO_DEFAULT)                \
	X(market, FT_ID, REQ, 0, NULL, NO_DEFAULT)                      \
	X(currency, FT_CURRENCY, REQ, 0, NULL, NO_DEFAULT)              \
	X(prices_include_vat, FT_BOOL, OPT, 0, NULL, 1)                 \
	X(status, FT_ENUM, OPT, 0, order_status_values, NO_DEFAULT)     \
	X(email, FT_EMAIL, REQ, 0, NULL, NO_DEFAULT)                    \
	X(first_name, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)              \
	X(last_name, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)               \
	X(phone, FT_TEXT, OPT, 40, NULL, NO_DEFAULT)                    \
	X(billing_address1, FT_TEXT, REQ, 200, NULL, NO_DEFAULT)        \
	X(billing_address2, FT_TEXT, OPT, 200, NULL, NO_DEFAULT)        \
	X(billing_zip, FT_TEXT, REQ, 20, NULL, NO_DEFAULT)              \
	X(billing_city, FT_TEXT, REQ, 100, NULL, NO_DEFAULT)            \
	X(billing_country, FT_COUNTRY, REQ, 0, NULL, NO_DEFAULT)        \
	ADDRESS_FIELDS(X, delivery)                                     \
	X(shipping_method, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)         \
	X(shipping_price, FT_MONEY, OPT, 0, NULL, 0)                    \
	X(shipping_vat_rate, FT_RATE, OPT, 0, NULL, NO_DEFAULT)         \
	X(payment_method, FT_TEXT, OPT, 64, NULL, NO_DEFAULT)           \
	X(payment_reference, FT_TEXT, OPT, 128, NULL, NO_DEFAULT)       \
	X(authorized_amount, FT_MONEY, OPT, 0, NULL, 0)                 \
	X(captured_amount, FT_MONEY, OPT, 0, NULL, 0)                   \
	X(capture_reference, FT_TEXT, OPT, 128, NULL, NO_DEFAULT)       \
	X(voucher_code, FT_TEXT, OPT, 64, NULL, NO_DEFAULT)             \
	X(voucher_value, FT_MONEY, OPT, 0, NULL, 0)                     \
	X(grand_total, FT_MONEY, OPT, 0, NULL, NO_DEFAULT)              \
	X(billing_state, FT_TEXT, OPT, 64, NULL, NO_DEFAULT)            \
	X(delivery_state, FT_TEXT, OPT, 64, NULL, NO_DEFAULT)           \
	X(language, FT_ENUM, OPT, 0, language_values, NO_DEFAULT)       \
	X(delivery_date, FT_DATE, OPT, 0, NULL, NO_DEFAULT)             \
	X(internal_comment, FT_NOTE, OPT, 2000, NULL, NO_DEFAULT)       \
	X(comment, FT_NOTE, OPT, 2000, NULL, NO_DEFAULT)

#define AMENDMENT_HEAD_FIELDS(X)                                        \
	X(amendment_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)                \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)                \
	X(status, FT_ENUM, OPT, 0, amend_status_values, NO_DEFAULT)     \
	X(hold, FT_BOOL, OPT, 0, NULL, NO_DEFAULT)                      \
	ADDRESS_FIELDS(X, delivery)                                     \
	X(delivery_state, FT_TEXT, OPT, 64, NULL, NO_DEFAULT)           \
	X(reissue_link, FT_BOOL, OPT, 0, NULL, 0)                       \
	X(comment, FT_NOTE, OPT, 2000, NULL, NO_DEFAULT)

#define CANCELLATION_HEAD_FIELDS(X)                              \
	X(cancellation_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)      \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)         \
	X(whole_order, FT_BOOL, OPT, 0, NULL, 0)                 \
	X(reason, FT_NOTE, OPT, 500, NULL, NO_DEFAULT)

#define SHIPMENT_HEAD_FIELDS(X)                                  \
	X(shipment_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)          \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)         \
	X(carrier, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)          \
	X(service, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)          \
	X(tracking, FT_TEXT, OPT, 100, NULL, NO_DEFAULT)         \
	X(shipped, FT_BOOL, OPT, 0, NULL, 0)                     \
	X(shipped_at, FT_DATE, OPT, 0, NULL, NO_DEFAULT)

#define PAYMENT_HEAD_FIELDS(X)                                          \
	X(event_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)                    \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)                \
	X(type, FT_ENUM, REQ, 0, payment_type_values, NO_DEFAULT)       \
	X(request_id, FT_REF, OPT, 512, NULL, NO_DEFAULT)               \
	X(status, FT_ENUM, REQ, 0, payment_status_values, NO_DEFAULT)   \
	X(amount, FT_MONEY, REQ, 0, NULL, NO_DEFAULT)                   \
	X(currency, FT_CURRENCY, REQ, 0, NULL, NO_DEFAULT)              \
	X(psp_reference, FT_TEXT, OPT, 128, NULL, NO_DEFAULT)           \
	X(occurred_at, FT_DATE, OPT, 0, NULL, NO_DEFAULT)

#define RETURN_HEAD_FIELDS(X)                                    \
	X(return_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)            \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)         \
	X(shipment_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)          \
	X(reason, FT_NOTE, OPT, 500, NULL, NO_DEFAULT)           \
	X(restock, FT_BOOL, OPT, 0, NULL, 1)                     \
	X(refund_shipping, FT_BOOL, OPT, 0, NULL, 0)             \
	X(return_fee, FT_MONEY, OPT, 0, NULL, 0)

#define INVOICE_HEAD_FIELDS(X)                                   \
	X(invoice_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)           \
	X(order_number, FT_ID, OPT, 0, NULL, NO_DEFAULT)         \
	X(currency, FT_CURRENCY, REQ, 0, NULL, NO_DEFAULT)       \
	X(email, FT_EMAIL, REQ, 0, NULL, NO_DEFAULT)             \
	X(name, FT_TEXT, REQ, 200, NULL, NO_DEFAULT)             \
	X(billing_address1, FT_TEXT, REQ, 200, NULL, NO_DEFAULT) \
	X(billing_zip, FT_TEXT, REQ, 20, NULL, NO_DEFAULT)       \
	X(billing_city, FT_TEXT, REQ, 100, NULL, NO_DEFAULT)     \
	X(billing_country, FT_COUNTRY, REQ, 0, NULL, NO_DEFAULT) \
	X(due_date, FT_DATE, OPT, 0, NULL, NO_DEFAULT)           \
	X(template, FT_ID, OPT, 0, NULL, NO_DEFAULT)             \
	X(text, FT_NOTE, OPT, 4000, NULL, NO_DEFAULT)

#define INVOICE_LINE_FIELDS(X)                                   \
	X(description, FT_TEXT, REQ, 500, NULL, NO_DEFAULT)      \
	X(quantity, FT_QTY, REQ, 0, NULL, NO_DEFAULT)            \
	X(unit_price, FT_MONEY, REQ, 0, NULL, NO_DEFAULT)        \
	X(vat_rate, FT_RATE, REQ, 0, NULL, NO_DEFAULT)

#define ACTION_HEAD_FIELDS(X)                                    \
	X(action_id, FT_ID, REQ, 0, NULL, NO_DEFAULT)            \
	X(order_number, FT_ID, REQ, 0, NULL, NO_DEFAULT)         \
	X(action, FT_ENUM, REQ, 0, action_values, NO_DEFAULT)    \
	X(shipment_id, FT_ID, OPT, 0, NULL, NO_DEFAULT)

/* Index enums: OH_order_number is the index of order_number in an order's header. */
#define OH_(n, ...) OH_##n,
#define PL_(n, ...) PL_##n,
#define QL_(n, ...) QL_##n,
#define AH_(n, ...) AH_##n,
#define CH_(n, ...) CH_##n,
#define SH_(n, ...) SH_##n,
#define PH_(n, ...) PH_##n,
#define RH_(n, ...) RH_##n,
#define IH_(n, ...) IH_##n,
#define IL_(n, ...) IL_##n,
#define XH_(n, ...) XH_##n,
enum order_head { ORDER_HEAD_FIELDS(OH_) OH__COUNT };
enum product_line { PRODUCT_LINE_FIELDS(PL_) PL__COUNT };
enum qty_line { QTY_LINE_FIELDS(QL_) QL__COUNT };
enum amendment_head { AMENDMENT_HEAD_FIELDS(AH_) AH__COUNT };
enum cancellation_head { CANCELLATION_HEAD_FIELDS(CH_) CH__COUNT };
enum shipment_head { SHIPMENT_HEAD_FIELDS(SH_) SH__COUNT };
enum payment_head { PAYMENT_HEAD_FIELDS(PH_) PH__COUNT };
enum return_head { RETURN_HEAD_FIELDS(RH_) RH__COUNT };
enum invoice_head { INVOICE_HEAD_FIELDS(IH_) IH__COUNT };
enum invoice_line { INVOICE_LINE_FIELDS(IL_) IL__COUNT };
enum action_head { ACTION_HEAD_FIELDS(XH_) XH__COUNT };
#undef OH_
#undef PL_
#undef QL_
#undef AH_
#undef CH_
#undef SH_
#undef PH_
#undef RH_
#undef IH_
#undef IL_
#undef XH_

struct field_def {
	const char *name;
	enum field_type type;
	bool required;
	long long limit;
	const char *const *values;
	int64_t dflt;
};

/* Input kinds, in dependency order: the order in which folders are applied. */
enum kind {
	KIND_ORDERS,
	KIND_AMENDMENTS,
	KIND_CANCELLATIONS,
	KIND_SHIPMENTS,
	KIND_PAYMENTS,
	KIND_RETURNS,
	KIND_INVOICES,
	KIND_ACTIONS,
	KIND__COUNT
};

enum lines_rule { LINES_NONE, LINES_OPTIONAL, LINES_REQUIRED };

struct kind_def {
	enum kind kind;
	const char *plural;    /* folder name under in/, XML root element */
	const char *singular;  /* XML record element */
	const struct field_def *head;
	size_t nhead;
	const struct field_def *line;
	size_t nline;
	enum lines_rule lines;
	size_t id_field;       /* header index of the record's own id */
	bool attributes;       /* takes extra attributes (attr_<name> columns,
	                          <attribute name="..."> elements) */
};

/* Extra attributes: at most ATTR_MAX a record, each a name of
 * 1-ATTR_NAME_MAX of [a-z0-9_] and a value of one line of text up to
 * ATTR_VALUE_MAX characters; the CSV column of attribute N is
 * ATTR_COLUMN_PREFIX N, its XML element ATTR_ELEMENT. */
#define ATTR_MAX 100
#define ATTR_NAME_MAX 32
#define ATTR_VALUE_MAX 1000
#define ATTR_COLUMN_PREFIX "attr_"
#define ATTR_ELEMENT "attribute"

/* The country codes a FT_COUNTRY field takes (ISO 3166-1 alpha-2), in
 * byte order; NULL-terminated. */
extern const char *const iso_countries[];

const struct kind_def *kind_get(enum kind kind);
/* Finds a kind by its plural name ("orders"); NULL when there is none. */
const struct kind_def *kind_by_name(const char *plural);
/* Index of a header (line == false) or line field by name, or -1. */
int kind_field_index(const struct kind_def *k, bool line, const char *name, size_t len);

#endif
