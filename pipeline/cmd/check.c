/* SPDX-License-Identifier: ISC */
/*
 * sluice check [--kind KIND] FILE...: run files through every stage
 * against the ledger, inside a transaction that is rolled back, and print
 * every error.  Nothing is applied, moved or written.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/process.h"
#include "stages/detect.h"

static int check_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_check_entry = {
	.name = "check",
	.summary = "validate files against schema and ledger without applying them",
	.usage = "sluice check [--kind KIND] FILE...",
	.help =
	    "Validates each FILE against its kind's schema and the ledger (an order\n"
	    "number already used, ...) as if it were processed now, and prints every\n"
	    "error as FILE:LINE: FIELD: CODE: MESSAGE.  Nothing is applied.  The kind is\n"
	    "taken from --kind, else from the folder the file is in (in/orders/...), else\n"
	    "from its content.  A file that would wait (deferred) is printed with what\n"
	    "it would wait for.  Exits 1 when any file would be rejected.\n",
	.kind_option = true,
	.args_min = 1,
	.args_max = -1,
	.exec = check_exec,
};

/* Prints the outcome, and every error (or, for a file that would wait,
 * what it would wait for). */
static void
print_outcome(const char *path, const struct outcome *o)
{
	const struct errlist *l = o->status == INPUT_DEFERRED ? &o->defers : &o->errs;

	printf("%s: %s (%lld record%s)\n", path, input_status_name(o->status), (long long)o->records,
	    o->records == 1 ? "" : "s");
	for (size_t i = 0; i < l->n; i++) {
		const struct error_item *e = &l->items[i];

		printf("%s:%ld: %s%s%s: %s\n", path, e->line, e->field != NULL ? e->field : "",
		    e->field != NULL ? ": " : "", err_code_name(e->code), e->message);
	}
	if (l->more > 0)
		printf("%s: %zu more %s\n", path, l->more,
		    o->status == INPUT_DEFERRED ? "reasons" : "errors");
}

static int
check_file(struct processor *p, const char *path, int kind, int seq)
{
	const char *base = strrchr(path, '/');
	char work[64];
	struct input_file in = { 0 };
	struct outcome o;
	int ret;

	snprintf(work, sizeof work, "check-%d-%lld", seq, (long long)now_ns());
	in.kind = (enum kind)kind;
	in.name = base != NULL ? base + 1 : path;
	in.work_name = work;
	in.received_ns = now_ns();
	in.fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	in.open_errno = errno;
	in.denied = in.fd < 0 && (errno == EACCES || errno == EPERM);
	if (in.fd < 0 && !in.denied) {
		/* no such file, ...: nothing to check (a claimed input that cannot be
		 * opened waits; a path named here is simply reported) */
		printf("%s: cannot be opened: %s\n", path, strerror(in.open_errno));
		return 1;
	}
	if (in.fd >= 0) {
		struct stat st;

		if (fstat(in.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
			close(in.fd);
			in.fd = -1;
			in.not_regular = true;
		} else
			fcntl(in.fd, F_SETFL, 0);
	}
	outcome_init(&o, (size_t)p->conf->max_errors);
	ret = process_check(p, &in, &o);
	if (in.fd >= 0)
		close(in.fd);
	if (ret == 0) {
		print_outcome(path, &o);
		ret = o.status == INPUT_REJECTED ? 1 : 0;
	}
	outcome_free(&o);
	return ret;
}

static int
check_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct ledger *l;
	struct processor p;
	struct stat st;
	int status = EXIT_OK;

	/* without a ledger, check against an empty one */
	if (ledger_open(stat(a->ledger_path, &st) == 0 ? a->ledger_path : ":memory:", false,
	    false, &l) != 0)
		return EXIT_SOFTWARE;
	(void)processor_init(&p, l, &a->conf, a->spool_path, false);   /* warns */
	p.dry_run = true;
	for (int i = 0; i < args->argc && status != EXIT_SOFTWARE; i++) {
		const char *path = args->argv[i];
		int kind = args->kind != NULL ? (int)args->kind->kind : detect_kind(path);

		if (kind < 0) {
			fprintf(stderr, "%s: cannot tell which kind of input this is; use --kind\n",
			    path);
			status = EXIT_FAILED;
			continue;
		}
		switch (check_file(&p, path, kind, i + 1)) {
		case 0:
			break;
		case 1:
			status = EXIT_FAILED;
			break;
		default:
			status = EXIT_SOFTWARE;
		}
	}
	processor_free(&p);
	ledger_close(l);
	return status;
}
