/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "schemas/fields.h"

/* ISO 3166-1 alpha-2, the values of FT_COUNTRY */
const char *const iso_countries[] = {
	"AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
	"BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
	"BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
	"CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
	"EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
	"GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
	"HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
	"JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
	"LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
	"ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
	"NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
	"PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
	"SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
	"ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
	"TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
	"VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW", NULL
};

const char *const order_status_values[] = { "pending", "confirmed", NULL };
const char *const amend_status_values[] = { "confirmed", NULL };
const char *const language_values[] = { "en", "sv", "de", NULL };
const char *const payment_type_values[] = { "capture", "refund", "release", "authorization", NULL };
const char *const payment_status_values[] = { "success", "failed", NULL };
const char *const action_values[] = { "capture", "archive", NULL };

#define FIELD_DEF(n, t, r, l, v, d) { #n, t, r, l, v, d },

static const struct field_def order_head[] = { ORDER_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def product_line[] = { PRODUCT_LINE_FIELDS(FIELD_DEF) };
static const struct field_def qty_line[] = { QTY_LINE_FIELDS(FIELD_DEF) };
static const struct field_def amendment_head[] = { AMENDMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def cancellation_head[] = { CANCELLATION_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def shipment_head[] = { SHIPMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def payment_head[] = { PAYMENT_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def return_head[] = { RETURN_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def invoice_head[] = { INVOICE_HEAD_FIELDS(FIELD_DEF) };
static const struct field_def invoice_line[] = { INVOICE_LINE_FIELDS(FIELD_DEF) };
static const struct field_def action_head[] = { ACTION_HEAD_FIELDS(FIELD_DEF) };

#define KIND(k, pl, sg, h, l, rule, id, attrs) \
	{ k, pl, sg, h, sizeof(h) / sizeof(h[0]), l, sizeof(l) / sizeof((l)[0]), rule, id, attrs }

static const struct field_def *const no_lines = NULL;

static const struct kind_def kinds[KIND__COUNT] = {
	KIND(KIND_ORDERS, "orders", "order", order_head, product_line, LINES_REQUIRED, OH_order_number, true),
	KIND(KIND_AMENDMENTS, "amendments", "amendment", amendment_head, product_line, LINES_OPTIONAL, AH_amendment_id, false),
	KIND(KIND_CANCELLATIONS, "cancellations", "cancellation", cancellation_head, qty_line, LINES_OPTIONAL, CH_cancellation_id, false),
	KIND(KIND_SHIPMENTS, "shipments", "shipment", shipment_head, qty_line, LINES_REQUIRED, SH_shipment_id, false),
	{ KIND_PAYMENTS, "payments", "payment", payment_head,
	  sizeof(payment_head) / sizeof(payment_head[0]), no_lines, 0, LINES_NONE, PH_event_id, false },
	KIND(KIND_RETURNS, "returns", "return", return_head, qty_line, LINES_REQUIRED, RH_return_id, false),
	KIND(KIND_INVOICES, "invoices", "invoice", invoice_head, invoice_line, LINES_REQUIRED, IH_invoice_id, false),
	{ KIND_ACTIONS, "actions", "action", action_head,
	  sizeof(action_head) / sizeof(action_head[0]), no_lines, 0, LINES_NONE, XH_action_id, false },
};

const struct kind_def *
kind_get(enum kind kind)
{
	return kind < KIND__COUNT ? &kinds[kind] : NULL;
}

const struct kind_def *
kind_by_name(const char *plural)
{
	for (size_t i = 0; i < KIND__COUNT; i++)
		if (strcmp(kinds[i].plural, plural) == 0)
			return &kinds[i];
	return NULL;
}

int
kind_field_index(const struct kind_def *k, bool line, const char *name, size_t len)
{
	const struct field_def *f = line ? k->line : k->head;
	size_t n = line ? k->nline : k->nhead;

	for (size_t i = 0; i < n; i++)
		if (strlen(f[i].name) == len && memcmp(f[i].name, name, len) == 0)
			return (int)i;
	return -1;
}
