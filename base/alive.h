/* SPDX-License-Identifier: ISC */
/*
 * alive: a sign of life from inside long work.  The daemon under a systemd
 * watchdog must ping it while a large batch is applied or many documents
 * are published, not only between passes; the loops that do such work call
 * alive() after each step, and whoever set a beat decides what a sign of
 * life is (and how often one is worth sending).  Without a beat set (every
 * command but the daemon), alive() does nothing.
 */
#ifndef SLUICE_ALIVE_H
#define SLUICE_ALIVE_H

/* Sets the beat alive() calls, with its context; NULL: none. */
void alive_set(void (*beat)(void *ctx), void *ctx);

/* A step of long work is done. */
void alive(void);

#endif
