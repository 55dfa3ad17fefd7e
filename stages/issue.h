/* SPDX-License-Identifier: ISC */
/*
 * issue: documents issued by the apply stages, inside their transaction:
 * a number from its gap-free series (invoices, credit notes) or the id it
 * answers to (PF-, CAP-, REF-, REL-, LINK-), the template kept with it,
 * its ledger row, and outbox rows for its files (XML, and PDF for people).
 * The files are rendered and published after the commit.
 */
#ifndef SLUICE_ISSUE_H
#define SLUICE_ISSUE_H

#include "stages/lifecycle.h"

/* An invoice for a shipment, dated issued_at. */
int issue_invoice(struct apply_ctx *a, const char *order_number, const char *shipment_id,
    const char *issued_at);
/* A credit note for a return (with a refund). */
int issue_credit_note(struct apply_ctx *a, const char *order_number, const char *return_id);
/* The pro-forma of a new shipment. */
int issue_proforma(struct apply_ctx *a, const char *order_number, const char *shipment_id);
/* A payment request file (CAP-, REF-, REL-). */
int issue_request(struct apply_ctx *a, const char *order_number, const struct payment_request *r);
/* A payment link file. */
int issue_link(struct apply_ctx *a, const char *order_number, const char *link_id);
/* The invoice of a free-text invoice record (already in the ledger), in
 * the template the record names (template_name), else the default one.
 * Returns 0; 1 when the named template cannot be used (the reason in why,
 * for the operator: the record's fault); -1 on failure (the ledger, or the
 * default template: the operator's to mend, logged). */
int issue_free_invoice(struct apply_ctx *a, const char *invoice_id, const char *order_number,
    const char *template_name, struct buf *why);

#endif
