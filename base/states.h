/* SPDX-License-Identifier: ISC */
/*
 * states: what an input, an order, a shipment's capture, a payment request
 * and a payment link can be, what a payment request asks and what a
 * document is, each an enum with one table of its names.
 * The code keeps and compares the enums; the names are only where sluice
 * meets text: the ledger's columns (which hold the names), receipts, JSON,
 * journal details and messages.
 */
#ifndef SLUICE_STATES_H
#define SLUICE_STATES_H

#include <stdbool.h>

#include "base/util.h"

/* Declares enum type's name table, type_names, and its two functions:
 * type_name(v), the name of v (NULL when v has none), and
 * type_parse(name, &v), which sets v to the value of that name and
 * returns true, or returns false when no value has that name. */
#define NAMED_ENUM_DECL(type)                                   \
	extern const struct name_table type##_names;            \
	const char *type##_name(enum type v);                   \
	bool type##_parse(const char *name, enum type *out)

/* The outcome of an input file (the ledger's inputs.status). */
enum input_status {
	INPUT_NONE,        /* no outcome yet: claimed, or held by another program */
	INPUT_ACCEPTED,
	INPUT_DUPLICATE,
	INPUT_DEFERRED,    /* it waits for what it refers to */
	INPUT_REJECTED,
};
NAMED_ENUM_DECL(input_status);

/* Where an order is in its lifecycle (the ledger's orders.status). */
enum order_status {
	ORDER_PENDING,
	ORDER_CONFIRMED,
	ORDER_PROCESSING,
	ORDER_COMPLETED,
	ORDER_CANCELLED,
	ORDER_ARCHIVED,
};
NAMED_ENUM_DECL(order_status);

/* Where a shipment's capture is (the ledger's shipments.capture). */
enum capture_state {
	CAPTURE_NONE,        /* nothing to capture */
	CAPTURE_WAITING,     /* for the authorization, or for the shipment to ship */
	CAPTURE_REQUESTED,
	CAPTURE_CAPTURED,
	CAPTURE_FAILED,
};
NAMED_ENUM_DECL(capture_state);

/* A payment request's answer (the ledger's payment_requests.status). */
enum request_status {
	REQUEST_PENDING,
	REQUEST_SUCCEEDED,
	REQUEST_FAILED,
};
/* A set of request statuses, for state_requested(). */
#define REQUESTS_IN(s) (1u << (s))
NAMED_ENUM_DECL(request_status);

/* What a payment request asks of the PSP (the ledger's
 * payment_requests.type). */
enum request_type {
	REQUEST_CAPTURE,
	REQUEST_REFUND,
	REQUEST_RELEASE,
};
NAMED_ENUM_DECL(request_type);

/* A payment link (the ledger's payment_links.status). */
enum link_status {
	LINK_OPEN,           /* can be paid until it expires */
	LINK_SPENT,          /* paid, once, in full */
	LINK_EXPIRED,        /* a payment came after it expired */
	LINK_VOID,           /* replaced: the due changed, a reissue was asked,
	                        or the order was cancelled */
};
NAMED_ENUM_DECL(link_status);

/* The documents sluice issues (the ledger's documents.type). */
enum document_type {
	DOC_INVOICE,
	DOC_CREDIT_NOTE,
	DOC_PROFORMA,
	DOC_CAPTURE,
	DOC_REFUND,
	DOC_RELEASE,
	DOC_LINK,
};
NAMED_ENUM_DECL(document_type);

/* What became of an order of a bulk job (the ledger's job_orders.outcome). */
enum job_outcome {
	JOB_SELECTED,        /* selected, not yet taken */
	JOB_SUBMITTED,       /* its input is in the spool, not yet decided */
	JOB_APPLIED,
	JOB_SKIPPED,         /* the action does not apply to it, or nothing changed */
	JOB_DEFERRED,        /* its input waits */
	JOB_REJECTED,
	JOB_ABANDONED,       /* an interrupted job never submitted it */
	JOB_OUTCOME__COUNT
};
NAMED_ENUM_DECL(job_outcome);

#endif
