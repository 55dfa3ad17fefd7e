/* SPDX-License-Identifier: ISC */
/*
 * reader: an input's records, parsed and validated, handed one by one in
 * file order to a function that applies them; for a large input, parsed
 * and validated on a thread of their own while the caller's thread
 * applies, through a bounded queue.  Either way the records, their
 * verdicts and the errors, in order, are the same.
 */
#ifndef SLUICE_READER_H
#define SLUICE_READER_H

#include <stdbool.h>
#include <stddef.h>

#include "base/errors.h"
#include "base/record.h"
#include "stages/stages.h"

/* Applies rec, on the caller's thread; valid: it passed validate_record()
 * (its errors, if not, are in errs already).  0, or -1 to stop: the
 * environment failed. */
typedef int (*reader_apply_fn)(void *ctx, struct record *rec, bool valid);

/*
 * Reads the input open on fd (named name, of kind k) with parser ps, and
 * calls apply for each record in file order.  Every error goes to errs in
 * the order one thread would add them: parsing's, then a record's
 * validation's before apply is called for it.  The parse is on a second
 * thread when ps allows it and threaded is true (if that thread cannot be
 * started, on this one: logged).  *nrecords counts the records read (a
 * parser on its own thread may have read more than were applied when
 * apply fails).  Returns the parser's result, or -1 when apply returned
 * -1.
 */
int reader_run(const struct parser *ps, bool threaded, int fd, const char *name,
    const struct kind_def *k, const struct parse_limits *lim, reader_apply_fn apply, void *ctx,
    struct errlist *errs, size_t *nrecords);

#endif
