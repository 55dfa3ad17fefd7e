/* SPDX-License-Identifier: ISC */
/*
 * log: leveled logging to standard error, or, when standard error is
 * systemd's journal (JOURNAL_STREAM names it), to the journal itself
 * (sd_journal_send) with the level as its priority and what a line is
 * about in fields of its own (SLUICE_INPUT, SLUICE_KIND, SLUICE_CODE,
 * SLUICE_ORDER); should the journal refuse a line, it goes to standard
 * error with a syslog priority prefix.  Callers escape untrusted values
 * (sanitize_text()) in the message; the fields are sent as they are.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdbool.h>

#include "base/util.h"

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };
/* "error", "warn", "info", "debug": how the configuration names them. */
extern const struct name_table log_level_names;

void log_init(enum log_level level);
void log_set_level(enum log_level level);

/* What a line is about, for the journal's fields; a field that is 0 or
 * NULL is left out. */
struct log_about {
	long long input;       /* the input's id in the ledger */
	const char *kind;      /* its kind (the folder's name) */
	const char *code;      /* the error code of its outcome */
	const char *order;     /* the order number it concerns */
};

void log_about(enum log_level level, const struct log_about *about, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status 70 (EX_SOFTWARE): the environment broke. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
