/*
 * log: leveled logging to standard error.  Under systemd (JOURNAL_STREAM
 * set) each line carries a syslog priority prefix so the journal keeps the
 * level.  Callers escape untrusted values (excerpt()) before logging them.
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

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status 70 (EX_SOFTWARE): the environment broke. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
