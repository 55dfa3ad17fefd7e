/* SPDX-License-Identifier: ISC */
/*
 * errors: the table of stable error codes that receipts carry, and the
 * caller-owned error list that every stage reports into.
 *
 * Codes are part of the file contract: never renumber or rename one; add
 * new codes at the end of their group.  doc/errors.md documents each code
 * and a test checks that the table and the document agree.
 */
#ifndef SLUICE_ERRORS_H
#define SLUICE_ERRORS_H

#include <stddef.h>

#include "base/money.h"
#include "base/arena.h"
#include "base/util.h"

/* X(enum suffix, code string, one-line meaning) */
#define ERROR_CODES(X)                                                              \
	/* the file as a whole */                                                   \
	X(NOT_REGULAR_FILE, "not_regular_file", "the name is a symbolic link, directory, FIFO, socket or device, not a file") \
	X(UNKNOWN_FORMAT, "unknown_format", "the file name does not end in .csv or .xml")  \
	X(FILE_TOO_LARGE, "file_too_large", "the file is larger than the configured max_file_size") \
	X(EMPTY_FILE, "empty_file", "the file is empty")                                 \
	X(NO_RECORDS, "no_records", "the file holds no records")                          \
	X(IO_ERROR, "io_error", "sluice may not read the file (its permissions)")          \
	X(TOO_MANY_ERRORS, "too_many_errors", "more errors were found than a receipt lists (max_errors)") \
	/* CSV */                                                                     \
	X(CSV_SYNTAX, "csv_syntax", "the CSV text is malformed (a stray or unclosed quote)") \
	X(CSV_UNKNOWN_COLUMN, "csv_unknown_column", "the header row names a column that the kind does not have") \
	X(CSV_DUPLICATE_COLUMN, "csv_duplicate_column", "the header row names a column twice") \
	X(CSV_COLUMN_COUNT, "csv_column_count", "a row has more or fewer cells than the header row") \
	X(CSV_HEADER_MISMATCH, "csv_header_mismatch", "a header field differs between the rows of one record") \
	X(CSV_SPLIT_RECORD, "csv_split_record", "a record's rows are not contiguous, or a record appears twice in one file") \
	X(CSV_ROW_WITHOUT_LINE, "csv_row_without_line", "a row of a record with several rows has no line fields") \
	X(FIELD_TOO_LONG, "field_too_long", "a field or row is longer than the parser accepts (max_field_bytes)") \
	X(RECORD_TOO_LARGE, "record_too_large", "a record has more lines than max_record_lines, or more than 16 MiB of fields") \
	/* XML */                                                                     \
	X(XML_MALFORMED, "xml_malformed", "the XML is not well-formed") \
	X(XML_DOCTYPE, "xml_doctype", "the XML has a document type declaration (DTDs and entities are refused)") \
	X(XML_ROOT, "xml_root", "the root element is not the kind's plural name in namespace urn:sluice:1") \
	X(XML_SCHEMA, "xml_schema", "the XML does not follow the kind's XSD (an element out of place, unknown or missing)") \
	/* field types */                                                             \
	X(MISSING_FIELD, "missing_field", "a required field is absent or empty")       \
	X(INVALID_TEXT, "invalid_text", "a text field holds invalid UTF-8, control or bidirectional formatting characters or noncharacters, or is too long") \
	X(INVALID_ID, "invalid_id", "an id is not 1-64 characters of A-Z a-z 0-9 . _ - starting with a letter or digit") \
	X(INVALID_DATE, "invalid_date", "a date is not an RFC 3339 date-time") \
	X(INVALID_MONEY, "invalid_money", "an amount is not a decimal with exactly the currency's minor digits, or is out of range") \
	X(INVALID_RATE, "invalid_rate", "a VAT rate is not a percentage 0-100 with at most 2 decimals") \
	X(INVALID_QUANTITY, "invalid_quantity", "a quantity is not a whole number 1-100000") \
	X(INVALID_BOOL, "invalid_bool", "a flag is not true or false") \
	X(INVALID_COUNTRY, "invalid_country", "a country is not an ISO 3166-1 alpha-2 code") \
	X(INVALID_CURRENCY, "invalid_currency", "a currency is not one of " CURRENCY_LIST) \
	X(INVALID_EMAIL, "invalid_email", "an email address is not one @ between non-empty parts, without spaces, at most 254 characters") \
	X(INVALID_EAN, "invalid_ean", "an EAN is not 8, 12, 13 or 14 digits with a correct check digit") \
	X(INVALID_NUMBER, "invalid_number", "a whole number is malformed or out of range") \
	X(INVALID_VALUE, "invalid_value", "a field holds a value outside its list of allowed values") \
	X(INVALID_STATE, "invalid_state", "a billing_state or delivery_state is not a subdivision of the address's country (US, CA, AU)") \
	X(INVALID_ATTRIBUTE, "invalid_attribute", "an extra attribute's name is not 1-32 of a-z 0-9 _, is given twice, or an order has more than 100 attributes") \
	/* order rules */                                                             \
	X(NO_LINES, "no_lines", "a record that needs lines has none") \
	X(DUPLICATE_LINE_ID, "duplicate_line_id", "a line_id appears twice in one order") \
	X(DISCOUNT_TOO_LARGE, "discount_too_large", "a line's discount exceeds quantity x unit_price") \
	X(VOUCHER_TOO_LARGE, "voucher_too_large", "an order's voucher_value exceeds its product lines' gross amounts") \
	X(SHIPPING_VAT_RATE_MISSING, "shipping_vat_rate_missing", "shipping_price is above zero but shipping_vat_rate is absent") \
	X(GRAND_TOTAL_MISMATCH, "grand_total_mismatch", "grand_total differs from the total computed from the lines and shipping") \
	X(CAPTURED_EXCEEDS_AUTHORIZED, "captured_exceeds_authorized", "an order's captured_amount exceeds its authorized_amount") \
	X(AMOUNT_TOO_LARGE, "amount_too_large", "an amount is beyond the largest sluice holds, 999999999999 minor units: a line's total, or what an order, shipment, refund, invoice or authorization would come to with the record") \
	X(ORDER_NUMBER_REUSED, "order_number_reused", "an order number was used before for an order with other content") \
	/* the lifecycle */                                                           \
	X(RECORD_CONFLICT, "record_conflict", "a record's id was applied before with other content") \
	X(ORDER_CLOSED, "order_closed", "the order is completed, cancelled or archived and cannot change that way") \
	X(UNKNOWN_LINE, "unknown_line", "a line_id that the order (or the shipment) does not have") \
	X(LINE_EXISTS, "line_exists", "an added line's line_id is used by the order already") \
	X(QUANTITY_NOT_OPEN, "quantity_not_open", "more units than the line has open (not shipped, not cancelled)") \
	X(ORDER_NOT_CANCELLABLE, "order_not_cancellable", "a whole-order cancellation of an order with a shipment or a capture") \
	X(ORDER_NOT_SHIPPABLE, "order_not_shippable", "a shipment for an order that is not confirmed or processing, or is on hold") \
	X(SHIPMENT_CONFLICT, "shipment_conflict", "a shipment sent again with other lines or for another order") \
	X(WRONG_ORDER, "wrong_order", "the shipment, request or link named belongs to another order") \
	X(RETURN_EXCEEDS_SHIPPED, "return_exceeds_shipped", "more units returned than the shipment shipped of the line, less earlier returns") \
	X(SHIPPING_ALREADY_REFUNDED, "shipping_already_refunded", "the order's shipping was refunded before") \
	X(REFUND_EXCEEDS_CAPTURED, "refund_exceeds_captured", "the refunds would exceed what was captured") \
	X(CURRENCY_MISMATCH, "currency_mismatch", "the event's currency is not the order's") \
	X(REQUEST_MISMATCH, "request_mismatch", "the event's type or amount differs from the request it answers") \
	X(REQUEST_ANSWERED, "request_answered", "the request was answered before") \
	X(REQUEST_ID_TAKEN, "request_id_taken", "the release request an input would make (REL-<event_id>, REL-<order_number>) has the name of one that exists") \
	X(INVALID_TOKEN, "invalid_token", "a payment link token that was not signed by this spool, or was altered") \
	X(UNKNOWN_TEMPLATE, "unknown_template", "the template named cannot be found or read") \
	X(ORDER_NOT_ARCHIVABLE, "order_not_archivable", "an archive of an order that is not completed or cancelled, waits for the PSP's answer to a request, or has an open payment link") \
	X(ORDER_ON_HOLD, "order_on_hold", "a capture action for an order on hold") \
	X(NOTHING_TO_CAPTURE, "nothing_to_capture", "a capture action for an order (or shipment) with no capture that was not sent to the PSP or that failed") \
	/* deferral: the input waits for what it refers to */                         \
	X(ORDER_UNKNOWN, "order_unknown", "the order is not known yet: the input waits for it (deferred)") \
	X(SHIPMENT_UNKNOWN, "shipment_unknown", "the shipment is not known yet: the input waits for it (deferred)") \
	X(REQUEST_UNKNOWN, "request_unknown", "the request or payment link is not known yet: the input waits for it (deferred)") \
	X(CAPTURE_PENDING, "capture_pending", "a refund needs a capture that the PSP has not answered yet: the input waits for it (deferred)") \
	X(PAYMENT_DUE, "payment_due", "a shipment for an order awaiting payment: the input waits until the order's payment link is paid (deferred)") \
	X(DEFERRAL_EXPIRED, "deferral_expired", "the input waited longer than defer_expiry for what it refers to, or than the payment link it waited for was open")

enum err_code {
#define X(sym, str, doc) ERR_##sym,
	ERROR_CODES(X)
#undef X
	ERR__COUNT
};

/* Returns the stable string of a code ("invalid_money"). */
const char *err_code_name(enum err_code code);
/* Returns the one-line meaning of a code. */
const char *err_code_doc(enum err_code code);

/* One error found in an input. */
struct error_item {
	long line;        /* 1-based line in the file, 0 when none applies */
	const char *field;    /* the field at fault, or NULL */
	enum err_code code;
	const char *message;  /* a sentence a person can act on */
};

/*
 * A list of errors that keeps at most max items and counts the rest, so a
 * file full of errors costs bounded memory.  The caller owns it; the kept
 * items' strings are in its arena.
 */
struct errlist {
	struct error_item *items;
	size_t n;
	size_t cap;
	size_t max;
	size_t more;      /* errors found beyond max */
	struct arena arena;
};

void errlist_init(struct errlist *l, size_t max);
void errlist_add(struct errlist *l, long line, const char *field, enum err_code code,
    const char *fmt, ...) PRINTF_LIKE(5, 6);
/* Adds src's errors to dst, in order, as errlist_add() would have: those
 * src kept, then the count of those it did not. */
void errlist_append(struct errlist *dst, const struct errlist *src);
/* Every error found, kept or not. */
size_t errlist_total(const struct errlist *l);
/* True when an error was kept for this line and field (field may be NULL). */
bool errlist_has(const struct errlist *l, long line, const char *field);
/* Orders the kept errors by line, then by the order they were found. */
void errlist_sort(struct errlist *l);
void errlist_clear(struct errlist *l);
void errlist_free(struct errlist *l);

#endif
