/* SPDX-License-Identifier: ISC */
/*
 * ledger: the ledger's SQLite connection (ledger.h): opening and migrating
 * it, the cache of prepared statements and the helpers that bind and read
 * them (ledger_int.h), transactions and savepoints, inputs and their
 * errors, the journal and the outbox.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/ledger/ledger_int.h"
#include "base/log.h"
#include "base/money.h"
#include "base/util.h"

/* schemas/ledger/NNN-*.sql, embedded by the build, oldest first */
extern const char *const ledger_migrations[];

#define MAX_STMTS 128

struct ledger {
	sqlite3 *db;
	char *path;
	char *actor;         /* who asked for the operator's command; NULL: unknown */
	char *input_actor;   /* who asked for the input in hand (a bulk job's
	                        operator); NULL: nobody known */
	struct {
		const char *sql;
		sqlite3_stmt *st;
	} stmts[MAX_STMTS];
	size_t nstmts;
};

int
ledger_fail(struct ledger *l, const char *what)
{
	log_error("ledger %s: %s: %s", l->path, what, sqlite3_errmsg(l->db));
	return -1;
}

sqlite3_stmt *
ledger_stmt(struct ledger *l, const char *sql)
{
	/* the cache is keyed by the address of the SQL text: every caller
	 * passes a string literal, so a linear scan of a few dozen pointers
	 * finds its statement */
	for (size_t i = 0; i < l->nstmts; i++)
		if (l->stmts[i].sql == sql)
			return l->stmts[i].st;
	if (l->nstmts == MAX_STMTS)
		fatal("ledger: more than %d distinct statements", MAX_STMTS);
	if (sqlite3_prepare_v3(l->db, sql, -1, SQLITE_PREPARE_PERSISTENT,
	    &l->stmts[l->nstmts].st, NULL) != SQLITE_OK)
		fatal("ledger: cannot prepare \"%s\": %s", sql, sqlite3_errmsg(l->db));
	l->stmts[l->nstmts].sql = sql;
	return l->stmts[l->nstmts++].st;
}

int
ledger_exec_stmt(struct ledger *l, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return ledger_fail(l, sqlite3_sql(st));
	return 0;
}

int
ledger_rows_end(struct ledger *l, sqlite3_stmt *st, int rc, int ret, const char *what)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (ret == 0 && rc != SQLITE_DONE)
		return ledger_fail(l, what);
	return ret;
}

void
ledger_bind(sqlite3_stmt *st, const char *types, va_list ap)
{
	for (int i = 0; types[i] != '\0'; i++)
		switch (types[i]) {
		case 's':
			ledger_bind_text(st, i + 1, va_arg(ap, const char *));
			break;
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
			break;
		case 'b':
			sqlite3_bind_int(st, i + 1, va_arg(ap, int) != 0);
			break;
		default:
			fatal("ledger_bind: unknown type '%c'", types[i]);
		}
}

int
ledger_run(struct ledger *l, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = ledger_stmt(l, sql);
	va_list ap;

	va_start(ap, types);
	ledger_bind(st, types, ap);
	va_end(ap);
	return ledger_exec_stmt(l, st);
}

int
ledger_query(struct ledger *l, const char *sql, int (*row)(sqlite3_stmt *st, void *ctx),
    void *ctx, const char *types, ...)
{
	sqlite3_stmt *st = ledger_stmt(l, sql);
	va_list ap;
	int rc, n = 0;

	va_start(ap, types);
	ledger_bind(st, types, ap);
	va_end(ap);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (row(st, ctx) != 0)
			return ledger_rows_end(l, st, rc, -1, sql);
		n++;
	}
	return ledger_rows_end(l, st, rc, 0, sql) < 0 ? -1 : n;
}

int
ledger_int_row(sqlite3_stmt *st, void *ctx)
{
	*(int64_t *)ctx = sqlite3_column_int64(st, 0);
	return 0;
}

void
ledger_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, i);
	else
		sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
}

char *
ledger_column_dup(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? xstrdup((const char *)s) : NULL;
}

/* Logs that column holds value (NULL: none), which sluice does not know,
 * and returns -1. */
static int
column_damaged(const char *column, const char *value)
{
	char shown[EXCERPT_SIZE];

	log_error("the ledger is damaged: %s holds \"%s\", which sluice does not know; "
	    "it was changed past its constraints (restore it from a backup)", column,
	    value != NULL ? excerpt(value, strlen(value), 40, shown, sizeof shown) : "NULL");
	return -1;
}

int
ledger_column_enum(sqlite3_stmt *st, int i, const struct name_table *t, const char *column,
    int *v)
{
	const char *name = (const char *)sqlite3_column_text(st, i);

	*v = 0;
	if (value_of(t, name, v) || (name == NULL && name_of(t, 0) == NULL))
		return 0;
	return column_damaged(column, name);
}

int
ledger_column_required(sqlite3_stmt *st, int i, struct arena *a, const char *column,
    const char **out)
{
	if ((*out = ledger_column_str(st, i, a)) == NULL)
		return column_damaged(column, NULL);
	return 0;
}

int
ledger_column_currency(sqlite3_stmt *st, int i, struct arena *a, const char *column,
    const char **out)
{
	if (ledger_column_required(st, i, a, column, out) != 0)
		return -1;
	if (currency_digits(*out, strlen(*out)) < 0)
		return column_damaged(column, *out);
	return 0;
}

const char *
ledger_column_str(sqlite3_stmt *st, int i, struct arena *a)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return s != NULL ? arena_strndup(a, (const char *)s, (size_t)sqlite3_column_bytes(st, i)) :
	    NULL;
}

static int
exec_sql(struct ledger *l, const char *sql)
{
	char *err = NULL;

	if (sqlite3_exec(l->db, sql, NULL, NULL, &err) != SQLITE_OK) {
		log_error("ledger %s: %s", l->path, err != NULL ? err : sqlite3_errmsg(l->db));
		sqlite3_free(err);
		return -1;
	}
	return 0;
}

struct check_result {
	struct buf text;
	int rows;
};

static int
check_row(sqlite3_stmt *st, void *ctx)
{
	struct check_result *r = ctx;
	const char *msg = (const char *)sqlite3_column_text(st, 0);

	if (r->rows++ < 5)
		buf_printf(&r->text, "%s%s", r->text.len ? "; " : "", msg != NULL ? msg : "");
	return 0;
}

int
ledger_quick_check(struct ledger *l)
{
	struct check_result r = { { 0 }, 0 };
	int n = ledger_query(l, "PRAGMA quick_check", check_row, &r, "");
	int ret = n == 1 && strcmp(buf_str(&r.text), "ok") == 0 ? 0 : -1;

	if (ret != 0)
		log_error("the ledger %s is damaged (SQLite quick_check: %s); stop, and restore it "
		    "from a backup or rebuild it with sluice replay of the archive", l->path,
		    n < 0 ? sqlite3_errmsg(l->db) : buf_str(&r.text));
	buf_free(&r.text);
	return ret;
}

int
ledger_schema_latest(void)
{
	int n = 0;

	while (ledger_migrations[n] != NULL)
		n++;
	return n;
}

int
ledger_schema_version(struct ledger *l)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(l->db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Applies each migration newer than the ledger's version, each in its own
 * transaction together with the version bump.  The version is read again
 * under the write lock: another sluice opening the ledger at the same time
 * may have applied the migration meanwhile. */
static int
migrate(struct ledger *l)
{
	int version = ledger_schema_version(l), latest = ledger_schema_latest();

	if (version < 0)
		return ledger_fail(l, "reading the schema version");
	if (version > latest) {
		log_error("ledger %s has schema version %d, newer than this sluice knows (%d); "
		    "use a newer sluice", l->path, version, latest);
		return -2;
	}
	for (int v = version; v < latest; v++) {
		char bump[64];

		snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", v + 1);
		if (exec_sql(l, "BEGIN IMMEDIATE") != 0)
			return -1;
		if (ledger_schema_version(l) > v) {
			if (exec_sql(l, "ROLLBACK") != 0)
				return -1;
			continue;
		}
		if (exec_sql(l, ledger_migrations[v]) != 0 || exec_sql(l, bump) != 0) {
			exec_sql(l, "ROLLBACK");
			log_error("ledger %s: migration to schema version %d failed", l->path, v + 1);
			return -1;
		}
		if (exec_sql(l, "COMMIT") != 0)
			return -1;
		if (strcmp(l->path, ":memory:") != 0)
			log_info("ledger %s: migrated to schema version %d", l->path, v + 1);
	}
	return 0;
}

/* The files SQLite keeps a ledger in: the ledger, and in WAL mode its
 * -wal and -shm files beside it. */
static const char *const ledger_files[] = { "", "-wal", "-shm" };

/* Says why this user cannot open the ledger when permissions are the
 * reason: it may not read the ledger, its -wal or its -shm file, or those
 * two are missing from a folder where it may not make them (SQLite needs
 * them to read a ledger in WAL mode; a sluice of this version keeps them,
 * as readable as the ledger, once it has opened it).  Returns whether it
 * said so. */
static bool
explain_denied(const struct ledger *l)
{
	char *missing = NULL, *why = NULL;
	bool said;

	for (size_t i = 0; i < NELEM(ledger_files) && why == NULL; i++) {
		char *path = xasprintf("%s%s", l->path, ledger_files[i]);
		int err = faccessat(AT_FDCWD, path, R_OK, AT_EACCESS) == 0 ? 0 : errno;

		if (err == EACCES)
			why = denied_text("read", path);
		else if (i > 0 && err == ENOENT && missing == NULL) {
			missing = path;
			continue;
		}
		free(path);
	}
	if (why != NULL)
		log_error("%s", why);
	else if (missing != NULL) {
		const char *slash = strrchr(l->path, '/');
		char *folder = slash == NULL ? xstrdup(".") : slash == l->path ? xstrdup("/") :
		    xstrndup(l->path, (size_t)(slash - l->path));
		char sudo[USER_SIZE + 16];
		struct stat st;

		if (faccessat(AT_FDCWD, folder, W_OK, AT_EACCESS) != 0 && stat(l->path, &st) == 0) {
			why = denied_text("write in", folder);
			log_error("the ledger %s has no %s beside it, which SQLite needs to read it, "
			    "and %s: any command of this sluice run once by the ledger's owner makes it "
			    "and keeps it (%s sluice status)", l->path, missing, why,
			    sudo_as(st.st_uid, sudo, sizeof sudo));
		}
		free(folder);
	}
	said = why != NULL;
	free(missing);
	free(why);
	return said;
}

/* What the last failure on l is: the ledger's own (LEDGER_ITSELF), or
 * the machine's or the user's (no permission, a read-only file or folder,
 * a failed disk, a lock held too long, no memory): a user that may not
 * read the ledger is told why (ENVIRONMENT_SAID), the rest is left to the
 * caller's message (ENVIRONMENT). */
enum failure { LEDGER_ITSELF, ENVIRONMENT, ENVIRONMENT_SAID };

static enum failure
failure_of(struct ledger *l)
{
	switch (sqlite3_errcode(l->db) & 0xff) {
	case SQLITE_READONLY:
		if (!explain_denied(l))
			log_error("ledger %s: this user cannot write the ledger or beside it, as "
			    "SQLite needs to read it while no sluice has it open; run this as the "
			    "spool's owner", l->path);
		return ENVIRONMENT_SAID;
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
		return explain_denied(l) ? ENVIRONMENT_SAID : ENVIRONMENT;
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_NOMEM:
		return ENVIRONMENT;
	default:
		return LEDGER_ITSELF;
	}
}

#define BUSY_MS 10000
/* The size a ledger's -wal file is cut back to once it is used again from
 * the start (PRAGMA journal_size_limit). */
#define WAL_KEPT_BYTES "67108864"

/* Puts the ledger in WAL mode, which the file keeps (a ledger in memory
 * keeps its own).  Changing the mode needs the ledger to itself, and
 * SQLite's busy handler does not wait for that: another sluice opening a
 * new ledger at the same moment is waited for here, up to BUSY_MS. */
static int
use_wal(struct ledger *l)
{
	for (int waited = 0;; waited += 10) {
		int rc = sqlite3_exec(l->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);

		if (rc == SQLITE_OK)
			return 0;
		if ((rc & 0xff) != SQLITE_BUSY || waited >= BUSY_MS)
			return ledger_fail(l, "setting the journal mode to WAL");
		sqlite3_sleep(10);
	}
}

/* Opens the connection of l to l->path with flags.  It keeps the -wal
 * and -shm files when it closes, so that whoever may read the ledger can
 * read it when no sluice has it open (SQLite cannot read a ledger in WAL
 * mode without them, and only a user who may write in its folder can
 * make them).  0, or -1 (logged). */
static int
open_connection(struct ledger *l, int flags, const char *purpose)
{
	static bool configured;
	int keep = 1;

	/* before SQLite is first used: one thread at a time uses it, so it
	 * takes no mutex at all (every open is NOMUTEX too), nor keeps
	 * memory statistics, which take one per allocation */
	if (!configured) {
		configured = true;
		if (sqlite3_config(SQLITE_CONFIG_SINGLETHREAD) != SQLITE_OK ||
		    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
			log_warn("SQLite was initialized before sluice configured it");
	}
	if (sqlite3_open_v2(l->path, &l->db, flags, NULL) != SQLITE_OK) {
		log_error("cannot open the ledger %s%s: %s", l->path, purpose,
		    l->db != NULL ? sqlite3_errmsg(l->db) : "out of memory");
		if (l->db != NULL)
			explain_denied(l);
		return -1;
	}
	sqlite3_extended_result_codes(l->db, 1);
	sqlite3_busy_timeout(l->db, BUSY_MS);
	if (sqlite3_file_control(l->db, "main", SQLITE_FCNTL_PERSIST_WAL, &keep) != SQLITE_OK &&
	    strcmp(l->path, ":memory:") != 0)
		return ledger_fail(l, "keeping the -wal and -shm files");
	return 0;
}

int
ledger_open(const char *path, bool create, bool synchronous_full, struct ledger **out)
{
	struct ledger *l = xcalloc(1, sizeof *l);
	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (create ? SQLITE_OPEN_CREATE : 0);
	int ret = -1;

	l->path = xstrdup(path);
	if (open_connection(l, flags, "") != 0)
		goto fail;
	/* SQLite opens a file this user may only read to read it only */
	if (sqlite3_db_readonly(l->db, "main") == 1) {
		int err = faccessat(AT_FDCWD, path, W_OK, AT_EACCESS) == 0 ? 0 : errno;
		char *why = err == EACCES ? denied_text("write the ledger", path) : NULL;

		if (why != NULL)
			log_error("%s: run this as the ledger's owner", why);
		else
			log_error("cannot write the ledger %s: %s", path,
			    err != 0 ? strerror(err) : "SQLite opened it to read only");
		free(why);
		goto fail;
	}
	if (use_wal(l) != 0 ||
	    /* the -wal file kept is cut back to nothing when the ledger is
	     * closed, and to this once it is used again from the start */
	    exec_sql(l, "PRAGMA journal_size_limit = " WAL_KEPT_BYTES) != 0 ||
	    exec_sql(l, synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL") != 0 ||
	    /* references are kept by this module; enforcing them in SQLite
	     * costs a quarter of bulk ingest, so the test suite checks them
	     * (PRAGMA foreign_key_check) instead */
	    exec_sql(l, "PRAGMA foreign_keys = OFF") != 0 ||
	    (ret = migrate(l)) != 0) {
		if (ret != -2 && failure_of(l) == LEDGER_ITSELF)
			ret = -2;
		goto fail;
	}
	*out = l;
	return 0;
fail:
	ledger_close(l);
	return ret;
}

int
ledger_open_read(const char *path, struct ledger **out)
{
	struct ledger *l = xcalloc(1, sizeof *l);
	int version, ret = -1;

	/* read-write where the user may write, so that quick_check checks
	 * the CHECK constraints too (SQLite skips them on a read-only
	 * connection), with every write refused; SQLite falls back to
	 * read-only where the user may only read */
	l->path = xstrdup(path);
	if (open_connection(l, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, " to read it") != 0)
		goto fail;
	if (exec_sql(l, "PRAGMA query_only = ON") != 0 || (version = ledger_schema_version(l)) < 0) {
		enum failure f = failure_of(l);

		if (f == LEDGER_ITSELF)
			ret = -2;
		if (f != ENVIRONMENT_SAID)
			log_error("cannot read the ledger %s: %s", path, sqlite3_errmsg(l->db));
		goto fail;
	}
	if (version < ledger_schema_latest() && !sqlite3_db_readonly(l->db, "main")) {
		ret = -3;
		goto fail;
	}
	if (version != ledger_schema_latest()) {
		log_error("the ledger %s has schema version %d and this sluice reads version %d: "
		    "%s", path, version, ledger_schema_latest(), version < ledger_schema_latest() ?
		    "start the daemon (or any writing command) as the spool's owner to upgrade it" :
		    "use a newer sluice");
		goto fail;
	}
	*out = l;
	return 0;
fail:
	ledger_close(l);
	return ret;
}

void
ledger_close(struct ledger *l)
{
	if (l == NULL)
		return;
	for (size_t i = 0; i < l->nstmts; i++)
		sqlite3_finalize(l->stmts[i].st);
	if (l->db != NULL && sqlite3_close(l->db) != SQLITE_OK)
		log_warn("ledger %s: close: %s", l->path, sqlite3_errmsg(l->db));
	free(l->path);
	free(l->actor);
	free(l->input_actor);
	free(l);
}

void
ledger_set_actor(struct ledger *l, const char *actor)
{
	free(l->actor);
	l->actor = actor != NULL ? xstrdup(actor) : NULL;
}

void
ledger_set_input_actor(struct ledger *l, const char *actor)
{
	free(l->input_actor);
	l->input_actor = actor != NULL ? xstrdup(actor) : NULL;
}

static int
simple(struct ledger *l, const char *sql)
{
	return ledger_exec_stmt(l, ledger_stmt(l, sql));
}

int
ledger_begin(struct ledger *l)
{
	return simple(l, "BEGIN IMMEDIATE");
}

int
ledger_commit(struct ledger *l)
{
	return simple(l, "COMMIT");
}

int
ledger_rollback(struct ledger *l)
{
	return simple(l, "ROLLBACK");
}

int
ledger_savepoint(struct ledger *l)
{
	return simple(l, "SAVEPOINT input");
}

int
ledger_release(struct ledger *l)
{
	return simple(l, "RELEASE input");
}

int
ledger_rollback_savepoint(struct ledger *l)
{
	/* ROLLBACK TO keeps the savepoint open; release it too */
	if (simple(l, "ROLLBACK TO input") != 0)
		return -1;
	return ledger_release(l);
}

void
ledger_input_clear(struct input_row *row)
{
	arena_free(&row->arena);
	memset(row, 0, sizeof *row);
}

int
ledger_input_insert(struct ledger *l, struct input_row *row)
{
	if (ledger_run(l, "INSERT INTO inputs (work_name, name, kind, sha256, size, received_ns,"
	    " status, records, processed_at, error_count, filed_as)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", "ssssiisisis", row->work_name, row->name,
	    row->kind, row->sha256, row->size, row->received_ns, input_status_name(row->status),
	    row->records, row->processed_at, row->error_count, row->filed_as) != 0)
		return -1;
	row->id = sqlite3_last_insert_rowid(l->db);
	return 0;
}

int
ledger_input_finish(struct ledger *l, int64_t id, enum input_status status, int64_t records,
    int64_t error_count, const char *filed_as)
{
	return ledger_run(l, "UPDATE inputs SET status = ?, records = ?, error_count = ?,"
	    " filed_as = ?, link_expires_ns = NULL WHERE id = ?", "siisi", input_status_name(status), records, error_count,
	    filed_as, id);
}

int
ledger_input_touch(struct ledger *l, int64_t id, const char *processed_at)
{
	return ledger_run(l, "UPDATE inputs SET processed_at = ? WHERE id = ?", "si", processed_at, id);
}

int
ledger_input_error_add(struct ledger *l, int64_t input_id, int seq, const struct error_item *e)
{
	return ledger_run(l, "INSERT INTO input_errors (input_id, seq, line, field, code, message)"
	    " VALUES (?, ?, ?, ?, ?, ?)", "iiisss", input_id, (int64_t)seq, (int64_t)e->line,
	    e->field, err_code_name(e->code), e->message);
}

int
ledger_input_set_errors(struct ledger *l, int64_t input_id, struct errlist *errs)
{
	int seq = 0;

	errlist_sort(errs);
	if (ledger_run(l, "DELETE FROM input_errors WHERE input_id = ?", "i", input_id) != 0)
		return -1;
	for (size_t i = 0; i < errs->n; i++)
		if (ledger_input_error_add(l, input_id, seq++, &errs->items[i]) != 0)
			return -1;
	if (errs->more > 0) {
		char msg[128];
		struct error_item e = { .line = 0, .field = NULL, .code = ERR_TOO_MANY_ERRORS,
			.message = msg };

		snprintf(msg, sizeof msg, "%zu more errors were found and are not listed",
		    errs->more);
		if (ledger_input_error_add(l, input_id, seq, &e) != 0)
			return -1;
	}
	return 0;
}

int
ledger_input_seen(struct ledger *l, const char *sha256, int64_t *records)
{
	int n = ledger_query(l, "SELECT records FROM inputs WHERE sha256 = ?"
	    " AND status IN ('accepted', 'duplicate') ORDER BY id LIMIT 1", ledger_int_row, records,
	    "s", sha256);

	return n < 0 ? -1 : n > 0;
}

#define INPUT_COLUMNS "id, work_name, name, kind, sha256, size, received_ns, status, records," \
	" processed_at, error_count, filed_as, link_expires_ns"
/* The first column after INPUT_COLUMNS. */
#define INPUT_NCOLUMNS 13

/* Reads an input's row, its strings into arena a.  0, or -1 (logged) when
 * its status is none sluice knows. */
static int
input_from_row(sqlite3_stmt *st, struct input_row *out, struct arena *a)
{
	int status;

	if (ledger_column_enum(st, 7, &input_status_names, "inputs.status", &status) != 0)
		return -1;
	out->status = (enum input_status)status;
	out->id = sqlite3_column_int64(st, 0);
	out->work_name = ledger_column_str(st, 1, a);
	out->name = ledger_column_str(st, 2, a);
	out->kind = ledger_column_str(st, 3, a);
	out->sha256 = ledger_column_str(st, 4, a);
	out->size = sqlite3_column_int64(st, 5);
	out->received_ns = sqlite3_column_int64(st, 6);
	out->records = sqlite3_column_int64(st, 8);
	out->processed_at = ledger_column_str(st, 9, a);
	out->error_count = sqlite3_column_int64(st, 10);
	out->filed_as = ledger_column_str(st, 11, a);
	out->link_expires_ns = sqlite3_column_int64(st, 12);
	return 0;
}

static int
input_row_cb(sqlite3_stmt *st, void *ctx)
{
	struct input_row *row = ctx;

	return input_from_row(st, row, &row->arena);
}

int
ledger_input_get(struct ledger *l, int64_t id, struct input_row *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " INPUT_COLUMNS " FROM inputs WHERE id = ?", input_row_cb,
	    out, "i", id);
	return n < 0 ? -1 : n > 0;
}

int
ledger_input_by_work_name(struct ledger *l, const char *work_name, struct input_row *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " INPUT_COLUMNS " FROM inputs WHERE work_name = ?",
	    input_row_cb, out, "s", work_name);
	return n < 0 ? -1 : n > 0;
}

int
ledger_input_latest(struct ledger *l, const char *kind, const char *name, int64_t *received_ns)
{
	*received_ns = 0;
	return ledger_query(l, "SELECT max(received_ns) FROM inputs WHERE name = ? AND kind = ?",
	    ledger_int_row, received_ns, "ss", name, kind) < 0 ? -1 : 0;
}

static int
input_list_add(sqlite3_stmt *st, void *ctx)
{
	struct input_list *list = ctx;

	list->rows = xgrow(list->rows, &list->n, sizeof *list->rows);
	return input_from_row(st, &list->rows[list->n - 1], &list->arena);
}

int
ledger_inputs_named(struct ledger *l, const char *name, struct input_list *out)
{
	memset(out, 0, sizeof *out);
	if (ledger_query(l, "SELECT " INPUT_COLUMNS " FROM inputs WHERE name = ?"
	    " ORDER BY received_ns DESC, id DESC", input_list_add, out, "s", name) < 0) {
		ledger_inputs_free(out);
		return -1;
	}
	return 0;
}

void
ledger_inputs_free(struct input_list *list)
{
	free(list->rows);
	arena_free(&list->arena);
	memset(list, 0, sizeof *list);
}

/* Reads an error lent to a callback: its strings are the row's. */
static void
error_from_row(sqlite3_stmt *st, int col, struct error_item *e)
{
	const char *code = (const char *)sqlite3_column_text(st, col + 2);

	e->line = sqlite3_column_int64(st, col);
	e->field = (const char *)sqlite3_column_text(st, col + 1);
	e->code = ERR__COUNT;
	for (int c = 0; c < ERR__COUNT && code != NULL; c++)
		if (strcmp(err_code_name((enum err_code)c), code) == 0)
			e->code = (enum err_code)c;
	e->message = (const char *)sqlite3_column_text(st, col + 3);
}

int
ledger_input_errors(struct ledger *l, int64_t input_id,
    int (*fn)(void *ctx, const struct error_item *e), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT line, field, code, message FROM input_errors WHERE input_id = ? ORDER BY seq");
	int rc, ret = 0;

	sqlite3_bind_int64(st, 1, input_id);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct error_item e;

		error_from_row(st, 0, &e);
		ret = fn(ctx, &e);
	}
	return ledger_rows_end(l, st, rc, ret, "reading an input's errors");
}

int
ledger_input_counts(struct ledger *l, struct input_counts *out)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT status, count(*) FROM inputs GROUP BY status");
	int rc;

	int64_t *count[] = { [INPUT_NONE] = NULL, [INPUT_ACCEPTED] = &out->accepted,
		[INPUT_DUPLICATE] = &out->duplicate, [INPUT_DEFERRED] = &out->deferred,
		[INPUT_REJECTED] = &out->rejected };

	int status, ret = 0;

	memset(out, 0, sizeof *out);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ret = ledger_column_enum(st, 0, &input_status_names, "inputs.status", &status);
		if (ret == 0 && count[status] != NULL)
			*count[status] = sqlite3_column_int64(st, 1);
	}
	return ledger_rows_end(l, st, rc, ret, "counting inputs");
}

/* Steps st, a query of INPUT_COLUMNS followed by an input's first error
 * (line, field, code, message), calling fn for each row; what names the
 * query in a failure's message.  0, -1, or fn's -1. */
static int
inputs_with_error(struct ledger *l, sqlite3_stmt *st,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx,
    const char *what)
{
	int rc, ret = 0;

	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct input_row in = { 0 };
		struct error_item e;

		if (input_from_row(st, &in, &in.arena) != 0) {
			ret = -1;
		} else {
			error_from_row(st, INPUT_NCOLUMNS, &e);
			ret = fn(ctx, &in,
			    sqlite3_column_type(st, INPUT_NCOLUMNS + 2) == SQLITE_NULL ? NULL : &e);
		}
		ledger_input_clear(&in);
	}
	return ledger_rows_end(l, st, rc, ret, what);
}

int
ledger_recent_rejections(struct ledger *l, int limit,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT " INPUT_COLUMNS ", e.line, e.field, e.code, e.message FROM inputs"
	    " LEFT JOIN input_errors e ON e.input_id = inputs.id AND e.seq = 0"
	    " WHERE status = 'rejected' ORDER BY id DESC LIMIT ?");

	sqlite3_bind_int(st, 1, limit);
	return inputs_with_error(l, st, fn, ctx, "listing rejections");
}

int
ledger_input_set_link_expiry(struct ledger *l, int64_t id, int64_t link_expires_ns)
{
	sqlite3_stmt *st = ledger_stmt(l, "UPDATE inputs SET link_expires_ns = ? WHERE id = ?");

	if (link_expires_ns != 0)
		sqlite3_bind_int64(st, 1, link_expires_ns);
	else
		sqlite3_bind_null(st, 1);
	sqlite3_bind_int64(st, 2, id);
	return ledger_exec_stmt(l, st);
}

int
ledger_inputs_each(struct ledger *l, const struct input_filter *f,
    int (*fn)(void *ctx, const struct input_row *in, const struct error_item *first), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT " INPUT_COLUMNS ", e.line, e.field, e.code, e.message FROM inputs"
	    " LEFT JOIN input_errors e ON e.input_id = inputs.id AND e.seq = 0"
	    " WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR kind = ?2)"
	    " AND received_ns >= ?3 ORDER BY inputs.id");

	ledger_bind_text(st, 1, f->status);
	ledger_bind_text(st, 2, f->kind);
	sqlite3_bind_int64(st, 3, f->since_ns);
	return inputs_with_error(l, st, fn, ctx, "listing inputs");
}

int
ledger_input_newest(struct ledger *l, const char *kind, const char *name, struct input_row *out)
{
	int n;

	memset(out, 0, sizeof *out);
	n = ledger_query(l, "SELECT " INPUT_COLUMNS " FROM inputs WHERE name = ? AND kind = ?"
	    " ORDER BY received_ns DESC, id DESC LIMIT 1", input_row_cb, out, "ss", name, kind);
	return n < 0 ? -1 : n > 0;
}

struct receipt_row {
	char *path;
	bool published;
};

static int
receipt_row(sqlite3_stmt *st, void *ctx)
{
	struct receipt_row *r = ctx;

	r->path = ledger_column_dup(st, 0);
	r->published = sqlite3_column_int(st, 1) != 0;
	return 0;
}

int
ledger_input_receipt(struct ledger *l, int64_t id, char **path, bool *published)
{
	struct receipt_row r = { NULL, false };
	int n = ledger_query(l, "SELECT path, published FROM outbox WHERE doc = 'receipt'"
	    " AND ref = ? ORDER BY id DESC LIMIT 1", receipt_row, &r, "i", id);

	*path = r.path;
	*published = r.published;
	return n < 0 ? -1 : n > 0;
}

int
ledger_input_records(struct ledger *l, int64_t id,
    int (*fn)(void *ctx, const char *kind, const char *record_id, const char *order_number),
    void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT 'orders', order_number, order_number FROM orders WHERE input_id = ?1"
	    " UNION ALL SELECT kind, record_id, order_number FROM records WHERE input_id = ?1");
	int rc, ret = 0;

	sqlite3_bind_int64(st, 1, id);
	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ret = fn(ctx, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1), (const char *)sqlite3_column_text(st, 2));
	return ledger_rows_end(l, st, rc, ret, "reading an input's records");
}

int
ledger_journal_add(struct ledger *l, const char *order_number, const char *type,
    int64_t input_id, const char *command, const char *at, const char *detail)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "INSERT INTO journal (at, order_number, type, input_id, command, detail, actor)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?)");

	ledger_bind_text(st, 1, at);
	ledger_bind_text(st, 2, order_number);
	ledger_bind_text(st, 3, type);
	if (input_id > 0)
		sqlite3_bind_int64(st, 4, input_id);
	else
		sqlite3_bind_null(st, 4);
	ledger_bind_text(st, 5, command);
	ledger_bind_text(st, 6, detail);
	ledger_bind_text(st, 7, command != NULL ? l->actor : l->input_actor);
	return ledger_exec_stmt(l, st);
}

/* Steps st, a query of a journal event's seq, at, type, source, detail
 * and actor, calling fn for each.  0, -1, or fn's -1. */
static int
journal_events(struct ledger *l, sqlite3_stmt *st,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx)
{
	int rc, ret = 0;

	while (ret == 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct journal_event e = {
			.seq = sqlite3_column_int64(st, 0),
			.at = (const char *)sqlite3_column_text(st, 1),
			.type = (const char *)sqlite3_column_text(st, 2),
			.source = (const char *)sqlite3_column_text(st, 3),
			.detail = (const char *)sqlite3_column_text(st, 4),
			.by = (const char *)sqlite3_column_text(st, 5),
		};

		ret = fn(ctx, &e);
	}
	return ledger_rows_end(l, st, rc, ret, "reading the journal");
}

int
ledger_journal_for_order(struct ledger *l, const char *order_number,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT j.seq, j.at, j.type, coalesce(i.name || ' (sha256 ' || i.sha256 || ')',"
	    " j.command, ''), j.detail, j.actor FROM journal j LEFT JOIN inputs i ON i.id = j.input_id"
	    " WHERE j.order_number = ? ORDER BY j.seq");

	ledger_bind_text(st, 1, order_number);
	return journal_events(l, st, fn, ctx);
}

int
ledger_journal_for_input(struct ledger *l, int64_t input_id,
    int (*fn)(void *ctx, const struct journal_event *e), void *ctx)
{
	/* such events have no order: the index of orders finds them */
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT seq, at, type, command, detail, actor FROM journal WHERE order_number IS NULL"
	    " AND input_id = ? AND command IS NOT NULL ORDER BY seq");

	sqlite3_bind_int64(st, 1, input_id);
	return journal_events(l, st, fn, ctx);
}

int
ledger_outbox_add(struct ledger *l, const char *path, const char *doc, int64_t ref)
{
	return ledger_run(l, "INSERT INTO outbox (path, doc, ref) VALUES (?, ?, ?)", "ssi", path,
	    doc, ref);
}

int
ledger_outbox_pending(struct ledger *l, struct outbox_list *out)
{
	sqlite3_stmt *st = ledger_stmt(l,
	    "SELECT id, path, doc, ref FROM outbox WHERE published = 0 ORDER BY id");
	size_t cap = 0;
	int rc;

	memset(out, 0, sizeof *out);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct outbox_row *row;

		out->rows = xreserve(out->rows, out->n, &cap, 16, sizeof *out->rows);
		row = &out->rows[out->n++];
		row->id = sqlite3_column_int64(st, 0);
		row->path = ledger_column_str(st, 1, &out->arena);
		row->doc = ledger_column_str(st, 2, &out->arena);
		row->ref = sqlite3_column_int64(st, 3);
	}
	if (ledger_rows_end(l, st, rc, 0, "reading the outbox") != 0) {
		ledger_outbox_free(out);
		return -1;
	}
	return 0;
}

void
ledger_outbox_free(struct outbox_list *list)
{
	free(list->rows);
	arena_free(&list->arena);
	memset(list, 0, sizeof *list);
}

int
ledger_outbox_move(struct ledger *l, int64_t id, const char *path)
{
	return ledger_run(l, "UPDATE outbox SET path = ? WHERE id = ?", "si", path, id);
}

int
ledger_outbox_mark(struct ledger *l, int64_t id)
{
	return ledger_run(l, "UPDATE outbox SET published = 1 WHERE id = ?", "i", id);
}
