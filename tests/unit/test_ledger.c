/* SPDX-License-Identifier: ISC */
/* Unit tests of pipeline/ledger: schema migration on open, inputs and their
 * errors, savepoints, the journal (append-only whatever the pipeline does to
 * the ledger), the outbox; and that doc/errors.md documents every error
 * code. */
#include "config.h"

#include <sys/stat.h>

#include <libxml/parser.h>
#include <sqlite3.h>

#include "base/conf.h"
#include "base/token.h"
#include "pipeline/ledger/ledger.h"
#include "pipeline/process.h"
#include "pipeline/scheduler.h"
#include "pipeline/spool.h"
#include "stages/document.h"
#include "stages/parse.h"
#include "stages/stages.h"
#include "stages/template.h"
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
input(const char *work, const char *sha, enum input_status status)
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
	struct input_row a = input("w1", "aaa", INPUT_ACCEPTED), b = input("w2", "bbb", INPUT_REJECTED);
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
	ck_assert_str_eq(input_status_name(got.status), "rejected");
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
	struct input_row a = input("w1", "aaa", INPUT_ACCEPTED), b = input("w2", "bbb", INPUT_ACCEPTED);
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

START_TEST(journal_events_read_back)
{
	char *dir;
	struct ledger *l = open_temp(&dir);
	struct input_row a = input("w1", "aaa", INPUT_ACCEPTED);
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

/*
 * The journal's rows as stored, read through a SQLite connection of the
 * test's own: ledger.h has (rightly) no way to read raw rows, nor to try to
 * change them.  Each row is every column of it, its type and its bytes.
 */
struct journal_rows {
	struct buf *row;
	int64_t *seq;
	size_t n;
};

static void
journal_rows_read(const char *path, struct journal_rows *r)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	memset(r, 0, sizeof *r);
	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_prepare_v2(db, "SELECT * FROM journal ORDER BY seq", -1, &st,
	    NULL), SQLITE_OK);
	ck_assert_str_eq(sqlite3_column_name(st, 0), "seq");
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct buf *b;

		r->row = xreallocarray(r->row, r->n + 1, sizeof *r->row);
		r->seq = xreallocarray(r->seq, r->n + 1, sizeof *r->seq);
		b = &r->row[r->n];
		memset(b, 0, sizeof *b);
		r->seq[r->n++] = sqlite3_column_int64(st, 0);
		for (int i = 0; i < sqlite3_column_count(st); i++) {
			const void *v = sqlite3_column_blob(st, i);

			buf_printf(b, "%s=%d:%d:", sqlite3_column_name(st, i),
			    sqlite3_column_type(st, i), sqlite3_column_bytes(st, i));
			buf_append(b, v != NULL ? v : "", (size_t)sqlite3_column_bytes(st, i));
			buf_puts(b, " ");
		}
	}
	ck_assert_int_eq(sqlite3_finalize(st), SQLITE_OK);
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

static void
journal_rows_free(struct journal_rows *r)
{
	for (size_t i = 0; i < r->n; i++)
		buf_free(&r->row[i]);
	free(r->row);
	free(r->seq);
	memset(r, 0, sizeof *r);
}

/* Checks that the journal at path still holds every row of before, byte for
 * byte, in the same place and under the same seq, and after them only new
 * rows, at least min_new of them (rows are read in the order of seq: a new
 * row under a seq below an old one would move that one out of its place).
 * before becomes the journal now. */
static void
journal_appended(const char *path, struct journal_rows *before, size_t min_new, const char *step)
{
	struct journal_rows now;

	journal_rows_read(path, &now);
	ck_assert_msg(now.n >= before->n + min_new, "%s: the journal went from %zu rows to %zu",
	    step, before->n, now.n);
	for (size_t i = 0; i < before->n; i++)
		ck_assert_msg(now.seq[i] == before->seq[i] && now.row[i].len == before->row[i].len &&
		    memcmp(now.row[i].data, before->row[i].data, now.row[i].len) == 0,
		    "%s: the journal's row %zu was\n  %s\nand is now\n  %s", step, i,
		    buf_str(&before->row[i]), buf_str(&now.row[i]));
	journal_rows_free(before);
	*before = now;
}

/* A spool with its ledger, link secret and default template, as sluice
 * init makes it, and the scheduler that sluice run uses on it. */
struct pipe {
	char *dir;
	char db[4096];
	struct conf conf;
	struct spool *sp;
	struct ledger *l;
	struct sched s;
};

static void
write_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
}

static void
pipe_open(struct pipe *p)
{
	struct spool_modes modes;
	char *secret, *templates, path[4096];
	size_t logo;
	const unsigned char *png = template_default_logo(&logo);

	p->dir = temp_dir();
	conf_defaults(&p->conf);
	p->conf.quiet_period_ms = 0;
	modes = (struct spool_modes){ (unsigned)p->conf.in_mode, (unsigned)p->conf.out_mode };
	ck_assert_int_eq(spool_open(p->dir, true, &modes, &p->sp), 0);
	snprintf(p->db, sizeof p->db, "%s/ledger.db", p->dir);
	ck_assert_int_eq(ledger_open(p->db, true, true, &p->l), 0);
	secret = processor_secret_path(&p->conf, p->dir);
	ck_assert_int_ge(token_secret_create(secret), 0);
	templates = processor_templates_dir(&p->conf, p->dir);
	ck_assert_int_eq(mkdir(templates, 0755), 0);
	snprintf(path, sizeof path, "%s/default.conf", templates);
	write_file(path, template_default_text(), strlen(template_default_text()));
	snprintf(path, sizeof path, "%s/logo.png", templates);
	write_file(path, png, logo);
	ck_assert_int_eq(sched_init(&p->s, p->sp, p->l, &p->conf), 0);
	free(secret);
	free(templates);
}

static void
pipe_close(struct pipe *p)
{
	sched_free(&p->s);
	ledger_close(p->l);
	spool_close(p->sp);
	conf_free(&p->conf);
	rm_rf(p->dir);
	free(p->dir);
}

/* Puts text into in/<kind>/name. */
static void
pipe_drop(struct pipe *p, const char *kind, const char *name, const char *text)
{
	char path[4096];

	snprintf(path, sizeof path, "%s/in/%s/%s", p->dir, kind, name);
	write_file(path, text, strlen(text));
}

/* Puts the example file spool/examples/name into in/<kind>/. */
static void
pipe_drop_example(struct pipe *p, const char *kind, const char *name)
{
	char rel[256], *text;

	snprintf(rel, sizeof rel, "spool/examples/%s", name);
	text = source_file(rel);
	pipe_drop(p, kind, name, text);
	free(text);
}

/* What sluice run --once does: claims and processes everything in in/. */
static void
pipe_pass(struct pipe *p)
{
	size_t waiting;
	int64_t wait_ns;
	int claimed;

	do {
		claimed = sched_claim(&p->s, &waiting, &wait_ns);
		ck_assert_int_ge(claimed, 0);
		ck_assert_int_eq(waiting, 0);
		ck_assert_int_eq(sched_drain(&p->s), 0);
	} while (claimed > 0);
}

/* The outcome of the latest input named name. */
static void
assert_input_status(struct ledger *l, const char *name, const char *status)
{
	struct input_list inputs;

	ck_assert_int_eq(ledger_inputs_named(l, name, &inputs), 0);
	ck_assert_int_ge(inputs.n, 1);
	ck_assert_msg(strcmp(input_status_name(inputs.rows[0].status), status) == 0, "%s is %s, not %s", name,
	    input_status_name(inputs.rows[0].status), status);
	ledger_inputs_free(&inputs);
}

/* Checks the status of order number, which must exist. */
static void
assert_order_status(struct ledger *l, const char *number, const char *status)
{
	struct order *o;

	ck_assert_int_eq(ledger_order_load(l, number, &o), 1);
	ck_assert_str_eq(order_status_name(o->status), status);
	order_free(o);
}

/* Drops orders.csv as SL-5001 and SL-5002, the latter with a bad email:
 * SL-5001 is applied, then SL-5002's error rolls the whole file back. */
static void
pipe_drop_rolled_back(struct pipe *p, const char *name)
{
	char *text = source_file("spool/examples/orders.csv"), *at;

	for (char *s = text; (s = strstr(s, "SL-100")) != NULL; s += 6)
		s[3] = '5';
	at = strstr(text, "jonas.keller@example.de");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "jonas.keller-example.de", 23);
	pipe_drop(p, "orders", name, text);
	free(text);
}

/* Checks that the schema refuses to change or remove a journal event. */
static void
journal_refuses_changes(const char *path)
{
	sqlite3 *db;

	ck_assert_int_eq(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db, "UPDATE journal SET detail = '{}' WHERE seq = 1", NULL,
	    NULL, NULL), SQLITE_CONSTRAINT);
	ck_assert_str_eq(sqlite3_errmsg(db), "the journal is append-only");
	ck_assert_int_eq(sqlite3_exec(db, "DELETE FROM journal WHERE seq = (SELECT max(seq) FROM "
	    "journal)", NULL, NULL, NULL), SQLITE_CONSTRAINT);
	ck_assert_str_eq(sqlite3_errmsg(db), "the journal is append-only");
	ck_assert_int_eq(sqlite3_close(db), SQLITE_OK);
}

/* sluice order archive, as that command writes it. */
static void
archive_order(struct ledger *l, const char *number)
{
	ck_assert_int_eq(ledger_begin(l), 0);
	ck_assert_int_eq(ledger_order_set_status(l, number, ORDER_ARCHIVED), 0);
	ck_assert_int_eq(ledger_journal_add(l, number, "status_changed", 0, "sluice order archive",
	    "2026-11-30T00:00:00.000Z", "{\"from\":\"cancelled\",\"to\":\"archived\"}"), 0);
	ck_assert_int_eq(ledger_commit(l), 0);
}

/*
 * Whatever sluice does, the journal's events stay as they were written:
 * the example files' whole lifecycle goes through the pipeline (orders, a
 * rejected file whose first record was applied and rolled back, a deferred
 * return, amendments, shipments, a cancellation, a capture, a duplicate),
 * then an order is archived; after each step every earlier row is still
 * there byte for byte and only new rows follow.  And the schema refuses
 * an UPDATE or a DELETE of journal rows (its triggers).
 */
START_TEST(journal_is_append_only)
{
	struct pipe p;
	struct journal_rows rows;
	char sha[SHA256_HEX];
	int64_t input_id;

	pipe_open(&p);
	journal_rows_read(p.db, &rows);
	ck_assert_int_eq(rows.n, 0);
	pipe_drop_example(&p, "orders", "orders.csv");
	pipe_drop_example(&p, "orders", "orders.xml");
	pipe_drop_example(&p, "orders", "orders-broken.csv");
	pipe_pass(&p);
	journal_appended(p.db, &rows, 4, "orders");
	assert_input_status(p.l, "orders-broken.csv", "rejected");
	pipe_drop_example(&p, "returns", "returns.csv");
	pipe_pass(&p);
	journal_appended(p.db, &rows, 0, "a return before its shipment");
	assert_input_status(p.l, "returns.csv", "deferred");
	pipe_drop_example(&p, "amendments", "amendments.csv");
	pipe_drop_example(&p, "shipments", "shipments.csv");
	pipe_drop_example(&p, "cancellations", "cancellations.xml");
	pipe_pass(&p);
	journal_appended(p.db, &rows, 3, "amendment, shipment, cancellation");
	pipe_drop_example(&p, "shipments", "shipments-shipped.xml");
	pipe_drop_example(&p, "payments", "payments.xml");
	pipe_pass(&p);
	journal_appended(p.db, &rows, 3, "shipped, captured, returned");
	assert_input_status(p.l, "payments.xml", "accepted");
	assert_input_status(p.l, "returns.csv", "accepted");
	pipe_drop_rolled_back(&p, "rolled-back.csv");
	pipe_drop_example(&p, "orders", "orders.csv");
	pipe_pass(&p);
	journal_appended(p.db, &rows, 0, "a rejected file and a duplicate");
	assert_input_status(p.l, "rolled-back.csv", "rejected");
	assert_input_status(p.l, "orders.csv", "duplicate");
	ck_assert_int_eq(ledger_order_identity(p.l, "SL-5001", &input_id, sha), 0);
	assert_order_status(p.l, "SL-1003", "cancelled");
	archive_order(p.l, "SL-1003");
	journal_appended(p.db, &rows, 1, "archive");

	journal_refuses_changes(p.db);
	journal_appended(p.db, &rows, 0, "UPDATE and DELETE");
	journal_rows_free(&rows);
	pipe_close(&p);
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
		.prices_include_vat = true, .status = ORDER_CONFIRMED, .email = "a@b",
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
	struct input_row in = input("w1", "", INPUT_REJECTED);
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

CHECK_MAIN("ledger", "ledger", xml_in_init, migrates_once, inputs_seen_and_errors,
    savepoint_undoes_one_input, journal_events_read_back, journal_is_append_only,
    outbox_pending_until_marked, order_round_trip, receipt_of_any_bytes_is_well_formed,
    error_codes_documented)
