/* SPDX-License-Identifier: ISC */
/* Unit tests of stages/csv_in: records from rows, line numbers of fields,
 * quoting, BOM, and every structural error. */
#include "config.h"

#include "parse_util.h"

#define PARSE(text, c, e) parse_text(csv_in_parse, KIND_SHIPMENTS, text, strlen(text), c, e)
#define RECORDS(text, n, summary) \
	parse_records(csv_in_parse, KIND_SHIPMENTS, text, strlen(text), n, summary)
#define ERROR_AT(text, line, field) \
	parse_error_at(csv_in_parse, KIND_SHIPMENTS, text, strlen(text), line, field)

/* A new string of len bytes, head and then c up to len; free it. */
static char *
text_filled(const char *head, char c, size_t len)
{
	char *text = malloc(len + 1);
	size_t n = strlen(head);

	memcpy(text, head, n);
	memset(text + n, c, len - n);
	text[len] = '\0';
	return text;
}

START_TEST(rows_group_into_records)
{
	RECORDS("shipment_id,order_number,line_id,quantity\n"
	    "S1,O1,1,2\nS1,O1,2,1\nS2,O1,3,5\n", 2,
	    "L2 shipment_id=S1@2 order_number=O1@2 | L2 line_id=1@2 quantity=2@2"
	    " | L3 line_id=2@3 quantity=1@3\n"
	    "L4 shipment_id=S2@4 order_number=O1@4 | L4 line_id=3@4 quantity=5@4\n");
}
END_TEST

START_TEST(columns_in_any_order_crlf_bom)
{
	RECORDS("\xef\xbb\xbfquantity,line_id,order_number,shipment_id\r\n"
	    "2,1,O1,S1\r\n", 1,
	    "L2 shipment_id=S1@2 order_number=O1@2 | L2 line_id=1@2 quantity=2@2\n");
}
END_TEST

START_TEST(quoted_newlines_keep_line_numbers)
{
	RECORDS("shipment_id,order_number,carrier,line_id,quantity\n"
	    "S1,O1,\"Post\nNord\",1,2\n"
	    "S2,O1,\"A \"\"quoted\"\" name\",1,2\n"
	    "\n"
	    "S3,O1,,1,\"3\"\n", 3,
	    "L2 shipment_id=S1@2 order_number=O1@2 carrier=Post\nNord@2 | L2 line_id=1@3 quantity=2@3\n"
	    "L4 shipment_id=S2@4 order_number=O1@4 carrier=A \"quoted\" name@4 | L4 line_id=1@4 quantity=2@4\n"
	    "L6 shipment_id=S3@6 order_number=O1@6 | L6 line_id=1@6 quantity=3@6\n");
}
END_TEST

START_TEST(last_row_without_newline)
{
	RECORDS("shipment_id,order_number,line_id,quantity\nS1,O1,1,2", 1, NULL);
}
END_TEST

START_TEST(unknown_and_duplicate_columns)
{
	struct collected c;
	struct errlist e;

	PARSE("shipment_id,order_number,colour,line_id,quantity,line_id\nS1,O1,red,1,2,1\n", &c, &e);
	ck_assert_int_eq(error_code_at(&e, 1, "colour"), ERR_CSV_UNKNOWN_COLUMN);
	ck_assert_int_eq(error_code_at(&e, 1, "line_id"), ERR_CSV_DUPLICATE_COLUMN);
	collected_free(&c, &e);
}
END_TEST

START_TEST(missing_required_column_abandons)
{
	struct collected c;
	struct errlist e;

	ck_assert_int_eq(PARSE("shipment_id,line_id,quantity\nS1,1,2\n", &c, &e), 0);
	ck_assert_int_eq(error_code_at(&e, 1, "order_number"), ERR_MISSING_FIELD);
	collected_free(&c, &e);
}
END_TEST

START_TEST(column_count_and_header_mismatch)
{
	struct collected c;
	struct errlist e;

	PARSE("shipment_id,order_number,carrier,line_id,quantity\n"
	    "S1,O1,DHL,1,2\n"
	    "S1,O1,UPS,2,2\n"
	    "S1,O1,DHL,3\n", &c, &e);
	ck_assert_int_eq(error_code_at(&e, 3, "carrier"), ERR_CSV_HEADER_MISMATCH);
	ck_assert_int_eq(error_code_at(&e, 4, NULL), ERR_CSV_COLUMN_COUNT);
	ck_assert_int_eq(e.n, 2);
	collected_free(&c, &e);
}
END_TEST

START_TEST(row_without_line_in_multi_row_record)
{
	ck_assert_int_eq(ERROR_AT("shipment_id,order_number,line_id,quantity\n"
	    "S1,O1,1,2\nS1,O1,,\n", 3, NULL), ERR_CSV_ROW_WITHOUT_LINE);
}
END_TEST

START_TEST(payment_repeated_row)
{
	static const char text[] = "event_id,order_number,type,status,amount,currency\n"
	    "E1,O1,capture,success,1.00,SEK\nE1,O1,capture,success,1.00,SEK\n";

	ck_assert_int_eq(parse_error_at(csv_in_parse, KIND_PAYMENTS, text, strlen(text), 3,
	    "event_id"), ERR_CSV_SPLIT_RECORD);
}
END_TEST

START_TEST(stray_quote_is_syntax_error)
{
	ck_assert_int_eq(ERROR_AT("shipment_id,order_number,line_id,quantity\n"
	    "S1,O1,1,2\nS2,O\"1,1,2\n", 3, NULL), ERR_CSV_SYNTAX);
}
END_TEST

START_TEST(unclosed_quote_names_its_line)
{
	ck_assert_int_eq(ERROR_AT("shipment_id,order_number,carrier,line_id,quantity\n"
	    "S1,O1,\"open\n\n\n", 2, NULL), ERR_CSV_SYNTAX);
}
END_TEST

START_TEST(huge_field_is_bounded)
{
	char *text = text_filled("shipment_id,order_number,line_id,quantity\nS1,", 'x',
	    4 * 1024 * 1024 + 40);

	ck_assert_int_eq(ERROR_AT(text, 2, NULL), ERR_FIELD_TOO_LONG);
	free(text);
}
END_TEST

START_TEST(header_longer_than_a_field)
{
	/* a header cell beyond max_field_bytes (found by fuzzing) */
	size_t len = 70000;
	char *text = malloc(len + 2);
	struct collected c;
	struct errlist e;

	memset(text, 'A', len);
	text[len] = '\n';
	text[len + 1] = '\0';
	parse_text(csv_in_parse, KIND_ORDERS, text, strlen(text), &c, &e);
	ck_assert_int_eq(error_code_at(&e, 1, NULL), ERR_FIELD_TOO_LONG);
	ck_assert_int_eq(c.n, 0);
	free(text);
	collected_free(&c, &e);
}
END_TEST

START_TEST(huge_row_of_empty_cells_is_bounded)
{
	char *text = text_filled("shipment_id,order_number,line_id,quantity\n", ',',
	    2 * 1024 * 1024 + 40);

	ck_assert_int_eq(ERROR_AT(text, 2, NULL), ERR_CSV_COLUMN_COUNT);
	free(text);
}
END_TEST

START_TEST(too_many_lines)
{
	struct buf text = { 0 };
	struct collected c;
	struct errlist e;

	buf_puts(&text, "shipment_id,order_number,line_id,quantity\n");
	for (int i = 1; i <= 1002; i++)
		buf_printf(&text, "S1,O1,%d,1\n", i);
	parse_text(csv_in_parse, KIND_SHIPMENTS, text.data, text.len, &c, &e);
	ck_assert_int_eq(error_code_at(&e, 1002, NULL), ERR_RECORD_TOO_LARGE);
	ck_assert_int_eq(e.n, 1);
	buf_free(&text);
	collected_free(&c, &e);
}
END_TEST

START_TEST(header_only_and_empty_lines)
{
	struct collected c;
	struct errlist e;

	ck_assert_int_eq(PARSE("shipment_id,order_number,line_id,quantity\n", &c, &e), 0);
	ck_assert_int_eq(e.n, 0);
	collected_free(&c, &e);
	ck_assert_int_eq(PARSE("\n\n", &c, &e), 0);
	ck_assert_int_eq(error_code_at(&e, 1, NULL), ERR_NO_RECORDS);
	collected_free(&c, &e);
}
END_TEST

START_TEST(binary_garbage)
{
	char junk[4096];
	struct collected c;
	struct errlist e;

	for (size_t i = 0; i < sizeof junk; i++)
		junk[i] = (char)((i * 7919 + 13) % 256);
	parse_text(csv_in_parse, KIND_ORDERS, junk, sizeof junk, &c, &e);
	ck_assert_int_gt(errlist_total(&e), 0);
	collected_free(&c, &e);
}
END_TEST

CHECK_MAIN("csv_in", "csv_in", NULL, rows_group_into_records, columns_in_any_order_crlf_bom,
    quoted_newlines_keep_line_numbers, last_row_without_newline,
    unknown_and_duplicate_columns, missing_required_column_abandons,
    column_count_and_header_mismatch, row_without_line_in_multi_row_record,
    payment_repeated_row, stray_quote_is_syntax_error, unclosed_quote_names_its_line,
    huge_field_is_bounded, header_longer_than_a_field, huge_row_of_empty_cells_is_bounded,
    too_many_lines, header_only_and_empty_lines, binary_garbage)
