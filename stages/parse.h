/* SPDX-License-Identifier: ISC */
/*
 * parse: what the two input parsers (csv_in, xml_in) share: their limits
 * and their signature, so the pipeline calls either through one table.
 */
#ifndef SLUICE_PARSE_H
#define SLUICE_PARSE_H

#include <stddef.h>

#include "base/errors.h"
#include "base/record.h"

struct parse_limits {
	size_t max_field_bytes;    /* longest field (and CSV row) accepted */
	size_t max_record_lines;   /* most lines one record may hold */
	size_t max_record_bytes;   /* most field text one record may hold */
};

/* The bound on one record's field text: records of any real size stay far
 * below it, and hostile ones cannot make memory grow past it. */
#define MAX_RECORD_BYTES (16 * 1024 * 1024)

/*
 * Reads the whole file open on fd as records of kind k, calling cb for
 * each complete record (valid or not: validation is the callback's job).
 * Syntax and structure errors go to errs.  *nrecords counts the records
 * seen.  Returns 0 when the file was read to its end or abandoned because
 * of bad input; -1 when reading it failed (EIO, ...: logged) or cb returned
 * -1, failures of the environment that decide nothing about the file.
 */
typedef int (*parse_fn)(int fd, const char *name, const struct kind_def *k,
    const struct parse_limits *lim, record_cb cb, void *ctx, struct errlist *errs,
    size_t *nrecords);

int csv_in_parse(int fd, const char *name, const struct kind_def *k,
    const struct parse_limits *lim, record_cb cb, void *ctx, struct errlist *errs,
    size_t *nrecords);
int xml_in_parse(int fd, const char *name, const struct kind_def *k,
    const struct parse_limits *lim, record_cb cb, void *ctx, struct errlist *errs,
    size_t *nrecords);

/* Sets up libxml2 for hostile input (no network, no external entities);
 * call once before the first xml_in_parse(). */
void xml_in_init(void);

#endif
