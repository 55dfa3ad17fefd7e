/* SPDX-License-Identifier: ISC */
/*
 * fuzz_parse: libFuzzer targets for sluice's two input parsers together
 * with field validation and the receipt of the outcome, and a replay
 * program that runs saved inputs through both parsers (for `make check`).
 *
 * One input is one byte choosing the kind (data[0] % KIND__COUNT) followed
 * by the file.  The file is written to a memfd and parsed exactly as the
 * pipeline parses a spool file: small limits (so the field-size and
 * record-size paths are reached), validate_record() on each record in the
 * callback, everything freed afterwards (so leaks show up).
 *
 * Besides the sanitizers, the harness checks what parse.h promises:
 *   - the parse returns 0 (only a failing callback may make it return -1,
 *     and ours never fails) and *nrecords equals the callbacks made;
 *   - every present field is non-empty, NUL-terminated at its length and
 *     no longer than max_field_bytes; a record has at most max_record_lines
 *     lines; the error list keeps at most its max; no error has a line
 *     below 0 (the receipt's <line> is an xs:nonNegativeInteger);
 *   - the receipt that sluice would write for the outcome, rendered by
 *     render_receipt() from an input row and its errors in a ledger (in
 *     memory, each input rolled back afterwards), is well-formed XML and
 *     valid against schemas/receipt.xsd (FUZZ_RECEIPT_XSD, its path, is
 *     given at build time).  The input's name, which a receipt echoes, is
 *     made of its first bytes: a file name is untrusted bytes too;
 *   - a CSV input read by the reader (pipeline/reader.h) with the parse on
 *     a thread of its own gives the records, verdicts and errors, in the
 *     same order, that it gives on one thread.
 * A broken promise calls abort(), which libFuzzer reports as a crash.
 * Reaching fatal() (exit 70: out of memory, environment failure) on some
 * input is a finding as well: libFuzzer reports the exit.
 *
 * Builds (tests/fuzz/build.sh does the first two):
 *   clang -fsanitize=fuzzer,address,undefined            -> fuzz_csv
 *   clang -fsanitize=fuzzer,address,undefined -DFUZZ_XML -> fuzz_xml
 *   cc -DFUZZ_REPLAY [-fsanitize=address,undefined]      -> fuzz_replay
 * fuzz_replay [--tap] FILE|DIR...: runs every file (directories are walked
 * recursively, names starting with '.' are skipped) through the CSV and
 * the XML parser.  It prints nothing and exits 0 when all is well; with
 * --tap it prints one TAP result per file (for automake's tap-driver).
 * Without arguments, as a `make check` test, it replays
 * $SLUICE_SRCDIR/tests/fuzz/corpus and .../regressions with --tap.
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/xmlschemas.h>

#include "base/errors.h"
#include "base/hash.h"
#include "pipeline/ledger/ledger.h"
#include "base/record.h"
#include "schemas/fields.h"
#include "pipeline/reader.h"
#include "stages/document.h"
#include "stages/parse.h"
#include "stages/stages.h"
#include "stages/validate.h"

#define MAX_ERRORS 50

/* Small limits, so that inputs of a few KiB reach the limit paths. */
static const struct parse_limits limits = { 4096, 64, 65536 };

struct fuzz_ctx {
	struct errlist *errs;
	size_t records;
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_value(const struct field_value *v)
{
	if (v->s == NULL)
		return;
	if (v->len == 0 || v->len > limits.max_field_bytes || v->s[v->len] != '\0')
		abort();
}

/* The record callback: validates the record as the pipeline does. */
static int
on_record(void *ctx, struct record **recp)
{
	struct fuzz_ctx *f = ctx;
	struct record *rec = *recp;
	const struct kind_def *k = rec->kind;

	f->records++;
	if (rec->nlines > limits.max_record_lines || (k->nline == 0 && rec->nlines > 0))
		abort();
	for (size_t i = 0; i < k->nhead; i++)
		check_value(&rec->head[i]);
	for (size_t i = 0; i < rec->nlines; i++)
		for (size_t j = 0; j < k->nline; j++)
			check_value(&record_line(rec, i)[j]);
	validate_record(rec, f->errs);
	return 0;
}

/* A memfd holding data[0..size), positioned at its start. */
static int
memfd_of(const uint8_t *data, size_t size)
{
	int fd = memfd_create("fuzz-input", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0) {
		perror("memfd_create");
		abort();
	}
	while (off < size) {
		ssize_t n = write(fd, data + off, size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			perror("write to memfd");
			abort();
		}
		off += (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) != 0) {
		perror("lseek");
		abort();
	}
	return fd;
}

/* The name an input arrives under: its first 64 bytes but '/' and NUL,
 * and the extension ext. */
static void
input_name(const uint8_t *data, size_t size, const char *ext, char name[72])
{
	size_t n = 0;

	for (size_t i = 0; i < size && i < 64; i++)
		if (data[i] != '/' && data[i] != '\0')
			name[n++] = (char)data[i];
	snprintf(name + n, 72 - n, "%s", ext);
}

/* What every input needs, made once: the receipt's schema, libxml2 set up
 * for input, a ledger in memory. */
static xmlSchemaValidCtxtPtr receipt_xsd;
static struct ledger *ledger;
static struct sha256 *hash;

static void
setup(void)
{
	/* the schema first: xml_in_init() makes every entity loader refuse,
	 * that of a schema file too */
	xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(FUZZ_RECEIPT_XSD);
	xmlSchemaPtr xsd = pctxt != NULL ? xmlSchemaParse(pctxt) : NULL;

	if (xsd == NULL || (receipt_xsd = xmlSchemaNewValidCtxt(xsd)) == NULL) {
		fprintf(stderr, "fuzz: cannot load %s\n", FUZZ_RECEIPT_XSD);
		abort();
	}
	xmlSchemaFreeParserCtxt(pctxt);
	xml_in_init();
	if (ledger_open(":memory:", true, false, &ledger) != 0)
		abort();
	hash = sha256_new();
}

/* Renders the receipt of an input of kind k named name, holding data,
 * with nrecords records and errs, and aborts unless it is well-formed and
 * valid against receipt.xsd. */
static void
check_receipt(const char *name, const struct kind_def *k, const uint8_t *data, size_t size,
    size_t nrecords, struct errlist *errs)
{
	char sha[SHA256_HEX], at[TIME_SIZE];
	struct input_row row = { .work_name = "fuzz-input", .name = name,
		.kind = k->plural, .sha256 = sha, .size = (int64_t)size, .status = INPUT_ACCEPTED,
		.processed_at = at, .filed_as = "" };
	struct render_ctx r = { 0 };
	struct buf out = { 0 };
	enum input_status status = errlist_total(errs) > 0 ? INPUT_REJECTED : INPUT_ACCEPTED;
	xmlDocPtr doc;

	sha256_reset(hash);
	sha256_update(hash, data, size);
	sha256_final(hash, sha);
	format_time(now_ns(), at, sizeof at);
	r.ledger = ledger;
	if (ledger_savepoint(ledger) != 0 || ledger_input_insert(ledger, &row) != 0 ||
	    ledger_input_set_errors(ledger, row.id, errs) != 0 ||
	    ledger_input_finish(ledger, row.id, status, (int64_t)nrecords,
	    (int64_t)errlist_total(errs), "") != 0 ||
	    render_receipt(&r, row.id, &out) != 0 || ledger_rollback_savepoint(ledger) != 0)
		abort();
	doc = xmlReadMemory(out.data, (int)out.len, "receipt.xml", NULL, XML_PARSE_NONET);
	if (doc == NULL || xmlSchemaValidateDoc(receipt_xsd, doc) != 0) {
		fprintf(stderr, "fuzz: the receipt is not %s:\n%s\n",
		    doc == NULL ? "well-formed" : "valid", buf_str(&out));
		abort();
	}
	xmlFreeDoc(doc);
	buf_free(&out);
}

/* What the reader handed over, as text: each record's fields and verdict. */
static int
tell(void *ctx, struct record *rec, bool valid)
{
	struct buf *b = ctx;
	const struct kind_def *k = rec->kind;

	buf_printf(b, "%ld:", rec->line);
	for (size_t i = 0; i < k->nhead; i++)
		buf_printf(b, "%s\x1f", rec->head[i].s != NULL ? rec->head[i].s : "-");
	for (size_t i = 0; i < rec->nlines; i++)
		for (size_t j = 0; j < k->nline; j++)
			buf_printf(b, "%s\x1f", record_line(rec, i)[j].s != NULL ?
			    record_line(rec, i)[j].s : "-");
	buf_puts(b, valid ? "valid\n" : "invalid\n");
	return 0;
}

/* The records, verdicts and errors that reader_run() gives for data. */
static void
read_all(const struct kind_def *k, const uint8_t *data, size_t size, bool threaded,
    struct buf *out)
{
	int fd = memfd_of(data, size);
	struct errlist errs;
	size_t nrecords = 0;

	errlist_init(&errs, MAX_ERRORS);
	if (reader_run(stage_parser("x.csv"), threaded, fd, "fuzz-input", k, &limits, tell, out,
	    &errs, &nrecords) != 0)
		abort();
	close(fd);
	buf_printf(out, "%zu records\n", nrecords);
	for (size_t i = 0; i < errs.n; i++)
		buf_printf(out, "%ld %s %d %s\n", errs.items[i].line,
		    errs.items[i].field != NULL ? errs.items[i].field : "-", (int)errs.items[i].code,
		    errs.items[i].message);
	buf_printf(out, "%zu more\n", errs.more);
	errlist_free(&errs);
}

/* A CSV input read with its parse on a thread of its own gives what it
 * gives on one. */
static void
check_reader(const struct kind_def *k, const uint8_t *data, size_t size)
{
	struct buf one = { 0 }, two = { 0 };

	read_all(k, data, size, false, &one);
	read_all(k, data, size, true, &two);
	if (one.len != two.len || memcmp(one.data, two.data, one.len) != 0) {
		fprintf(stderr, "fuzz: the reader on two threads differs:\n%s\n--\n%s\n",
		    buf_str(&one), buf_str(&two));
		abort();
	}
	buf_free(&one);
	buf_free(&two);
}

/* Parses one input (kind byte + file) with fn and validates its records. */
static void
run_one(parse_fn fn, const uint8_t *data, size_t size)
{
	static int ready;
	const struct kind_def *k;
	struct errlist errs;
	struct fuzz_ctx f = { &errs, 0 };
	size_t nrecords = (size_t)-1;
	char name[72];
	int fd, ret;

	if (size < 1)
		return;
	if (!ready) {
		setup();
		ready = 1;
	}
	k = kind_get((enum kind)(data[0] % KIND__COUNT));
	fd = memfd_of(data + 1, size - 1);
	errlist_init(&errs, MAX_ERRORS);
	ret = fn(fd, "fuzz-input", k, &limits, on_record, &f, &errs, &nrecords);
	close(fd);
	if (ret != 0 || nrecords != f.records || errs.n > MAX_ERRORS)
		abort();
	/* receipts carry each error's line as an xs:nonNegativeInteger */
	for (size_t i = 0; i < errs.n; i++)
		if (errs.items[i].message == NULL || (unsigned)errs.items[i].code >= ERR__COUNT ||
		    errs.items[i].line < 0)
			abort();
	input_name(data + 1, size - 1, fn == csv_in_parse ? ".csv" : ".xml", name);
	check_receipt(name, k, data + 1, size - 1, nrecords, &errs);
	errlist_free(&errs);
	if (fn == csv_in_parse)
		check_reader(k, data + 1, size - 1);
}

#ifndef FUZZ_REPLAY

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
#ifdef FUZZ_XML
	run_one(xml_in_parse, data, size);
#else
	run_one(csv_in_parse, data, size);
#endif
	return 0;
}

#else /* FUZZ_REPLAY */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	run_one(csv_in_parse, data, size);
	run_one(xml_in_parse, data, size);
	return 0;
}

static int tap;
static unsigned long nfiles;

static int
replay_file(const char *path)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *data = NULL;
	size_t len = 0, cap = 0;

	if (fp == NULL) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t n;

		if (len == cap) {
			cap = cap ? cap * 2 : 65536;
			if ((data = realloc(data, cap)) == NULL) {
				fprintf(stderr, "fuzz_replay: out of memory\n");
				exit(1);
			}
		}
		n = fread(data + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		fprintf(stderr, "fuzz_replay: reading %s failed\n", path);
		fclose(fp);
		free(data);
		return -1;
	}
	fclose(fp);
	if (tap)
		fflush(stdout);   /* a crash below leaves the results so far */
	LLVMFuzzerTestOneInput(data, len);
	free(data);
	nfiles++;
	if (tap)
		printf("ok %lu %s\n", nfiles, path);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Replays a file, or every file under a directory in name order. */
static int
replay_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int status = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path);
	if ((d = opendir(path)) == NULL) {
		fprintf(stderr, "fuzz_replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;   /* ., .., .gitkeep */
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((names = realloc(names, cap * sizeof *names)) == NULL) {
				fprintf(stderr, "fuzz_replay: out of memory\n");
				exit(1);
			}
		}
		if ((names[n] = malloc(strlen(path) + strlen(de->d_name) + 2)) == NULL) {
			fprintf(stderr, "fuzz_replay: out of memory\n");
			exit(1);
		}
		sprintf(names[n++], "%s/%s", path, de->d_name);
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, name_cmp);
	for (size_t i = 0; i < n; i++) {
		if (replay_path(names[i]) != 0)
			status = -1;
		free(names[i]);
	}
	free(names);
	return status;
}

int
main(int argc, char **argv)
{
	int status = 0, first = 1;

	if (argc > 1 && strcmp(argv[1], "--tap") == 0) {
		tap = 1;
		first = 2;
	}
	if (argc == 1 && getenv("SLUICE_SRCDIR") != NULL) {
		/* as a `make check` test: the checked-in inputs, in TAP */
		static const char *const dirs[] = { "tests/fuzz/corpus", "tests/fuzz/regressions" };
		const char *src = getenv("SLUICE_SRCDIR");

		tap = 1;
		for (size_t i = 0; i < sizeof dirs / sizeof dirs[0]; i++) {
			char *path = malloc(strlen(src) + strlen(dirs[i]) + 2);

			if (path == NULL) {
				fprintf(stderr, "fuzz_replay: out of memory\n");
				return 1;
			}
			sprintf(path, "%s/%s", src, dirs[i]);
			if (replay_path(path) != 0)
				status = 1;
			free(path);
		}
	} else if (first >= argc) {
		fprintf(stderr, "usage: fuzz_replay [--tap] FILE|DIR...\n"
		    "       SLUICE_SRCDIR=DIR fuzz_replay   (DIR/tests/fuzz/{corpus,regressions}, TAP)\n");
		return 2;
	}
	for (int i = first; i < argc; i++)
		if (replay_path(argv[i]) != 0)
			status = 1;
	if (tap) {
		if (status != 0)
			printf("not ok %lu reading the inputs\n", ++nfiles);
		printf("1..%lu\n", nfiles);
	}
	return status;
}

#endif /* FUZZ_REPLAY */
