/* SPDX-License-Identifier: ISC */
/*
 * sluice run [--once]: the daemon, or one pass over what is present.
 *
 * The daemon is one event loop: poll() on inotify and a signalfd, with a
 * timeout for the next periodic scan, the end of a file's quiet period and
 * the systemd watchdog.  SIGTERM and SIGINT end the loop once the batch in
 * hand is committed and filed; SIGHUP rescans; SIGUSR1 (sluice retry)
 * tries the deferred inputs again now.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "base/alive.h"
#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/metrics.h"
#include "pipeline/scheduler.h"
#include "pipeline/watcher.h"

static int run_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args);

const struct cmd_entry cmd_run_entry = {
	.name = "run",
	.summary = "process files as they arrive (--once: what is there, then exit)",
	.usage = "sluice run [--once]",
	.help =
	    "Watches the spool's in/ folders and processes each file as it arrives, until\n"
	    "SIGTERM or SIGINT (the batch in hand is finished first, then it exits 0).\n"
	    "SIGHUP rescans the folders; SIGUSR1 (sent by sluice retry) tries the deferred\n"
	    "inputs again now.\n\n"
	    "  --once   process everything present, waiting out the quiet period of files\n"
	    "           still being written, then exit\n",
	.flag = "once",
	.args_max = 0,
	.flags = CMD_MAKES_OWN,
	.exec = run_exec,
};

#define RETRY_MS 5000

/* The daemon's state between two turns of its loop. */
struct daemon {
	struct app *a;
	struct sched *s;
	struct watcher *w;
	int sigfd;
	bool stop;
	bool rescan;
	bool reload;           /* SIGHUP came: re-read the configuration */
	uint64_t watchdog_us;  /* the systemd watchdog's interval; 0: none */
	int64_t pinged;        /* when it was last pinged (CLOCK_MONOTONIC ns) */
	int64_t next_scan;     /* when the periodic scan is due */
	int64_t fresh_at;      /* when a file still being written is quiet; 0: none */
	int64_t retry_at;      /* when to try again after a failure; 0: not failing */
	size_t stuck;          /* files in in/ that cannot be taken, as last told */
	int64_t metrics_at;    /* when metrics_file is due; 0: no metrics_file */
	char metrics_failed[256];  /* how writing it last failed; "": it did not */
};

/* Pings the systemd watchdog, if there is one. */
static void
ping(struct daemon *d)
{
	if (d->watchdog_us == 0)
		return;
	sd_notify(0, "WATCHDOG=1");
	d->pinged = monotonic_ns();
}

/* alive()'s beat inside long work: a ping once an eighth of the watchdog's
 * interval has passed since the last, so that no gap between two comes
 * near half of it. */
static void
beat(void *ctx)
{
	struct daemon *d = ctx;

	if (d->watchdog_us > 0 &&
	    monotonic_ns() - d->pinged >= (int64_t)d->watchdog_us * 1000 / 8)
		ping(d);
}

static void
log_totals(const struct sched *s)
{
	log_info("%zu accepted, %zu duplicate, %zu rejected", s->stats.accepted,
	    s->stats.duplicate, s->stats.rejected);
}

static int
run_once(struct sched *s)
{
	if (sched_once(s) != 0)
		return EXIT_SOFTWARE;
	log_totals(s);
	return EXIT_OK;
}

/* Reads every pending signal from the signalfd: SIGHUP asks for a
 * reload of the configuration and a rescan, SIGUSR1 for the deferred inputs
 * to be tried again (a pass tries every claimed input, the deferred ones
 * included), any other for a stop. */
static void
read_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: re-reading the configuration and rescanning");
			d->reload = true;
			d->rescan = true;
		} else if (si.ssi_signo == SIGUSR1) {
			log_info("SIGUSR1: trying the deferred inputs again now");
			d->rescan = true;
		} else {
			log_info("signal %u: finishing the batch in hand, then stopping",
			    si.ssi_signo);
			d->stop = true;
		}
	}
}

static bool
should_stop(void *ctx)
{
	struct daemon *d = ctx;

	read_signals(d);
	return d->stop;
}

/* Says why processing stopped: a full disk, or another failure (logged
 * where it happened).  Logged once per stretch of failures. */
static void
report_failure(struct spool *sp, bool again)
{
	int64_t free_bytes = spool_free_bytes(sp);

	if (free_bytes >= 0 && free_bytes < SPOOL_FULL_BYTES) {
		if (!again)
			log_error("the disk of the spool is full (%lld KiB free): no file is taken "
			    "until space returns; retrying every %d s", (long long)(free_bytes / 1024),
			    RETRY_MS / 1000);
		sd_notify(0, "STATUS=disk full: not taking files");
	} else {
		if (!again)
			log_error("processing failed; no file is taken until it works again; "
			    "retrying every %d s", RETRY_MS / 1000);
		sd_notify(0, "STATUS=processing failed: not taking files");
	}
}

static int64_t
min_positive(int64_t a, int64_t b)
{
	if (a <= 0)
		return b;
	if (b <= 0)
		return a;
	return a < b ? a : b;
}

/*
 * Blocks the signals the daemon reads from its signalfd (SIGTERM, SIGINT,
 * SIGHUP, SIGUSR1; mask receives them).  Called before anything that may start a
 * thread (Pango's font loading does), so that every thread inherits the
 * block: the kernel gives a signal sent to the process to any thread that
 * does not block it, and there its default action would end the daemon.
 * A signal that comes before the loop waits, pending, for the signalfd.
 */
static int
block_signals(sigset_t *mask)
{
	sigemptyset(mask);
	sigaddset(mask, SIGTERM);
	sigaddset(mask, SIGINT);
	sigaddset(mask, SIGHUP);
	sigaddset(mask, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, mask, NULL) != 0) {
		log_error("sigprocmask: %s", strerror(errno));
		return -1;
	}
	/* main() ignores SIGUSR1, which could discard it: once it is
	 * blocked, it waits for the signalfd instead (and its default
	 * action is never taken) */
	signal(SIGUSR1, SIG_DFL);
	return 0;
}

/*
 * Rewrites metrics_file (metrics_write_file()) and sets when it is next
 * due.  A failure is logged once while it lasts (and when the kind of
 * failure changes), never every interval, and never stops the daemon.
 */
static void
write_metrics(struct daemon *d, int64_t now)
{
	const char *path = d->a->conf.metrics_file;
	struct buf text = { 0 };
	char failed[sizeof d->metrics_failed] = "";

	d->metrics_at = now + d->a->conf.metrics_interval_ms * 1000000;
	if (metrics_render(d->s->spool, d->s->ledger, &text) != 0)
		snprintf(failed, sizeof failed, "render: see above");
	else
		metrics_write_file(d->s->spool, path, &text, failed, sizeof failed);
	if (failed[0] != '\0' && strcmp(failed, d->metrics_failed) != 0)
		log_error("cannot write the metrics file %s (%s); the daemon goes on and tries again "
		    "every %lld s", path, failed, (long long)(d->a->conf.metrics_interval_ms / 1000));
	else if (failed[0] == '\0' && d->metrics_failed[0] != '\0')
		log_info("the metrics file %s is written again", path);
	snprintf(d->metrics_failed, sizeof d->metrics_failed, "%s", failed);
	buf_free(&text);
}

/* Opens the signalfd for the signals of mask and the watcher, finishes
 * what a stopped sluice left, and tells systemd the daemon is ready.
 * Returns 0, or -1 (logged). */
static int
daemon_start(struct daemon *d, const sigset_t *mask)
{
	if ((d->sigfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_error("signalfd: %s", strerror(errno));
		return -1;
	}
	d->s->should_stop = should_stop;
	d->s->stop_ctx = d;
	if (watcher_open(d->a->spool_path, &d->w) != 0)
		return -1;
	if (sd_watchdog_enabled(0, &d->watchdog_us) <= 0)
		d->watchdog_us = 0;
	ping(d);
	alive_set(beat, d);
	/* what a stopped sluice left (claimed inputs, outputs to publish) is
	 * finished before the daemon says it is ready; when that fails, the
	 * passes retry it as they retry any failure */
	if (sched_drain(d->s) != 0) {
		d->retry_at = now_ns() + (int64_t)RETRY_MS * 1000000;
		report_failure(d->s->spool, false);
	}
	if (d->a->conf.metrics_file[0] != '\0')
		write_metrics(d, now_ns());
	sd_notifyf(0, "READY=1\nSTATUS=watching %s", d->a->spool_path);
	log_info("watching %s", d->a->spool_path);
	return 0;
}

/* Logs each line of msgs after the configuration file's path: as an error
 * with error, else as information. */
static void
log_conf_lines(const char *path, struct buf *msgs, bool error)
{
	for (char *line = msgs->data, *next; line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (error)
			log_error("%s", line);
		else
			log_info("configuration %s: %s", path, line);
	}
}

/* Re-reads the configuration file between two batches: the new one is
 * taken whole, but for the keys only a restart changes (conf_reload), or,
 * when it is invalid, refused whole and the running one kept. */
static void
daemon_reload(struct daemon *d)
{
	struct app *a = d->a;
	struct buf msgs = { 0 };
	bool refused;

	d->reload = false;
	if (a->config_path == NULL || a->config_path[0] == '\0') {
		log_info("no configuration file to re-read (sluice runs on the defaults)");
		return;
	}
	sd_notify(0, "RELOADING=1");
	refused = conf_reload(&a->conf, a->config_path, &msgs) != 0;
	log_conf_lines(a->config_path, &msgs, refused);
	if (refused)
		log_error("the configuration %s is refused (see above) and the running one kept",
		    a->config_path);
	else {
		if (!a->log_level_fixed)
			log_set_level(a->conf.log_level);
		processor_configure(&d->s->proc, spool_root(d->s->spool));
		/* the metrics file, maybe another or none now, is written anew */
		d->metrics_at = 0;
		d->metrics_failed[0] = '\0';
		if (a->conf.metrics_file[0] != '\0')
			write_metrics(d, now_ns());
		log_info("configuration %s re-read%s", a->config_path,
		    msgs.len == 0 ? ": no change" : "");
	}
	sd_notifyf(0, "READY=1\nSTATUS=watching %s%s", a->spool_path,
	    refused ? "; a new configuration was refused (see the log)" : "");
	buf_free(&msgs);
}

/* Tells systemd the totals when files were taken or the count of those
 * that cannot be taken changed. */
static void
report_progress(struct daemon *d, int claimed)
{
	const struct sched *s = d->s;

	if (claimed == 0 && s->nstuck == d->stuck)
		return;
	sd_notifyf(0, "STATUS=watching %s: %zu accepted, %zu duplicate, %zu rejected%s",
	    d->a->spool_path, s->stats.accepted, s->stats.duplicate, s->stats.rejected,
	    s->nstuck > 0 ? "; files in in/ that cannot be taken (see the log)" : "");
	d->stuck = s->nstuck;
}

/* Whether a pass is due at now: one was asked for, or it is time for the
 * periodic scan, for a file now quiet or for a retry. */
static bool
daemon_due(const struct daemon *d, int64_t now)
{
	return d->rescan || now >= d->next_scan || (d->fresh_at > 0 && now >= d->fresh_at) ||
	    (d->retry_at > 0 && now >= d->retry_at);
}

/*
 * One pass, begun at now: claims what is ready and drains it.  After a
 * failure no new file is taken until what is claimed goes through again.
 * Returns true when another pass should follow at once (files were taken,
 * processing failed or works again), false to wait for an event.
 */
static bool
daemon_pass(struct daemon *d, int64_t now)
{
	size_t waiting = 0;
	int64_t wait_ns = 0;
	bool failing = d->retry_at > 0;
	int claimed = failing ? 0 : sched_claim(d->s, &waiting, &wait_ns);

	d->rescan = false;
	d->next_scan = now + d->a->conf.scan_interval_ms * 1000000;
	d->fresh_at = waiting > 0 ? now_ns() + wait_ns : 0;
	d->retry_at = 0;
	if (claimed < 0 || sched_drain(d->s) != 0) {
		d->retry_at = now_ns() + (int64_t)RETRY_MS * 1000000;
		report_failure(d->s->spool, failing);
		return true;
	}
	if (failing) {
		log_info("processing works again: taking files");
		sd_notify(0, "STATUS=taking files again");
		d->rescan = true;
		return true;
	}
	report_progress(d, claimed);
	if (claimed > 0)
		d->rescan = true;   /* more may have come meanwhile */
	return claimed > 0;
}

/* How long to wait for an event, in ms: until the next pass is due, or
 * the watchdog is to be fed. */
static int
daemon_timeout(const struct daemon *d)
{
	int64_t now = now_ns(), timeout_ns;

	timeout_ns = min_positive(d->next_scan - now, d->fresh_at > 0 ? d->fresh_at - now : 0);
	timeout_ns = min_positive(timeout_ns, d->retry_at > 0 ? d->retry_at - now : 0);
	timeout_ns = min_positive(timeout_ns, d->metrics_at > 0 ? d->metrics_at - now : 0);
	if (d->watchdog_us > 0)
		/* a quarter of its interval: idle pings come as often as
		 * alive()'s inside work, never near half of it */
		timeout_ns = min_positive(timeout_ns, (int64_t)d->watchdog_us * 250);
	return timeout_ns > 0 ? (int)(timeout_ns / 1000000) + 1 : 0;
}

/* Waits for a signal, a change in the spool or the timeout, feeds the
 * watchdog and reads what came.  Returns 0, or -1 (logged). */
static int
daemon_wait(struct daemon *d)
{
	struct pollfd fds[2] = { { watcher_fd(d->w), POLLIN, 0 }, { d->sigfd, POLLIN, 0 } };
	int n = poll(fds, 2, daemon_timeout(d));

	if (n < 0 && errno != EINTR) {
		log_error("poll: %s", strerror(errno));
		return -1;
	}
	ping(d);
	if (n > 0 && (fds[1].revents & POLLIN))
		read_signals(d);
	if (n > 0 && (fds[0].revents & POLLIN)) {
		int rc = watcher_read(d->w, d->s);

		if (rc < 0)
			return -1;
		if (rc > 0)
			d->rescan = true;
	}
	return 0;
}

/* The daemon's loop; the signals of mask are blocked (block_signals). */
static int
run_daemon(struct app *a, struct sched *s, const sigset_t *mask)
{
	struct daemon d = { .a = a, .s = s, .sigfd = -1, .rescan = true };
	int status = EXIT_SOFTWARE;

	if (daemon_start(&d, mask) == 0) {
		int ret = 0;

		/* signals are read before every pass too: one that came while
		 * the last batch of a pass was applied stops the daemon before
		 * it takes more */
		while (ret == 0 && !should_stop(&d)) {
			int64_t now = now_ns();

			if (d.reload)
				daemon_reload(&d);
			if (d.metrics_at > 0 && now >= d.metrics_at)
				write_metrics(&d, now);
			if (!daemon_due(&d, now) || !daemon_pass(&d, now))
				ret = daemon_wait(&d);
		}
		if (ret == 0) {
			sd_notify(0, "STOPPING=1");
			log_totals(s);
			status = EXIT_OK;
		}
	}
	alive_set(NULL, NULL);
	watcher_close(d.w);
	if (d.sigfd >= 0)
		close(d.sigfd);
	return status;
}

static int
run_exec(const struct cmd_entry *self, struct app *a, const struct cmd_args *args)
{
	struct spool *sp;
	struct ledger *l;
	struct sched s;
	bool once = args->flag;
	long holder;
	sigset_t mask;
	int status;

	if (!once && block_signals(&mask) != 0)
		return EXIT_SOFTWARE;
	switch (app_open(a, false, &sp, &l)) {
	case 0:
		break;
	case -2:
		return EXIT_DATAERR;
	default:
		return EXIT_SOFTWARE;
	}
	if (ledger_quick_check(l) != 0)
		status = EXIT_DATAERR;
	else if (spool_lock(sp, &holder) != 0) {
		if (holder > 0)
			log_error("the spool %s is in use by another sluice (pid %ld)", a->spool_path,
			    holder);
		else
			log_error("the spool %s is in use by another sluice", a->spool_path);
		status = EXIT_TEMPFAIL;
	} else {
		if ((status = app_sched_start(a, sp, l, &s)) == EXIT_OK)
			status = once ? run_once(&s) : run_daemon(a, &s, &mask);
		sched_free(&s);
	}
	ledger_close(l);
	spool_close(sp);
	return status;
}
