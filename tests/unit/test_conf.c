/* SPDX-License-Identifier: ISC */
/* Unit tests of pipeline/conf: defaults, units, limits, errors with their
 * lines; and that doc/configuration.md documents every key. */
#include "config.h"

#include "base/conf.h"
#include "testlib.h"

static char *
conf_file(const char *text)
{
	char *dir = temp_dir(), *path = malloc(strlen(dir) + 16);
	FILE *f;

	sprintf(path, "%s/test.conf", dir);
	free(dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
	return path;
}

START_TEST(defaults)
{
	struct conf c;

	conf_defaults(&c);
	ck_assert_str_eq(c.spool, "./spool");
	ck_assert_str_eq(c.ledger, "");
	ck_assert_int_eq(c.quiet_period_ms, 2000);
	ck_assert_int_eq(c.scan_interval_ms, 60000);
	ck_assert_int_eq(c.max_file_size, 1073741824);
	ck_assert_int_eq(c.max_field_bytes, 65536);
	ck_assert_int_eq(c.max_record_lines, 10000);
	ck_assert_int_eq(c.max_errors, 100);
	ck_assert_str_eq(order_status_name(c.default_order_status), "confirmed");
	ck_assert_int_eq(c.synchronous, SYNC_FULL);
	conf_free(&c);
}
END_TEST

START_TEST(units_and_limits)
{
	struct conf c;
	struct buf e = { 0 };

	conf_defaults(&c);
	ck_assert_int_eq(conf_set(&c, "quiet_period", "1500ms", &e), 0);
	ck_assert_int_eq(c.quiet_period_ms, 1500);
	ck_assert_int_eq(conf_set(&c, "quiet_period", "3", &e), 0);
	ck_assert_int_eq(c.quiet_period_ms, 3000);
	ck_assert_int_eq(conf_set(&c, "quiet_period", "1m", &e), 0);
	ck_assert_int_eq(c.quiet_period_ms, 60000);
	ck_assert_int_eq(conf_set(&c, "quiet_period", "2h", &e), -1);   /* above 1 h */
	ck_assert_int_eq(conf_set(&c, "max_file_size", "5MiB", &e), 0);
	ck_assert_int_eq(c.max_file_size, 5 * 1048576);
	ck_assert_int_eq(conf_set(&c, "max_file_size", "512", &e), -1);  /* below 1 KiB */
	ck_assert_int_eq(conf_set(&c, "max_errors", "-1", &e), -1);
	ck_assert_int_eq(conf_set(&c, "max_errors", "10KiB", &e), -1);   /* a count, not a size */
	ck_assert_int_eq(conf_set(&c, "max_errors", "7", &e), 0);
	ck_assert_int_eq(c.max_errors, 7);
	/* bounded so that a sum over one record's lines (a pro-forma's weight:
	 * lines x 100000 units x 10^9 g) fits in 64 bits */
	ck_assert_int_eq(conf_set(&c, "max_record_lines", "50000", &e), 0);
	ck_assert_int_eq(conf_set(&c, "max_record_lines", "50001", &e), -1);
	ck_assert_int_eq(conf_set(&c, "synchronous", "off", &e), -1);
	ck_assert_int_eq(conf_set(&c, "nope", "1", &e), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&e), "unknown key 'nope'"));
	buf_free(&e);
	conf_free(&c);
}
END_TEST

START_TEST(file_errors_name_lines)
{
	char *path = conf_file("# a comment\n\nspool = /srv/x\n  quiet_period=5s  \n"
	    "max_errors = many\njunk line\n");
	struct conf c;
	struct buf e = { 0 };

	conf_defaults(&c);
	ck_assert_int_eq(conf_load(&c, path, &e), -1);
	ck_assert_str_eq(c.spool, "/srv/x");
	ck_assert_int_eq(c.quiet_period_ms, 5000);
	ck_assert_ptr_nonnull(strstr(buf_str(&e), "test.conf:5: max_errors must be"));
	ck_assert_ptr_nonnull(strstr(buf_str(&e), "test.conf:6: expected 'key = value'"));
	buf_free(&e);
	conf_free(&c);
	free(path);
}
END_TEST

START_TEST(dump_round_trips)
{
	struct conf c, d;
	struct buf out = { 0 }, e = { 0 };
	char *path;

	conf_defaults(&c);
	ck_assert_int_eq(conf_set(&c, "quiet_period", "250ms", &e), 0);
	ck_assert_int_eq(conf_set(&c, "ledger", "/var/lib/sluice/l.db", &e), 0);
	conf_dump(&c, &out);
	path = conf_file(buf_str(&out));
	conf_defaults(&d);
	ck_assert_int_eq(conf_load(&d, path, &e), 0);
	ck_assert_int_eq(d.quiet_period_ms, 250);
	ck_assert_str_eq(d.ledger, "/var/lib/sluice/l.db");
	buf_free(&out);
	buf_free(&e);
	conf_free(&c);
	conf_free(&d);
	free(path);
}
END_TEST

START_TEST(reload_keeps_what_needs_a_restart)
{
	struct conf c;
	struct buf msgs = { 0 };
	char *path = conf_file("spool = /elsewhere\nledger = /x.db\nlink_secret_file = /s\n"
	    "synchronous = normal\nin_mode = 2750\nout_mode = 0700\nquiet_period = 250ms\n"
	    "invoice_prefix = F-\n");
	char *bad = conf_file("quiet_period = 1s\nmax_errors = many\n");
	char *empty = conf_file("# all commented out\n\n");

	conf_defaults(&c);
	ck_assert_int_eq(conf_reload(&c, path, &msgs), 0);
	/* kept, each said so */
	ck_assert_str_eq(c.spool, "./spool");
	ck_assert_str_eq(c.ledger, "");
	ck_assert_str_eq(c.link_secret_file, "");
	ck_assert_int_eq(c.synchronous, SYNC_FULL);
	ck_assert_int_eq(c.in_mode, 02770);
	ck_assert_int_eq(c.out_mode, 0750);
	ck_assert_ptr_nonnull(strstr(buf_str(&msgs),
	    "spool = /elsewhere (was ./spool): takes effect when sluice restarts\n"));
	ck_assert_ptr_nonnull(strstr(buf_str(&msgs),
	    "in_mode = 2750 (was 2770): takes effect when sluice restarts\n"));
	/* changed */
	ck_assert_int_eq(c.quiet_period_ms, 250);
	ck_assert_str_eq(c.invoice_prefix, "F-");
	ck_assert_ptr_nonnull(strstr(buf_str(&msgs), "quiet_period = 250ms (was 2s)\n"));
	ck_assert_ptr_null(strstr(buf_str(&msgs), "max_errors"));
	/* a bad file changes nothing */
	buf_reset(&msgs);
	ck_assert_int_eq(conf_reload(&c, bad, &msgs), -1);
	ck_assert_int_eq(c.quiet_period_ms, 250);
	ck_assert_ptr_nonnull(strstr(buf_str(&msgs), ":2: max_errors must be"));
	/* nor does a file that sets nothing, or one that is not a file */
	buf_reset(&msgs);
	ck_assert_int_eq(conf_reload(&c, empty, &msgs), -1);
	ck_assert_ptr_nonnull(strstr(buf_str(&msgs), "sets no key"));
	buf_reset(&msgs);
	ck_assert_int_eq(conf_reload(&c, "/dev/null", &msgs), -1);
	ck_assert_str_eq(buf_str(&msgs), "/dev/null: not a regular file\n");
	buf_reset(&msgs);
	ck_assert_int_eq(conf_reload(&c, "/nonexistent/sluice.conf", &msgs), -1);
	ck_assert_str_eq(buf_str(&msgs), "/nonexistent/sluice.conf: No such file or directory\n");
	ck_assert_int_eq(c.quiet_period_ms, 250);
	buf_free(&msgs);
	conf_free(&c);
	free(path);
	free(bad);
	free(empty);
}
END_TEST

START_TEST(documented)
{
	char *doc = source_file("doc/configuration.md");
	struct buf table = { 0 };

	/* the reference table in the document is the table in the code */
	conf_table_markdown(&table);
	ck_assert_msg(strstr(doc, buf_str(&table)) != NULL,
	    "doc/configuration.md does not hold the table of pipeline/conf.c:\n%s", buf_str(&table));
	buf_free(&table);
	free(doc);
}
END_TEST

CHECK_MAIN("conf", "conf", NULL, defaults, units_and_limits, file_errors_name_lines,
    dump_round_trips, reload_keeps_what_needs_a_restart, documented)
