/* SPDX-License-Identifier: ISC */
/* sluice init: create the spool layout and the ledger (idempotent). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/outbox.h"
#include "pipeline/process.h"
#include "base/token.h"
#include "stages/template.h"

static int init_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_init_entry = {
	.name = "init",
	.summary = "create the spool folders and the ledger (idempotent)",
	.usage = "sluice init",
	.help =
	    "Creates every folder of the spool and the ledger, the secret that signs\n"
	    "payment link tokens (link.secret, mode 0600) and the default invoice\n"
	    "template (templates/default.conf with its logo), or whatever of them is\n"
	    "missing; running it again changes nothing.  The folders of in/ and out/\n"
	    "get in_mode and out_mode; the rest is closed to other users.  A spool of\n"
	    "an earlier version is brought up to date (its receipts move into the\n"
	    "folders of their kinds).\n",
	.args_max = 0,
	.flags = CMD_MAKES_OWN,
	.exec = init_exec,
};

/* Writes path with data unless it exists; 0, or -1 (logged). */
static int
install(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);

	if (fd < 0)
		return errno == EEXIST ? 0 : (log_error("cannot create %s: %s", path, strerror(errno)), -1);
	if (write(fd, data, len) != (ssize_t)len || fsync(fd) != 0) {
		log_error("cannot write %s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		return -1;
	}
	close(fd);
	return 0;
}

/* The link secret and the default template. */
static int
install_documents(struct app *a)
{
	char *secret = processor_secret_path(&a->conf, a->spool_path);
	char *dir = processor_templates_dir(&a->conf, a->spool_path);
	char *conf = xasprintf("%s/default.conf", dir), *logo = xasprintf("%s/logo.png", dir);
	const unsigned char *png;
	size_t png_size;
	struct buf key = { 0 }, why = { 0 };
	int ret = -1;

	if (token_secret_create(secret) < 0)
		goto out;
	if (token_secret_load(secret, &key, &why) != 0) {
		log_error("%s; replace it with a new one (remove it and run sluice init again)",
		    buf_str(&why));
		goto out;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		log_error("cannot create %s: %s", dir, strerror(errno));
		goto out;
	}
	png = template_default_logo(&png_size);
	if (strcmp(a->conf.default_template, "default") == 0 &&
	    (install(conf, template_default_text(), strlen(template_default_text())) != 0 ||
	    install(logo, png, png_size) != 0))
		goto out;
	ret = 0;
out:
	buf_free(&key);
	buf_free(&why);
	free(secret);
	free(dir);
	free(conf);
	free(logo);
	return ret;
}

/* Takes every permission of other users, and the group's write, from the
 * ledger and its -wal and -shm files (made before sluice set its umask). */
static int
ledger_private(const char *ledger)
{
	static const char *const suffixes[] = { "", "-wal", "-shm" };
	int ret = 0;

	for (size_t i = 0; i < NELEM(suffixes); i++) {
		char *path = xasprintf("%s%s", ledger, suffixes[i]);
		struct stat st;

		if (stat(path, &st) == 0 && (st.st_mode & 027) != 0 &&
		    chmod(path, st.st_mode & 07750) != 0) {
			log_error("cannot set the mode of %s: %s", path, strerror(errno));
			ret = -1;
		}
		free(path);
	}
	return ret;
}

/* Brings an earlier version's spool up to date, unless a running sluice
 * holds it (which did so when it started). */
static int
upgrade(struct app *a, struct spool *sp, struct ledger *l)
{
	struct buf no_secret = { 0 };
	struct render_ctx r = { l, &a->conf, &no_secret };
	long holder;

	if (spool_lock(sp, &holder) != 0) {
		log_info("the spool %s is in use by another sluice (pid %ld), which keeps it up to date",
		    a->spool_path, holder);
		return 0;
	}
	return outbox_upgrade(&r, sp);
}

static int
init_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	int status = EXIT_SOFTWARE;

	if (app_open(a, true, &sp, &l) != 0)
		return EXIT_SOFTWARE;
	if (install_documents(a) == 0 && ledger_private(a->ledger_path) == 0 &&
	    upgrade(a, sp, l) == 0) {
		printf("spool %s ready (ledger %s, schema version %d)\n", a->spool_path,
		    a->ledger_path, ledger_schema_version(l));
		status = EXIT_OK;
	}
	ledger_close(l);
	spool_close(sp);
	return status;
}
