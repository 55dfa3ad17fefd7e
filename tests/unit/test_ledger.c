/* Unit tests of pipeline/ledger: schema migration on open, inputs and their
 * errors, savepoints, the append-only journal, the outbox; and that
 * doc/errors.md documents every error code. */
#include "config.h"

#include <libxml/parser.h>

#include "pipeline/ledger/ledger.h"
#include "stages/document.h"
#include "stages/stages.h"
#include "testlib.h"

static struct ledger *
open_temp(char **dir)
{
	char path[4096];
	struct ledger *l;

	*dir = temp_dir();
	snprintf(path, sizeof path, "%s/ledger.db", *dir);
	ck_assert_int_eq(ledger_open(path, true, true, &l), 0);
	return l;
}

static struct input_row
input(const char *work, const char *sha, const char *status)
{
	return (struct input_row){ .work_name = work, .name = "f.csv", .kind = "orders",
		.sha256 = sha, .size = 10, .received_ns = 1, .status = status,
		.records = 2, .processed_at = "2026-11-26T00:00:00.000Z", .filed_as = "" };
}

START_TEST(migrates_once)
{
	char *dir, path[4096];
	struct ledger *l = open_temp(&dir);

	ck_assert_int_eq(ledger_schema_version(l), ledger_schema_latest());
	ck_assert_int_ge(ledger_schema_latest(), 1);
	ledger_close(l);
	/* opening again migrates nothing and keeps the data */
	snprintf(path, sizeof path, "%s/ledger.db", dir);
	ck_assert_int_eq(ledger_open(path, false, true, &l), 0);
	ck_assert_int_eq(ledger_schema_version(l), ledger_schema_latest());
	ledger_close(l);
	/* a missing ledger is not created without asking */
	snprintf(path, sizeof path, "%s/other.db", dir);
	ck_assert_int_eq(ledger_open(path, false, true, &l), -1);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(inputs_seen_and_errors)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct input_row a = input("w1", "aaa", "accepted"), b = input("w2", "bbb", "rejected");
	struct input_row got = { 0 };
	struct error_item e = { 3, "email", ERR_INVALID_EMAIL, "bad email" };
	int64_t records = 0;

	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_input_insert(l, &a), 0);
	ck_assert_int_eq(ledger_input_insert(l, &b), 0);
	ck_assert_int_eq(ledger_input_error_add(l, b.id, 0, &e), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
	ck_assert_int_eq(ledger_input_seen(l, "aaa", &records), 1);
	ck_assert_int_eq(records, 2);
	/* a rejected input's content is not "seen": it may come again */
	ck_assert_int_eq(ledger_input_seen(l, "bbb", &records), 0);
	ck_assert_int_eq(ledger_input_by_work_name(l, "w2", &got), 1);
	ck_assert_str_eq(got.status, "rejected");
	ck_assert_int_eq(got.id, b.id);
	ledger_input_clear(&got);
	ck_assert_int_eq(ledger_input_by_work_name(l, "w3", &got), 0);
	/* the same work name cannot be recorded twice */
	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_input_insert(l, &a), -1);
	ck_assert_int_eq(ledger_rollback(l), 0);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(savepoint_undoes_one_input)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct input_row a = input("w1", "aaa", "accepted"), b = input("w2", "bbb", "accepted");
	struct input_counts c;

	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_savepoint(l), 0);
	ck_assert_int_eq(ledger_input_insert(l, &a), 0);
	ck_assert_int_eq(ledger_release(l), 0);
	ck_assert_int_eq(ledger_savepoint(l), 0);
	ck_assert_int_eq(ledger_input_insert(l, &b), 0);
	ck_assert_int_eq(ledger_rollback_savepoint(l), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
	ck_assert_int_eq(ledger_input_counts(l, &c), 0);
	ck_assert_int_eq(c.accepted, 1);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

static int
count_event(void *ctx, const struct journal_event *e)
{
	(*(int *)ctx)++;
	ck_assert_str_eq(e->type, "order_received");
	return 0;
}

START_TEST(journal_is_append_only)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct input_row a = input("w1", "aaa", "accepted");
	int n = 0;

	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_input_insert(l, &a), 0);
	ck_assert_int_eq(ledger_journal_add(l, "O-1", "order_received", a.id, NULL,
	    "2026-11-26T00:00:00.000Z", "{}"), 0);
	ck_assert_int_eq(ledger_journal_add(l, "O-1", "order_received", 0, "operator",
	    "2026-11-26T00:00:01.000Z", "{}"), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
	ck_assert_int_eq(ledger_journal_for_order(l, "O-1", count_event, &n), 0);
	ck_assert_int_eq(n, 2);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(outbox_pending_until_marked)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct outbox_list rows;

	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_outbox_add(l, "out/receipts/a.receipt.xml", "receipt", 1), 0);
	ck_assert_int_eq(ledger_outbox_add(l, "out/receipts/b.receipt.xml", "receipt", 2), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
	ck_assert_int_eq(ledger_outbox_pending(l, &rows), 0);
	ck_assert_int_eq(rows.n, 2);
	ck_assert_str_eq(rows.rows[0].path, "out/receipts/a.receipt.xml");
	ck_assert_int_eq(ledger_outbox_mark(l, rows.rows[0].id), 0);
	ledger_outbox_free(&rows);
	ck_assert_int_eq(ledger_outbox_pending(l, &rows), 0);
	ck_assert_int_eq(rows.n, 1);
	ck_assert_int_eq(rows.rows[0].ref, 2);
	ledger_outbox_free(&rows);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(order_round_trip)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct order_line lines[1] = { { .line_id = 7, .sku = "S", .name = "Thing", .quantity = 2,
		.unit_price = 1000, .vat_rate = 2500, .weight_grams = -1 } };
	struct order o = { .order_number = "O-9", .input_id = 1, .content_sha256 = "abc",
		.order_date = "2026-11-26T00:00:00Z", .market = "SE", .currency = "SEK",
		.prices_include_vat = true, .status = "confirmed", .email = "a@b",
		.billing = { "A 1", NULL, "111", "C", "SE" }, .delivery = { "B 2", NULL, "222", "D", "NO" },
		.payment_method = "card", .payment_reference = "P", .authorized = 2000 };
	struct order *got;
	char sha[SHA256_HEX];
	int64_t input_id;

	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_order_insert(l, &o), 0);
	ck_assert_int_eq(ledger_order_line_insert(l, "O-9", 1, &lines[0]), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
	ck_assert_int_eq(ledger_order_identity(l, "O-9", &input_id, sha), 1);
	ck_assert_str_eq(sha, "abc");
	ck_assert_int_eq(ledger_order_identity(l, "O-8", &input_id, sha), 0);
	ck_assert_int_eq(ledger_order_load(l, "O-9", &got), 1);
	ck_assert_str_eq(got->delivery.country, "NO");
	ck_assert_ptr_null(got->billing.address2);
	ck_assert_int_eq(got->nlines, 1);
	ck_assert_int_eq(got->lines[0].line_id, 7);
	ck_assert_int_eq(got->lines[0].weight_grams, -1);
	order_free(got);
	/* an order number exists once */
	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_order_insert(l, &o), -1);
	ck_assert_int_eq(ledger_rollback(l), 0);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

/* A receipt is well-formed XML whatever bytes its row holds: the name is
 * echoed as \xHH where it is not printable text (and its backslash), a
 * message is written as it is but for what XML cannot carry.  Errors are
 * stored sorted, with one saying how many more there were. */
START_TEST(receipt_of_any_bytes_is_well_formed)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct input_row in = input("w1", "", "rejected");
	struct render_ctx r = { .ledger = l };
	struct errlist errs;
	struct buf out = { 0 };
	xmlDocPtr doc;

	in.name = "a\x01\xef\xbf\xbe\xe2\x80\xae\\.csv";
	errlist_init(&errs, 2);
	errlist_add(&errs, 7, "f", ERR_INVALID_TEXT, "late");
	errlist_add(&errs, 2, NULL, ERR_XML_MALFORMED, "raw \x01 \xef\xbf\xbf \xff C:\\t & <x>\n");
	errlist_add(&errs, 9, NULL, ERR_XML_MALFORMED, "beyond the list");
	ck_assert_int_eq(ledger_input_insert(l, &in), 0);
	ck_assert_int_eq(ledger_input_set_errors(l, in.id, &errs), 0);
	ck_assert_int_eq(render_receipt(&r, in.id, &out), 0);
	doc = xmlReadMemory(out.data, (int)out.len, "receipt.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "%s", buf_str(&out));
	xmlFreeDoc(doc);
	ck_assert_ptr_nonnull(strstr(buf_str(&out),
	    "<file>a\\x01\\xef\\xbf\\xbe\\xe2\\x80\\xae\\x5c.csv</file>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "<line>2</line>\n    <code>xml_malformed</code>\n"
	    "    <message>raw \\x01 \\xef\\xbf\\xbf \\xff C:\\t &amp; &lt;x&gt;\n</message>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "<line>7</line>"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out),
	    "<code>too_many_errors</code>\n    <message>1 more errors were found"));
	ck_assert(strstr(buf_str(&out), "<line>2</line>") < strstr(buf_str(&out), "<line>7</line>"));
	buf_free(&out);
	errlist_free(&errs);
	ledger_close(l);
	rm_rf(dir);
	free(dir);
}
END_TEST

START_TEST(error_codes_documented)
{
	char *doc = source_file("doc/errors.md");
	char row[256];

	for (int c = 0; c < ERR__COUNT; c++) {
		snprintf(row, sizeof row, "| `%s` | %s |", err_code_name((enum err_code)c),
		    err_code_doc((enum err_code)c));
		ck_assert_msg(strstr(doc, row) != NULL, "doc/errors.md lacks the row %s", row);
	}
	free(doc);
}
END_TEST

static Suite *
ledger_suite(void)
{
	Suite *s = suite_create("ledger");
	TCase *tc = tcase_create("ledger");

	tcase_add_test(tc, migrates_once);
	tcase_add_test(tc, inputs_seen_and_errors);
	tcase_add_test(tc, savepoint_undoes_one_input);
	tcase_add_test(tc, journal_is_append_only);
	tcase_add_test(tc, outbox_pending_until_marked);
	tcase_add_test(tc, order_round_trip);
	tcase_add_test(tc, receipt_of_any_bytes_is_well_formed);
	tcase_add_test(tc, error_codes_documented);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ledger_suite)
