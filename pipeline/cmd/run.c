/*
 * sluice run [--once]: the daemon, or one pass over what is present.
 *
 * The daemon is one event loop: poll() on inotify and a signalfd, with a
 * timeout for the next periodic scan, the end of a file's quiet period and
 * the systemd watchdog.  SIGTERM and SIGINT end the loop once the batch in
 * hand is committed and filed; SIGHUP rescans.
 */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "pipeline/cmd/cmd.h"
#include "base/log.h"
#include "pipeline/scheduler.h"
#include "pipeline/watcher.h"
#include "stages/stages.h"

static const char usage[] = "sluice run [--once]";
static const char help[] =
    "Watches the spool's in/ folders and processes each file as it arrives, until\n"
    "SIGTERM or SIGINT (the batch in hand is finished first, then it exits 0).\n\n"
    "  --once   process everything present, waiting out the quiet period of files\n"
    "           still being written, then exit\n";

#define RETRY_MS 5000

struct daemon {
	int sigfd;
	bool stop;
	bool rescan;
};

static void
sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
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
	for (;;) {
		size_t waiting;
		int64_t wait_ns;
		int claimed = sched_claim(s, &waiting, &wait_ns);

		if (claimed < 0 || sched_drain(s) != 0)
			return EXIT_SOFTWARE;
		if (claimed > 0)
			continue;
		if (waiting == 0)
			break;
		log_debug("%zu file%s still being written; waiting %lld ms", waiting,
		    waiting == 1 ? " is" : "s are", (long long)(wait_ns / 1000000));
		sleep_ns(wait_ns);
	}
	log_totals(s);
	return EXIT_OK;
}

/* Reads every pending signal; returns false on a read error. */
static void
read_signals(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof si) == (ssize_t)sizeof si) {
		if (si.ssi_signo == SIGHUP) {
			log_info("SIGHUP: rescanning");
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
 * SIGHUP; mask receives them).  Called before anything that may start a
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
	if (sigprocmask(SIG_BLOCK, mask, NULL) != 0) {
		log_error("sigprocmask: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* The daemon's loop; the signals of mask are blocked (block_signals). */
static int
run_daemon(struct app *a, struct sched *s, const sigset_t *mask)
{
	struct daemon d = { .sigfd = -1, .rescan = true };
	struct watcher *w = NULL;
	uint64_t watchdog_us = 0;
	int64_t next_scan = 0, fresh_at = 0, retry_at = 0;
	size_t stuck = 0;
	int status = EXIT_SOFTWARE;

	if ((d.sigfd = signalfd(-1, mask, SFD_NONBLOCK | SFD_CLOEXEC)) < 0) {
		log_error("signalfd: %s", strerror(errno));
		return EXIT_SOFTWARE;
	}
	s->should_stop = should_stop;
	s->stop_ctx = &d;
	if (watcher_open(a->spool_path, &w) != 0)
		goto out;
	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;
	sd_notifyf(0, "READY=1\nSTATUS=watching %s", a->spool_path);
	log_info("watching %s", a->spool_path);

	while (!d.stop) {
		int64_t now = now_ns(), timeout_ns;
		struct pollfd fds[2] = { { watcher_fd(w), POLLIN, 0 }, { d.sigfd, POLLIN, 0 } };
		int n;

		if (d.rescan || now >= next_scan || (fresh_at > 0 && now >= fresh_at) ||
		    (retry_at > 0 && now >= retry_at)) {
			size_t waiting = 0;
			int64_t wait_ns = 0;
			/* after a failure, no new file is taken until what is
			 * claimed goes through again */
			int claimed = retry_at > 0 ? 0 : sched_claim(s, &waiting, &wait_ns);
			bool failing = retry_at > 0;

			d.rescan = false;
			next_scan = now + a->conf.scan_interval_ms * 1000000;
			fresh_at = waiting > 0 ? now_ns() + wait_ns : 0;
			retry_at = 0;
			if (claimed < 0 || sched_drain(s) != 0) {
				retry_at = now_ns() + (int64_t)RETRY_MS * 1000000;
				report_failure(s->spool, failing);
				continue;
			}
			if (failing) {
				log_info("processing works again: taking files");
				sd_notify(0, "STATUS=taking files again");
				d.rescan = true;
				continue;
			}
			if (claimed > 0 || s->nstuck != stuck) {
				sd_notifyf(0, "STATUS=watching %s: %zu accepted, %zu duplicate, "
				    "%zu rejected%s", a->spool_path, s->stats.accepted,
				    s->stats.duplicate, s->stats.rejected,
				    s->nstuck > 0 ? "; files in in/ that cannot be taken (see the log)" : "");
				stuck = s->nstuck;
			}
			if (claimed > 0) {
				d.rescan = true;   /* more may have come meanwhile */
				continue;
			}
		}
		now = now_ns();
		timeout_ns = min_positive(next_scan - now, fresh_at > 0 ? fresh_at - now : 0);
		timeout_ns = min_positive(timeout_ns, retry_at > 0 ? retry_at - now : 0);
		if (watchdog_us > 0)
			timeout_ns = min_positive(timeout_ns, (int64_t)watchdog_us * 500);
		n = poll(fds, 2, timeout_ns > 0 ? (int)(timeout_ns / 1000000) + 1 : 0);
		if (n < 0 && errno != EINTR) {
			log_error("poll: %s", strerror(errno));
			goto out;
		}
		if (watchdog_us > 0)
			sd_notify(0, "WATCHDOG=1");
		if (n > 0 && (fds[1].revents & POLLIN))
			read_signals(&d);
		if (n > 0 && (fds[0].revents & POLLIN)) {
			int rc = watcher_read(w, s);

			if (rc < 0)
				goto out;
			if (rc > 0)
				d.rescan = true;
		}
	}
	sd_notify(0, "STOPPING=1");
	log_totals(s);
	status = EXIT_OK;
out:
	watcher_close(w);
	close(d.sigfd);
	return status;
}

int
cmd_run(struct app *a, int argc, char **argv)
{
	struct spool *sp;
	struct ledger *l;
	struct sched s;
	bool once = false;
	long holder;
	sigset_t mask;
	int status;

	if (cmd_options_only(argc, argv, "once", &once, usage, help, &status) != 0)
		return status;
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
	else if (!render_pdf_fonts_ok())
		/* without fonts no PDF is made, and the outbox would wait forever */
		status = EXIT_CONFIG;
	else if (spool_lock(sp, &holder) != 0) {
		if (holder > 0)
			log_error("the spool %s is in use by another sluice (pid %ld)", a->spool_path,
			    holder);
		else
			log_error("the spool %s is in use by another sluice", a->spool_path);
		status = EXIT_TEMPFAIL;
	} else {
		spool_clean_tmp(sp);
		if (sched_init(&s, sp, l, &a->conf) != 0)
			status = EXIT_CONFIG;
		else if (sched_upgrade(&s) != 0)
			status = EXIT_SOFTWARE;
		else
			status = once ? run_once(&s) : run_daemon(a, &s, &mask);
		sched_free(&s);
	}
	ledger_close(l);
	spool_close(sp);
	return status;
}
