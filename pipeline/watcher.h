/* SPDX-License-Identifier: ISC */
/*
 * watcher: inotify on every in/<kind>/ folder, as a wake-up call only (the
 * truth is a scan of the folders).  A name moved in (a writer's rename) is
 * complete, and is reported to the scheduler so it is taken at once.
 */
#ifndef SLUICE_WATCHER_H
#define SLUICE_WATCHER_H

#include "pipeline/scheduler.h"

struct watcher;

int watcher_open(const char *root, struct watcher **out);
void watcher_close(struct watcher *w);
int watcher_fd(const struct watcher *w);
/* Drains pending events, telling s about names moved in.  Returns 1 when
 * something happened (a scan is due), 0 when nothing did, -1 on failure. */
int watcher_read(struct watcher *w, struct sched *s);

#endif
