/*
 * ledger_lifecycle: what happens to an order after it is received:
 * shipments and their lines, returns, payment requests, payment links and
 * payment events, and the identity of every record applied.
 *
 * ledger_order_state() loads an order with all of it, for the apply stages
 * (to check the rules) and for `order show`.  The mutations are small, one
 * statement each; the apply stages combine them inside their transaction.
 */
#ifndef SLUICE_LEDGER_LIFECYCLE_H
#define SLUICE_LEDGER_LIFECYCLE_H

#include "pipeline/ledger_orders.h"

struct shipment_line {
	int64_t line_id;
	int64_t quantity;
	int64_t first_unit;     /* units first_unit+1 .. first_unit+quantity */
	int64_t amount;
	int64_t vat;
	int64_t returned;
};

struct shipment {
	char *shipment_id;
	int64_t seq;
	int64_t input_id;
	char *lines_sha256;
	char *carrier;
	char *service;
	char *tracking;
	bool shipped;
	char *shipped_at;
	int64_t amount;
	int64_t vat;
	int64_t shipping_amount;
	char *capture;          /* none, waiting, requested, captured, failed */
	struct shipment_line *lines;
	size_t nlines;
};

struct return_line {
	int64_t line_id;
	int64_t quantity;
	int64_t amount;
	int64_t vat;
};

struct order_return {
	char *return_id;
	char *shipment_id;
	char *reason;
	bool restock;
	int64_t return_fee;
	int64_t lines_amount;
	int64_t lines_vat;
	int64_t shipping_amount;
	int64_t refund;
	struct return_line *lines;
	size_t nlines;
};

struct payment_request {
	char *request_id;
	char *type;             /* capture, refund, release */
	char *shipment_id;
	char *return_id;
	int64_t amount;
	char *status;           /* pending, succeeded, failed */
	char *event_id;
};

struct payment_link {
	char *link_id;
	int64_t n;
	int64_t amount;
	char *status;           /* open, spent */
	char *event_id;
};

struct payment_event {
	char *event_id;
	char *type;
	char *request_id;
	char *status;
	int64_t amount;
	char *psp_reference;
	char *occurred_at;
};

/* An order and everything that happened to it. */
struct order_state {
	struct order *order;
	bool shipping_refunded;
	int64_t next_link;
	struct shipment *shipments;        /* in order of creation */
	size_t nshipments;
	struct order_return *returns;
	size_t nreturns;
	struct payment_request *requests;  /* in order of creation */
	size_t nrequests;
	struct payment_link *links;
	size_t nlinks;
	struct payment_event *events;
	size_t nevents;
};

/* Loads an order's state: 1 found (*out owned by the caller), 0 unknown,
 * -1 failure. */
int ledger_order_state(struct ledger *l, const char *order_number, struct order_state **out);
void order_state_free(struct order_state *s);

/* Finds a record applied before: 1 (input id and content digest filled),
 * 0 when new, -1 failure. */
int ledger_record_identity(struct ledger *l, const char *kind, const char *record_id,
    int64_t *input_id, char sha[SHA256_HEX]);
/* The order a record applied before belongs to: 1 (*order_number owned by
 * the caller), 0 unknown, -1 failure. */
int ledger_record_order(struct ledger *l, const char *kind, const char *record_id,
    char **order_number);
/* The order that a payment request or link id belongs to: 1 (*order_number
 * owned by the caller), 0 when no order has it, -1 failure. */
int ledger_payment_target_order(struct ledger *l, const char *id, char **order_number);
int ledger_record_add(struct ledger *l, const char *kind, const char *record_id,
    const char *order_number, int64_t input_id, const char *sha);

int ledger_order_set_status(struct ledger *l, const char *order_number, const char *status);
int ledger_order_set_hold(struct ledger *l, const char *order_number, bool hold);
int ledger_order_set_delivery(struct ledger *l, const char *order_number, const struct address *a);
int ledger_order_add_authorized(struct ledger *l, const char *order_number, int64_t amount);
int ledger_order_set_shipping_refunded(struct ledger *l, const char *order_number);
/* Takes the order's next payment link number. */
int ledger_order_take_link_number(struct ledger *l, const char *order_number, int64_t *n);

int ledger_line_add_cancelled(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity);
int ledger_line_add_shipped(struct ledger *l, const char *order_number, int64_t line_id,
    int64_t quantity);

int ledger_shipment_insert(struct ledger *l, const char *order_number, const struct shipment *s);
int ledger_shipment_update(struct ledger *l, const struct shipment *s);
int ledger_shipment_set_capture(struct ledger *l, const char *shipment_id, const char *capture);
int ledger_shipment_add_returned(struct ledger *l, const char *shipment_id, int64_t line_id,
    int64_t quantity);

int ledger_return_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct order_return *r);

int ledger_request_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_request *r);
int ledger_request_answer(struct ledger *l, const char *request_id, const char *status,
    const char *event_id);

int ledger_link_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_link *k);
int ledger_link_spend(struct ledger *l, const char *link_id, const char *event_id);

int ledger_payment_event_insert(struct ledger *l, const char *order_number, int64_t input_id,
    const struct payment_event *e);

#endif
