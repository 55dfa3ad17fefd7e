/* SPDX-License-Identifier: ISC */
/*
 * journal: the events the apply stages append to an order's journal (the
 * ledger's append-only record of every change, which `sluice audit`
 * recomputes the ledger from and `order show` tells an order's story by).
 */
#ifndef SLUICE_JOURNAL_H
#define SLUICE_JOURNAL_H

#include <stdint.h>

#include "base/util.h"
#include "stages/stages.h"

/* Appends a journal event of the order; detail is a printf format of a JSON
 * object's members (without braces). */
int journal_event(struct apply_ctx *a, const char *order_number, const char *type,
    const char *fmt, ...) PRINTF_LIKE(4, 5);

/* Appends a journal event of the order whose detail is the JSON object
 * detail (built without printf: for an event of every record). */
int journal_event_json(struct apply_ctx *a, const char *order_number, const char *type,
    const char *detail);

/* Appends {"line_id":N,"quantity":Q} to the members of a journal event's
 * "lines" array being built in b: what `sluice audit` counts units from. */
void journal_line(struct buf *b, int64_t line_id, int64_t quantity);

#endif
