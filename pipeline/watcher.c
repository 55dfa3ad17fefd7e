/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "base/log.h"
#include "pipeline/watcher.h"

struct watcher {
	int fd;
	int wd[KIND__COUNT];
};

int
watcher_open(const char *root, struct watcher **out)
{
	struct watcher *w = xcalloc(1, sizeof *w);

	w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (w->fd < 0) {
		log_error("inotify_init1: %s", strerror(errno));
		free(w);
		return -1;
	}
	for (int k = 0; k < KIND__COUNT; k++) {
		char *dir;

		w->wd[k] = -1;
		if (!sched_handles((enum kind)k))
			continue;
		dir = xasprintf("%s/in/%s", root, kind_get((enum kind)k)->plural);
		w->wd[k] = inotify_add_watch(w->fd, dir,
		    IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_ATTRIB | IN_ONLYDIR);
		if (w->wd[k] < 0) {
			log_error("cannot watch %s: %s", dir, strerror(errno));
			free(dir);
			watcher_close(w);
			return -1;
		}
		free(dir);
	}
	*out = w;
	return 0;
}

void
watcher_close(struct watcher *w)
{
	if (w == NULL)
		return;
	close(w->fd);
	free(w);
}

int
watcher_fd(const struct watcher *w)
{
	return w->fd;
}

int
watcher_read(struct watcher *w, struct sched *s)
{
	char events[16 * (sizeof(struct inotify_event) + NAME_MAX + 1)]
	    __attribute__((aligned(__alignof__(struct inotify_event))));
	int happened = 0;

	for (;;) {
		ssize_t n = read(w->fd, events, sizeof events);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return happened;
			log_error("reading inotify events: %s", strerror(errno));
			return -1;
		}
		for (char *p = events; p < events + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			happened = 1;
			if (ev->mask & IN_Q_OVERFLOW)
				log_warn("inotify queue overflowed; rescanning every folder");
			if (ev->mask & IN_IGNORED)
				log_error("a watched in/ folder was removed; run sluice init");
			if ((ev->mask & IN_MOVED_TO) && ev->len > 0)
				for (int k = 0; k < KIND__COUNT; k++)
					if (w->wd[k] == ev->wd)
						sched_moved_in(s, (enum kind)k, ev->name);
			p += sizeof *ev + ev->len;
		}
	}
}
