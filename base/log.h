/*
 * log: leveled logging to standard error.  Under systemd (JOURNAL_STREAM
 * set) each line carries a syslog priority prefix so the journal keeps the
 * level.  Callers escape untrusted values (excerpt()) before logging them.
 */
#ifndef SLUICE_LOG_H
#define SLUICE_LOG_H

#include <stdbool.h>

enum log_level { LOG_LEVEL_ERROR, LOG_LEVEL_WARN, LOG_LEVEL_INFO, LOG_LEVEL_DEBUG };

void log_init(enum log_level level);
void log_set_level(enum log_level level);
/* Parses "error", "warn", "info" or "debug"; returns -1 on an unknown name. */
int log_level_parse(const char *name, enum log_level *out);

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits with status 70 (EX_SOFTWARE): the environment broke. */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
