/* SPDX-License-Identifier: ISC */
/* sluice retry: the running daemon tries the deferred inputs again now. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"

static int retry_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_retry_entry = {
	.name = "retry",
	.summary = "have the running daemon try the deferred inputs again now",
	.usage = "sluice retry",
	.help =
	    "Sends SIGUSR1 to the daemon that holds the spool (the pid in its .lock, once\n"
	    "it is sure that process holds the lock): it tries every deferred input again\n"
	    "at once, instead of at its next pass (a new file, or every scan_interval).\n"
	    "A deferred input past its expiry is rejected then.  With no daemon running\n"
	    "it says so and exits 1: sluice run --once tries them.\n",
	.args_max = 0,
	.flags = CMD_MAKES_OWN,
	.exec = retry_exec,
};

static int
retry_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	long pid;
	int rc, status = EXIT_FAILED;

	if (spool_open(a->spool_path, false, &a->modes, &sp) != 0)
		return EXIT_SOFTWARE;
	rc = spool_lock_holder(sp, &pid);
	if (rc == 0 && pid > 0)
		fprintf(stderr, "sluice: no daemon runs on %s (its .lock names pid %ld, which does "
		    "not hold it any more); sluice run --once tries the deferred inputs\n",
		    a->spool_path, pid);
	else if (rc == 0)
		fprintf(stderr, "sluice: no daemon runs on %s; sluice run --once tries the deferred "
		    "inputs\n", a->spool_path);
	else if (rc == 2)
		fprintf(stderr, "sluice: a sluice that has just started holds %s; try again in a "
		    "moment\n", a->spool_path);
	else if (rc == 1 && kill((pid_t)pid, SIGUSR1) != 0)
		log_error("cannot signal the daemon (pid %ld): %s", pid, strerror(errno));
	else if (rc == 1) {
		printf("asked the daemon (pid %ld) to try the deferred inputs again now; its log "
		    "says what became of them\n", pid);
		status = EXIT_OK;
	}
	spool_close(sp);
	return rc < 0 ? EXIT_SOFTWARE : status;
}
