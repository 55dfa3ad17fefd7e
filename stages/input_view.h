/* SPDX-License-Identifier: ISC */
/*
 * input_view: an input as `sluice inputs` lists it and `sluice input show`
 * begins it: its ledger row, its first listed error (for a deferred input:
 * what it waits for) and, while it is deferred, when it expires; as a text
 * line for people or a JSON object for scripts.
 */
#ifndef SLUICE_INPUT_VIEW_H
#define SLUICE_INPUT_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "pipeline/ledger/ledger.h"

/* What is shown of one input; borrowed, nothing owned.  A file claimed
 * and not yet decided has no row in the ledger: in then gives only its
 * kind, name and time of receipt, with id 0 and status INPUT_NONE. */
struct input_view {
	const struct input_row *in;
	const struct error_item *first;   /* its first listed error, or NULL */
	int64_t expires_ns;               /* deferred: when it is rejected if
	                                     nothing changes, INT64_MAX when
	                                     unknown; else unused */
	bool expires_by_link;             /* ... as the payment link it waits
	                                     for expires (else defer_expiry) */
};

/* The name of an input's status: "claimed" for a file not yet decided. */
const char *input_view_status(const struct input_row *in);

/* One line: id, kind, name (sanitized), time of receipt, status, records,
 * and the first error's code and message (with when a deferred input
 * expires). */
void input_view_line(FILE *out, const struct input_view *v);

/* A new JSON object of the input: id, kind, name, received, status,
 * records, error_count, first_error, expires, expires_by (null where they
 * do not apply). */
json_t *input_view_json(const struct input_view *v);

#endif
