/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/conf.h"
#include "base/log.h"

enum conf_type { CT_PATH, CT_DURATION, CT_SIZE, CT_INT, CT_ENUM, CT_WORD, CT_URL, CT_MODE };

/* The values a CT_ENUM key takes: values of an enum, kept as the enum
 * (an int), written as their names. */
struct choice {
	const struct name_table *names;
	const int *only;   /* the values allowed, in the order the reference
	                    * lists them, ending in -1; NULL: every value */
};

static const char *const invoice_on_texts[] = {
	[INVOICE_ON_CAPTURE] = "capture", [INVOICE_ON_SHIPMENT] = "shipment"
};
static const char *const capture_on_texts[] = {
	[CAPTURE_ON_SHIPMENT] = "shipment", [CAPTURE_ON_SHIPPED] = "shipped",
	[CAPTURE_ON_MANUAL] = "manual"
};
static const char *const sync_mode_texts[] = { [SYNC_FULL] = "full", [SYNC_NORMAL] = "normal" };
static const struct name_table invoice_on_names = NAME_TABLE(invoice_on_texts);
static const struct name_table capture_on_names = NAME_TABLE(capture_on_texts);
static const struct name_table sync_mode_names = NAME_TABLE(sync_mode_texts);

/* the statuses an order may arrive with */
static const int new_order_statuses[] = { ORDER_CONFIRMED, ORDER_PENDING, -1 };
static const struct choice order_statuses = { &order_status_names, new_order_statuses };
static const struct choice sync_modes = { &sync_mode_names, NULL };
static const struct choice log_levels = { &log_level_names, NULL };
static const struct choice invoice_times = { &invoice_on_names, NULL };
static const struct choice capture_times = { &capture_on_names, NULL };

/* a CT_ENUM key's field is an enum, written as an int */
_Static_assert(sizeof(enum order_status) == sizeof(int) &&
    sizeof(enum invoice_on) == sizeof(int) && sizeof(enum capture_on) == sizeof(int) &&
    sizeof(enum sync_mode) == sizeof(int) && sizeof(enum log_level) == sizeof(int),
    "enums are ints");

static const struct conf_key {
	const char *name;
	enum conf_type type;
	size_t offset;
	const char *dflt;
	int64_t min;
	int64_t max;
	const struct choice *choice;   /* CT_ENUM: the values it takes */
	const char *help;
} keys[] = {
	{ "spool", CT_PATH, offsetof(struct conf, spool), "./spool", 0, 0, NULL,
	  "the spool root (--spool overrides it)" },
	{ "ledger", CT_PATH, offsetof(struct conf, ledger), "", 0, 0, NULL,
	  "the ledger database; empty means ledger.db in the spool root (--ledger overrides it)" },
	{ "quiet_period", CT_DURATION, offsetof(struct conf, quiet_period_ms), "2s", 0,
	  3600000, NULL, "how long a file written in place must stay unchanged before it is taken" },
	{ "scan_interval", CT_DURATION, offsetof(struct conf, scan_interval_ms), "60s", 1000,
	  86400000, NULL, "how often the daemon rescans every folder besides inotify's wake-ups" },
	{ "max_file_size", CT_SIZE, offsetof(struct conf, max_file_size), "1GiB", 1024,
	  INT64_C(68719476736), NULL, "larger input files are rejected unread" },
	{ "max_field_bytes", CT_SIZE, offsetof(struct conf, max_field_bytes), "64KiB", 1024,
	  16777216, NULL, "longest field, and longest CSV row, that the parsers accept" },
	{ "max_record_lines", CT_INT, offsetof(struct conf, max_record_lines), "10000", 1,
	  50000, NULL, "most lines one record (an order, a shipment) may have" },
	{ "max_errors", CT_INT, offsetof(struct conf, max_errors), "100", 1, 100000, NULL,
	  "most errors a receipt lists; the rest are counted" },
	{ "batch_files", CT_INT, offsetof(struct conf, batch_files), "64", 1, 100000, NULL,
	  "most input files applied in one ledger transaction (group commit)" },
	{ "render_threads", CT_INT, offsetof(struct conf, render_threads), "0", 0, 64, NULL,
	  "threads that draw PDF documents; 0: one per processor, at most 8" },
	{ "defer_expiry", CT_DURATION, offsetof(struct conf, defer_expiry_ms), "48h", 1000,
	  INT64_C(2592000000), NULL,
	  "how long an input that refers to something not yet known waits before it is rejected" },
	{ "default_order_status", CT_ENUM, offsetof(struct conf, default_order_status),
	  "confirmed", 0, 0, &order_statuses, "status of an order whose file gives none" },
	{ "invoice_on", CT_ENUM, offsetof(struct conf, invoice_on), "capture", 0, 0, &invoice_times,
	  "when a shipment is invoiced: when its capture succeeds, or when it is created" },
	{ "capture_on", CT_ENUM, offsetof(struct conf, capture_on), "shipment", 0, 0, &capture_times,
	  "when a shipment's capture is requested: at creation, when marked shipped, or never as a file (manual)" },
	{ "invoice_prefix", CT_WORD, offsetof(struct conf, invoice_prefix), "INV-", 1, 16, NULL,
	  "prefix of the invoice number series" },
	{ "credit_note_prefix", CT_WORD, offsetof(struct conf, credit_note_prefix), "CN-", 1, 16, NULL,
	  "prefix of the credit note number series" },
	{ "templates", CT_PATH, offsetof(struct conf, templates), "", 0, 0, NULL,
	  "folder of invoice templates (NAME.conf); empty means templates in the spool root" },
	{ "default_template", CT_WORD, offsetof(struct conf, default_template), "default", 1, 64, NULL,
	  "the template of documents that name none" },
	{ "link_secret_file", CT_PATH, offsetof(struct conf, link_secret_file), "", 0, 0, NULL,
	  "file of the secret that signs payment link tokens; empty means link.secret in the spool root (sluice init makes it)" },
	{ "link_url", CT_URL, offsetof(struct conf, link_url), "https://pay.example.com/link/{token}",
	  1, 1024, NULL, "URL of a payment link; {token} stands for the link's token" },
	{ "link_ttl", CT_DURATION, offsetof(struct conf, link_ttl_ms), "14d", 60000,
	  INT64_C(31536000000), NULL, "how long a payment link can be paid after it was issued" },
	{ "synchronous", CT_ENUM, offsetof(struct conf, synchronous), "full", 0, 0, &sync_modes,
	  "SQLite synchronous mode of the ledger; full survives power loss" },
	{ "log_level", CT_ENUM, offsetof(struct conf, log_level), "info", 0, 0, &log_levels,
	  "least severe level logged" },
	{ "in_mode", CT_MODE, offsetof(struct conf, in_mode), "2770", 0700, 03775, NULL,
	  "mode of the in/ folders sluice makes: partners in the spool's group deliver there (2: their files take the folder's group)" },
	{ "out_mode", CT_MODE, offsetof(struct conf, out_mode), "0750", 0700, 02755, NULL,
	  "mode of the out/ folders sluice makes; the files in them get it without the x bits (0750: 0640)" },
	{ "retention_documents", CT_DURATION, offsetof(struct conf, retention_documents_ms), "3653d",
	  86400000, INT64_C(3155760000000), NULL,
	  "how long issued invoices and credit notes are kept in out/ whatever sluice purge is told (3653d: 10 years)" },
	{ "metrics_file", CT_PATH, offsetof(struct conf, metrics_file), "", 0, 0, NULL,
	  "file the daemon keeps its metrics in (Prometheus text format, for node_exporter's textfile collector); empty means none" },
	{ "metrics_interval", CT_DURATION, offsetof(struct conf, metrics_interval_ms), "15s", 1000,
	  86400000, NULL, "how often the daemon rewrites metrics_file" },
};

/* The keys a reload (SIGHUP) does not change, since what they set up
 * stays set up while sluice runs: a restart changes them. */
static const char *const restart_keys[] = {
	"spool", "ledger", "link_secret_file", "synchronous", "in_mode", "out_mode"
};

static bool
needs_restart(const struct conf_key *k)
{
	for (size_t i = 0; i < NELEM(restart_keys); i++)
		if (strcmp(k->name, restart_keys[i]) == 0)
			return true;
	return false;
}

struct unit {
	const char *unit;
	int64_t mul;
};

static int
parse_scaled(const char *v, const struct unit *units, int64_t *out)
{
	char *end;
	long long n;

	errno = 0;
	n = strtoll(v, &end, 10);
	if (end == v || errno != 0 || n < 0)
		return -1;
	while (*end == ' ')
		end++;
	for (size_t i = 0; units[i].unit != NULL; i++)
		if (strcmp(end, units[i].unit) == 0) {
			if (n > INT64_MAX / units[i].mul)
				return -1;
			*out = n * units[i].mul;
			return 0;
		}
	return -1;
}

static int
parse_duration_ms(const char *v, int64_t *out)
{
	static const struct unit units[] = {
		{ "", 1000 }, { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
		{ "d", 86400000 }, { NULL, 0 }
	};

	return parse_scaled(v, units, out);
}

static int
parse_size(const char *v, int64_t *out)
{
	static const struct unit units[] = {
		{ "", 1 }, { "B", 1 }, { "KiB", 1024 }, { "MiB", 1048576 },
		{ "GiB", 1073741824 }, { "K", 1024 }, { "M", 1048576 }, { "G", 1073741824 },
		{ NULL, 0 }
	};

	return parse_scaled(v, units, out);
}

/* The i-th value that c allows, or -1 past the last. */
static int
choice_at(const struct choice *c, size_t i)
{
	if (c->only != NULL)
		return c->only[i];
	return i < c->names->n ? (int)i : -1;
}

static const struct conf_key *
find_key(const char *name)
{
	for (size_t i = 0; i < NELEM(keys); i++)
		if (strcmp(keys[i].name, name) == 0)
			return &keys[i];
	return NULL;
}

static void
describe_limits(const struct conf_key *k, struct buf *out)
{
	switch (k->type) {
	case CT_PATH:
		buf_puts(out, "a path");
		break;
	case CT_DURATION:
		buf_printf(out, "%" PRId64 "ms to %" PRId64 "s (units ms, s, m, h, d)", k->min,
		    k->max / 1000);
		break;
	case CT_SIZE:
		buf_printf(out, "%" PRId64 " to %" PRId64 " bytes (units KiB, MiB, GiB)", k->min, k->max);
		break;
	case CT_INT:
		buf_printf(out, "%" PRId64 " to %" PRId64, k->min, k->max);
		break;
	case CT_ENUM:
		for (size_t i = 0; choice_at(k->choice, i) >= 0; i++)
			buf_printf(out, "%s%s", i ? ", " : "",
			    name_of(k->choice->names, choice_at(k->choice, i)));
		break;
	case CT_WORD:
		buf_printf(out, "%" PRId64 " to %" PRId64 " of A-Z a-z 0-9 . _ -", k->min, k->max);
		break;
	case CT_URL:
		buf_printf(out, "up to %" PRId64 " characters with {token}", k->max);
		break;
	case CT_MODE:
		buf_printf(out, "an octal mode that keeps rwx (%04" PRIo64 ") for the owner and sets "
		    "no bit beyond %04" PRIo64 " (never writable by others, never setuid)", k->min,
		    k->max);
		break;
	}
}

/* Reads a mode as chmod takes it: 3 or 4 octal digits after any leading
 * zeros (750, 0750, 02770). */
static int
parse_mode(const char *v, int64_t *out)
{
	size_t n;

	while (v[0] == '0' && strlen(v) > 3)
		v++;
	n = strlen(v);
	if (n < 3 || n > 4 || strspn(v, "01234567") != n)
		return -1;
	*out = strtoll(v, NULL, 8);
	return 0;
}

static bool
word_ok(const char *v, int64_t min, int64_t max)
{
	size_t n = strlen(v);

	if ((int64_t)n < min || (int64_t)n > max)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((v[i] >= 'A' && v[i] <= 'Z') || (v[i] >= 'a' && v[i] <= 'z') ||
		    (v[i] >= '0' && v[i] <= '9') || v[i] == '.' || v[i] == '_' || v[i] == '-'))
			return false;
	return true;
}

static int
set_key(struct conf *c, const struct conf_key *k, const char *v, struct buf *why)
{
	char *base = (char *)c;   /* fields are found by their offsets in bytes */
	int64_t n;

	switch (k->type) {
	case CT_PATH:
		free(*(char **)(base + k->offset));
		*(char **)(base + k->offset) = xstrdup(v);
		return 0;
	case CT_WORD:
	case CT_URL:
		if (k->type == CT_WORD ? !word_ok(v, k->min, k->max) :
		    strlen(v) > (size_t)k->max || strstr(v, "{token}") == NULL)
			break;
		free(*(char **)(base + k->offset));
		*(char **)(base + k->offset) = xstrdup(v);
		return 0;
	case CT_ENUM:
		for (size_t i = 0; choice_at(k->choice, i) >= 0; i++)
			if (strcmp(v, name_of(k->choice->names, choice_at(k->choice, i))) == 0) {
				*(int *)(base + k->offset) = choice_at(k->choice, i);
				return 0;
			}
		break;
	case CT_DURATION:
		if (parse_duration_ms(v, &n) == 0 && n >= k->min && n <= k->max) {
			*(int64_t *)(base + k->offset) = n;
			return 0;
		}
		break;
	case CT_SIZE:
		if (parse_size(v, &n) == 0 && n >= k->min && n <= k->max) {
			*(int64_t *)(base + k->offset) = n;
			return 0;
		}
		break;
	case CT_INT:
		if (parse_size(v, &n) == 0 && strspn(v, "0123456789") == strlen(v) &&
		    n >= k->min && n <= k->max) {
			*(int64_t *)(base + k->offset) = n;
			return 0;
		}
		break;
	case CT_MODE:
		/* sluice itself must be able to use the folder; min is the
		 * owner's bits, max every bit that may be set */
		if (parse_mode(v, &n) == 0 && (n & k->min) == k->min && (n & ~k->max) == 0) {
			*(int64_t *)(base + k->offset) = n;
			return 0;
		}
		break;
	}
	buf_printf(why, "%s must be ", k->name);
	describe_limits(k, why);
	return -1;
}

void
conf_defaults(struct conf *c)
{
	struct buf why = { 0 };

	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NELEM(keys); i++)
		if (set_key(c, &keys[i], keys[i].dflt, &why) != 0)
			fatal("configuration default of %s is invalid", keys[i].name);
	buf_free(&why);
}

int
conf_set(struct conf *c, const char *key, const char *value, struct buf *errs)
{
	const struct conf_key *k = find_key(key);
	struct buf why = { 0 };
	int ret;

	if (k == NULL) {
		buf_printf(errs, "unknown key '%s'", key);
		return -1;
	}
	ret = set_key(c, k, value, &why);
	if (ret != 0)
		buf_printf(errs, "%s, not '%s'", buf_str(&why), value);
	buf_free(&why);
	return ret;
}


/* As conf_load, counting the keys set into *nkeys. */
static int
load_keys(struct conf *c, const char *path, struct buf *errs, size_t *nkeys)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int ret = 0;

	if (f == NULL) {
		buf_printf(errs, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) != -1) {
		/* a NUL would end the line early: what follows it unread */
		bool nul = memchr(line, '\0', (size_t)len) != NULL;
		char *s = str_trim(line), *eq, *key, *value;
		struct buf why = { 0 };

		lineno++;
		if (nul) {
			buf_printf(errs, "%s:%ld: the line holds a NUL byte\n", path, lineno);
			ret = -1;
			continue;
		}
		if (*s == '\0' || *s == '#')
			continue;
		if ((eq = strchr(s, '=')) == NULL) {
			buf_printf(errs, "%s:%ld: expected 'key = value'\n", path, lineno);
			ret = -1;
			continue;
		}
		*eq = '\0';
		key = str_trim(s);
		value = str_trim(eq + 1);
		if (conf_set(c, key, value, &why) != 0) {
			buf_printf(errs, "%s:%ld: %s\n", path, lineno, buf_str(&why));
			ret = -1;
		} else
			(*nkeys)++;
		buf_free(&why);
	}
	if (ferror(f)) {
		buf_printf(errs, "%s: %s\n", path, strerror(errno));
		ret = -1;
	}
	free(line);
	fclose(f);
	return ret;
}

int
conf_load(struct conf *c, const char *path, struct buf *errs)
{
	size_t nkeys = 0;

	return load_keys(c, path, errs, &nkeys);
}

static void
format_value(const struct conf *c, const struct conf_key *k, struct buf *out)
{
	const char *base = (const char *)c;
	int64_t n;

	switch (k->type) {
	case CT_PATH:
	case CT_WORD:
	case CT_URL:
		buf_puts(out, *(char *const *)(base + k->offset));
		break;
	case CT_ENUM:
		buf_puts(out, name_of(k->choice->names, *(const int *)(base + k->offset)));
		break;
	case CT_DURATION:
		n = *(const int64_t *)(base + k->offset);
		if (n % 1000 == 0)
			buf_printf(out, "%" PRId64 "s", n / 1000);
		else
			buf_printf(out, "%" PRId64 "ms", n);
		break;
	case CT_SIZE:
	case CT_INT:
		buf_printf(out, "%" PRId64, *(const int64_t *)(base + k->offset));
		break;
	case CT_MODE:
		buf_printf(out, "%04" PRIo64, *(const int64_t *)(base + k->offset));
		break;
	}
}

void
conf_dump(const struct conf *c, struct buf *out)
{
	for (size_t i = 0; i < NELEM(keys); i++) {
		buf_printf(out, "%s = ", keys[i].name);
		format_value(c, &keys[i], out);
		buf_putc(out, '\n');
	}
}

void
conf_table_markdown(struct buf *out)
{
	static const char *const type_names[] = { "path", "duration", "size", "integer", "choice",
		"word", "URL", "mode" };

	buf_puts(out, "| key | type | default | limits | meaning |\n|---|---|---|---|---|\n");
	for (size_t i = 0; i < NELEM(keys); i++) {
		if (keys[i].dflt[0] != '\0')
			buf_printf(out, "| `%s` | %s | `%s` | ", keys[i].name,
			    type_names[keys[i].type], keys[i].dflt);
		else
			buf_printf(out, "| `%s` | %s | (empty) | ", keys[i].name,
			    type_names[keys[i].type]);
		describe_limits(&keys[i], out);
		buf_printf(out, " | %s%s |\n", keys[i].help,
		    needs_restart(&keys[i]) ? "; a reload keeps it: restart sluice to change it" : "");
	}
}

/* Whether key k has the same value in a and b. */
static bool
same_value(const struct conf *a, const struct conf *b, const struct conf_key *k)
{
	struct buf va = { 0 }, vb = { 0 };
	bool same;

	format_value(a, k, &va);
	format_value(b, k, &vb);
	same = strcmp(buf_str(&va), buf_str(&vb)) == 0;
	buf_free(&va);
	buf_free(&vb);
	return same;
}

int
conf_reload(struct conf *c, const char *path, struct buf *msgs)
{
	struct conf fresh;
	struct stat st;
	size_t nkeys = 0;

	/* what a daemon re-reads must not block it (a FIFO), nor take a
	 * file caught empty (truncated by an editor) for all the defaults */
	if (stat(path, &st) != 0) {
		buf_printf(msgs, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		buf_printf(msgs, "%s: not a regular file\n", path);
		return -1;
	}
	conf_defaults(&fresh);
	if (load_keys(&fresh, path, msgs, &nkeys) != 0 || nkeys == 0) {
		if (nkeys == 0 && msgs->len == 0)
			buf_printf(msgs, "%s: sets no key; a reload does not go back to the "
			    "defaults (a restart does)\n", path);
		conf_free(&fresh);
		return -1;
	}
	for (size_t i = 0; i < NELEM(keys); i++) {
		struct buf was = { 0 }, now = { 0 }, why = { 0 };

		if (same_value(c, &fresh, &keys[i]))
			continue;
		format_value(c, &keys[i], &was);
		format_value(&fresh, &keys[i], &now);
		buf_printf(msgs, "%s = %s (was %s)%s\n", keys[i].name, buf_str(&now), buf_str(&was),
		    needs_restart(&keys[i]) ? ": takes effect when sluice restarts" : "");
		/* a key a reload keeps: the running value, put back */
		if (needs_restart(&keys[i]) && set_key(&fresh, &keys[i], buf_str(&was), &why) != 0)
			fatal("configuration value of %s cannot be set again", keys[i].name);
		buf_free(&was);
		buf_free(&now);
		buf_free(&why);
	}
	conf_free(c);
	*c = fresh;
	return 0;
}

void
conf_free(struct conf *c)
{
	for (size_t i = 0; i < NELEM(keys); i++)
		if (keys[i].type == CT_PATH || keys[i].type == CT_WORD || keys[i].type == CT_URL) {
			/* the field at its offset in bytes */
			char **p = (char **)((char *)c + keys[i].offset);

			free(*p);
			*p = NULL;
		}
}
