/* SPDX-License-Identifier: ISC */
/*
 * The reader gives the same records, verdicts and errors, in the same
 * order, whether the parse runs on a thread of its own or not.
 */
#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "parse_util.h"
#include "pipeline/reader.h"
#include "testlib.h"

/* What a reader handed over: each record's summary and verdict. */
struct seen {
	struct buf text;
	size_t n;
	size_t fail_at;   /* the call that fails (1-based), or 0 */
};

static int
keep(void *ctx, struct record *rec, bool valid)
{
	struct seen *s = ctx;

	summarize_record(&s->text, rec);
	buf_puts(&s->text, valid ? "valid\n" : "invalid\n");
	return ++s->n == s->fail_at ? -1 : 0;
}

/* Reads text as shipments through reader_run(); the records and the
 * errors as text into out.  Returns what reader_run() returned. */
static int
read_text(const char *text, size_t len, bool threaded, size_t max_errors, size_t fail_at,
    struct buf *out, size_t *calls)
{
	int fd = temp_fd(text, len);
	struct seen s = { .fail_at = fail_at };
	struct errlist errs;
	size_t nrecords = 0;
	int ret;

	errlist_init(&errs, max_errors);
	ret = reader_run(stage_parser("x.csv"), threaded, fd, "test", kind_get(KIND_SHIPMENTS),
	    &test_limits, keep, &s, &errs, &nrecords);
	close(fd);
	/* after a failure, the parser may have read further on a thread */
	buf_printf(out, "ret %d, %zu records, %zu applied\n%s", ret, ret == 0 ? nrecords : 0, s.n,
	    buf_str(&s.text));
	for (size_t i = 0; i < errs.n; i++)
		buf_printf(out, "E %ld %s %s %s\n", errs.items[i].line,
		    errs.items[i].field != NULL ? errs.items[i].field : "-",
		    err_code_name(errs.items[i].code), errs.items[i].message);
	buf_printf(out, "and %zu more\n", errs.more);
	*calls = s.n;
	buf_free(&s.text);
	errlist_free(&errs);
	return ret;
}

/* Reads text both ways and checks that both give the same; returns the
 * threaded reader's result. */
static int
same_both_ways(const char *text, size_t len, size_t max_errors, size_t fail_at, size_t *calls)
{
	struct buf one = { 0 }, two = { 0 };
	size_t calls_one, calls_two;
	int ret_one = read_text(text, len, false, max_errors, fail_at, &one, &calls_one);
	int ret_two = read_text(text, len, true, max_errors, fail_at, &two, &calls_two);

	ck_assert_str_eq(buf_str(&two), buf_str(&one));
	ck_assert_int_eq(ret_two, ret_one);
	ck_assert_uint_eq(calls_two, calls_one);
	*calls = calls_two;
	buf_free(&one);
	buf_free(&two);
	return ret_two;
}

/* A shipments CSV of n records of up to three rows, with errors of every
 * sort the parser and the validation find sprinkled by seed: bad and
 * missing values, rows of the wrong width, header fields that change
 * within a record, split records, and (sometimes) an unclosed quote at the
 * end, after the last record.  *errors counts the rows made faulty. */
static char *
shipments(unsigned seed, size_t n, size_t *errors)
{
	struct buf b = { 0 };

	*errors = 0;
	buf_puts(&b, "shipment_id,order_number,carrier,line_id,quantity\n");
	for (size_t i = 0; i < n; i++) {
		size_t rows = 1 + (seed >> 5) % 3;

		for (size_t r = 0; r < rows; r++) {
			seed = seed * 1103515245u + 12345u;
			switch ((seed >> 16) % 23) {
			case 0:
				buf_printf(&b, "S%zu,O%zu,Post,%zu,x\n", i, i, r + 1);
				break;
			case 1:
				buf_printf(&b, "S%zu,O%zu,Post,%zu\n", i, i, r + 1);
				break;
			case 2:
				buf_printf(&b, "S%zu,O%zuB,Post,%zu,1\n", i, i, r + 1);
				break;
			case 3:
				buf_printf(&b, "S%zu,,Post,%zu,1\n", i, r + 1);
				break;
			case 4:
				buf_printf(&b, "S0,O0,Post,%zu,1\n", r + 1);
				break;
			default:
				buf_printf(&b, "S%zu,O%zu,Post,%zu,%zu\n", i, i, r + 1, 1 + r);
				continue;
			}
			(*errors)++;
		}
	}
	if (seed % 4 == 0) {
		buf_puts(&b, "S-end,O-end,\"Post,1,1\n");
		(*errors)++;
	}
	return b.data;
}

START_TEST(records_verdicts_and_errors_come_in_one_order)
{
	size_t faulty_files = 0;

	for (unsigned seed = 1; seed <= 40; seed++) {
		size_t n = (size_t)(seed * 37 % 300), errors, calls;
		char *text = shipments(seed, n, &errors);

		/* a short error list (most errors only counted) and a long one */
		for (size_t max = 3; max <= 3000; max *= 1000) {
			ck_assert_int_eq(same_both_ways(text, strlen(text), max, 0, &calls), 0);
			ck_assert(n < 10 || calls > n / 2);
		}
		faulty_files += errors > 0;
		free(text);
	}
	ck_assert_uint_gt(faulty_files, 30);
}
END_TEST

START_TEST(a_failure_to_apply_stops_the_parse)
{
	size_t errors, calls;
	char *text = shipments(7, 500, &errors);

	/* past the queue's 64 slots, so the parser is ahead when it fails */
	for (size_t at = 1; at <= 130; at += 43) {
		ck_assert_int_eq(same_both_ways(text, strlen(text), 100, at, &calls), -1);
		ck_assert_uint_eq(calls, at);
	}
	free(text);
}
END_TEST

START_TEST(records_over_a_mebibyte_pass_one_at_a_time)
{
	struct buf b = { 0 };
	char *digits = malloc(1501);
	size_t calls;

	memset(digits, '7', 1500);
	digits[1500] = '\0';
	buf_puts(&b, "shipment_id,order_number,line_id,quantity\n");
	/* three records of 800 lines of 1.5 KB each, between small ones */
	for (int r = 0; r < 7; r++)
		for (int l = 1; l <= (r % 2 ? 800 : 2); l++)
			buf_printf(&b, "S%d,O%d,%d,%s\n", r, r, l, r % 2 ? digits : "1");
	ck_assert_int_eq(same_both_ways(b.data, b.len, 50, 0, &calls), 0);
	ck_assert_uint_eq(calls, 7);
	free(digits);
	buf_free(&b);
}
END_TEST

START_TEST(a_file_without_records_gives_its_errors_only)
{
	static const char *texts[] = {
		"", "\n\n", "shipment_id,order_number,line_id,quantity\n",
		"shipment_id,nonsense\nS1,O1\n", "\"unclosed\n",
	};
	size_t calls;

	for (size_t i = 0; i < NELEM(texts); i++) {
		ck_assert_int_eq(same_both_ways(texts[i], strlen(texts[i]), 10, 0, &calls), 0);
		ck_assert_uint_eq(calls, 0);
	}
}
END_TEST

CHECK_MAIN("reader", "reader", NULL, records_verdicts_and_errors_come_in_one_order,
    a_failure_to_apply_stops_the_parse, records_over_a_mebibyte_pass_one_at_a_time,
    a_file_without_records_gives_its_errors_only)
