/* SPDX-License-Identifier: ISC */
/*
 * The ledger checked against its journal, in SQL.  Each check is one query
 * that returns the differences it finds as rows of (order_number, item,
 * currency, expected, found); currency is set when the values are money.
 *
 * Journal events carry money as the decimal strings money_format() wrote,
 * with exactly the currency's minor digits, so removing the point gives
 * minor units.  Events that move units carry them as
 * "lines":[{"line_id":N,"quantity":Q},...] (order_received,
 * shipment_created, return_received), or as one line's line_id and
 * quantity (line_added, units_cancelled).
 */
#include "config.h"

#include "pipeline/ledger/ledger_int.h"
#include "base/money.h"

#define MINOR(json) "CAST(replace(" json ", '.', '') AS INTEGER)"

/*
 * The keys where j (from the journal) and t (from the tables) differ in
 * value, either side possibly missing, as (key..., owner, jv, tv), owner
 * being the order.  One sort of both sides: each holds a key at most once.
 */
#define SIDES_DIFFER(key, value) \
	"SELECT " key ", max(owner) AS owner, max(jv) AS jv, max(tv) AS tv FROM" \
	" (SELECT " key ", order_number AS owner, " value " AS jv, NULL AS tv FROM j UNION ALL" \
	" SELECT " key ", order_number, NULL, " value " FROM t)" \
	" GROUP BY " key " HAVING max(jv) IS NOT max(tv)"

/*
 * An amount an event states (json: its value in the event's detail) when
 * it creates something with an id, against the amount the table holds for
 * that id.
 */
#define AMOUNT_CHECK_OF(event, id, json, table, column, label) \
	"WITH j AS (SELECT order_number, json_extract(detail, '$." id "') AS id, " \
	MINOR(json) " AS amount" \
	" FROM journal WHERE type = '" event "')," \
	" t AS (SELECT order_number, " id " AS id, " column " AS amount FROM " table ")" \
	" SELECT d.owner, '" label " ' || d.id, o.currency, d.jv, d.tv" \
	" FROM (" SIDES_DIFFER("id", "amount") ") d LEFT JOIN orders o ON o.order_number = d.owner"
#define AMOUNT_CHECK(event, id, member, table, column, label) \
	AMOUNT_CHECK_OF(event, id, "json_extract(detail, '$." member "')", table, column, label)

/*
 * The sum of amounts v, which never fails: SQLite's sum() raises "integer
 * overflow" beyond int64, total() does not and is exact while each partial
 * sum is an integer below 2^53, which holds when every amount is one
 * sluice writes (0 to MONEY_MAX) and so is the sum.  Otherwise the sum is
 * AUDIT_BEYOND, which no amount of the ledger equals.
 */
#define AMOUNT_SUM(v) "CASE WHEN min(" v ") >= 0 AND total(" v ") <= " MONEY_MAX_TEXT \
	" THEN CAST(total(" v ") AS INTEGER) ELSE '" AUDIT_BEYOND "' END"

/* An order's units per line, as "Q ordered, S shipped, C cancelled, R returned",
 * from total()s: unlike sum(), they never fail on units that add up beyond
 * int64, and are exact for any count of units sluice writes. */
#define UNITS(q, s, c, r) "printf('%d ordered, %d shipped, %d cancelled, %d returned', " \
	q ", " s ", " c ", " r ")"

static const char *const checks[] = {
	/* every order was received by an event, and every received order is kept */
	"SELECT order_number, 'order', NULL, 'received', NULL FROM journal"
	" WHERE type = 'order_received' AND order_number NOT IN (SELECT order_number FROM orders)"
	" UNION ALL"
	" SELECT order_number, 'order', NULL, NULL, 'kept' FROM orders WHERE order_number NOT IN"
	" (SELECT order_number FROM journal WHERE type = 'order_received')",

	/* the status the latest status event left */
	"WITH last AS (SELECT order_number, max(seq) AS seq FROM journal"
	" WHERE type IN ('order_received', 'status_changed') GROUP BY order_number),"
	" j AS (SELECT last.order_number, json_extract(e.detail, CASE e.type"
	" WHEN 'order_received' THEN '$.status' ELSE '$.to' END) AS status"
	" FROM last JOIN journal e ON e.seq = last.seq)"
	" SELECT o.order_number, 'status', NULL, j.status, o.status FROM orders o"
	" JOIN j USING (order_number) WHERE j.status IS NOT o.status",

	/* the hold the latest hold event left (none: not on hold) */
	"WITH last AS (SELECT order_number, max(seq) AS seq FROM journal"
	" WHERE type IN ('hold_set', 'hold_released') GROUP BY order_number)"
	" SELECT o.order_number, 'hold', NULL,"
	" CASE WHEN e.type IS 'hold_set' THEN 'on' ELSE 'off' END,"
	" CASE WHEN o.hold <> 0 THEN 'on' ELSE 'off' END"
	" FROM orders o LEFT JOIN last USING (order_number) LEFT JOIN journal e ON e.seq = last.seq"
	" WHERE (e.type IS 'hold_set') <> (o.hold <> 0)",

	/* each line's units: ordered, shipped, cancelled, returned (jn, tn:
	 * whether the journal and the tables know the line) */
	"WITH ev AS (SELECT e.order_number, e.type, json_extract(x.value, '$.line_id') AS line_id,"
	" json_extract(x.value, '$.quantity') AS q FROM journal e, json_each(e.detail, '$.lines') x"
	" WHERE e.type IN ('order_received', 'shipment_created', 'return_received')"
	" UNION ALL SELECT order_number, type, json_extract(detail, '$.line_id'),"
	" json_extract(detail, '$.quantity') FROM journal"
	" WHERE type IN ('line_added', 'units_cancelled')),"
	" u AS (SELECT order_number, line_id,"
	" CASE WHEN type IN ('order_received', 'line_added') THEN q ELSE 0 END AS jq,"
	" CASE type WHEN 'shipment_created' THEN q ELSE 0 END AS js,"
	" CASE type WHEN 'units_cancelled' THEN q ELSE 0 END AS jc,"
	" CASE type WHEN 'return_received' THEN q ELSE 0 END AS jr, 1 AS jn,"
	" 0 AS tq, 0 AS ts, 0 AS tc, 0 AS tr, 0 AS tn FROM ev"
	" UNION ALL SELECT order_number, line_id, 0, 0, 0, 0, 0, quantity, shipped, cancelled, 0, 1"
	" FROM order_lines"
	" UNION ALL SELECT s.order_number, sl.line_id, 0, 0, 0, 0, 0, 0, 0, 0, sl.returned, 0"
	" FROM shipment_lines sl JOIN shipments s USING (shipment_id))"
	" SELECT order_number, 'line ' || line_id, NULL,"
	" CASE WHEN total(jn) > 0 THEN " UNITS("total(jq)", "total(js)", "total(jc)", "total(jr)")
	" END,"
	" CASE WHEN total(tn) > 0 THEN " UNITS("total(tq)", "total(ts)", "total(tc)", "total(tr)")
	" END"
	" FROM u GROUP BY order_number, line_id HAVING total(jq) <> total(tq)"
	" OR total(js) <> total(ts) OR total(jc) <> total(tc) OR total(jr) <> total(tr)"
	" OR total(jn) = 0 OR total(tn) = 0",

	/* authorized: the order's amount plus every successful authorization */
	"WITH e AS (SELECT order_number, " MINOR("json_extract(detail, CASE type"
	" WHEN 'order_received' THEN '$.authorized' ELSE '$.amount' END)") " AS v"
	" FROM journal WHERE type = 'order_received' OR (type = 'payment_succeeded'"
	" AND json_extract(detail, '$.type') = 'authorization'"
	" AND json_extract(detail, '$.applied') IS NOT 0)),"
	" a AS (SELECT order_number, " AMOUNT_SUM("v") " AS amount FROM e GROUP BY order_number)"
	" SELECT o.order_number, 'authorized', o.currency, a.amount, o.authorized FROM orders o"
	" JOIN a USING (order_number) WHERE a.amount IS NOT o.authorized",

	/* captured at checkout, as the order arrived (none in events from
	 * before there was such a thing) */
	"WITH j AS (SELECT order_number, " MINOR("coalesce(json_extract(detail, '$.captured'),"
	" '0')") " AS v FROM journal WHERE type = 'order_received')"
	" SELECT o.order_number, 'captured at checkout', o.currency, j.v, o.captured_amount"
	" FROM orders o JOIN j USING (order_number) WHERE j.v IS NOT o.captured_amount",

	AMOUNT_CHECK("shipment_created", "shipment_id", "amount", "shipments", "amount", "shipment"),
	AMOUNT_CHECK_OF("shipment_created", "shipment_id",
	    "coalesce(json_extract(detail, '$.prepaid'), '0')", "shipments", "prepaid",
	    "shipment paid at checkout"),
	AMOUNT_CHECK("return_received", "return_id", "refund", "returns", "refund", "return"),
	AMOUNT_CHECK("return_received", "return_id", "shipping", "returns", "shipping_amount",
	    "shipping refunded by return"),
	AMOUNT_CHECK("payment_requested", "request_id", "amount", "payment_requests", "amount",
	    "request"),
	AMOUNT_CHECK("link_created", "link_id", "amount", "payment_links", "amount", "link"),

	/* the units of each line a shipment carries and a return brings back */
	"WITH j AS (SELECT e.order_number, CASE e.type WHEN 'shipment_created' THEN 'shipment '"
	" || json_extract(e.detail, '$.shipment_id') ELSE 'return ' || json_extract(e.detail,"
	" '$.return_id') END AS what, json_extract(x.value, '$.line_id') AS line_id,"
	" json_extract(x.value, '$.quantity') AS q FROM journal e, json_each(e.detail, '$.lines') x"
	" WHERE e.type IN ('shipment_created', 'return_received')),"
	" t AS (SELECT s.order_number, 'shipment ' || sl.shipment_id AS what, sl.line_id,"
	" sl.quantity AS q FROM shipment_lines sl JOIN shipments s USING (shipment_id)"
	" UNION ALL SELECT r.order_number, 'return ' || rl.return_id, rl.line_id, rl.quantity"
	" FROM return_lines rl JOIN returns r USING (return_id))"
	" SELECT owner, what || ' line ' || line_id, NULL, jv, tv FROM ("
	SIDES_DIFFER("what, line_id", "q") ")",

	/* whose each shipment, return, request and link is */
	"WITH j AS (SELECT 'shipment ' || json_extract(detail, '$.shipment_id') AS what, order_number"
	" FROM journal WHERE type = 'shipment_created'"
	" UNION ALL SELECT 'return ' || json_extract(detail, '$.return_id'), order_number"
	" FROM journal WHERE type = 'return_received'"
	" UNION ALL SELECT 'request ' || json_extract(detail, '$.request_id'), order_number"
	" FROM journal WHERE type = 'payment_requested'"
	" UNION ALL SELECT 'link ' || json_extract(detail, '$.link_id'), order_number"
	" FROM journal WHERE type = 'link_created'),"
	" t AS (SELECT 'shipment ' || shipment_id AS what, order_number FROM shipments"
	" UNION ALL SELECT 'return ' || return_id, order_number FROM returns"
	" UNION ALL SELECT 'request ' || request_id, order_number FROM payment_requests"
	" UNION ALL SELECT 'link ' || link_id, order_number FROM payment_links)"
	" SELECT j.order_number, what || ' order', NULL, j.order_number, t.order_number"
	" FROM j JOIN t USING (what) WHERE j.order_number IS NOT t.order_number",

	/* an order's shipping is refunded once, by a return that says so */
	"WITH j AS (SELECT DISTINCT order_number FROM journal WHERE type = 'return_received' AND"
	" (json_extract(detail, '$.refund_shipping') OR " MINOR("json_extract(detail, '$.shipping')")
	" > 0))"
	" SELECT o.order_number, 'shipping refunded', NULL,"
	" CASE WHEN j.order_number IS NULL THEN 'no' ELSE 'yes' END,"
	" CASE WHEN o.shipping_refunded <> 0 THEN 'yes' ELSE 'no' END"
	" FROM orders o LEFT JOIN j USING (order_number)"
	" WHERE (j.order_number IS NOT NULL) <> (o.shipping_refunded <> 0)",

	/* a shipment is shipped when created so or when a later file said so */
	"WITH j AS (SELECT json_extract(detail, '$.shipment_id') AS shipment_id,"
	" max(CASE type WHEN 'shipment_shipped' THEN 1 ELSE json_extract(detail, '$.shipped') END)"
	" AS shipped FROM journal WHERE type IN ('shipment_created', 'shipment_shipped')"
	" GROUP BY 1)"
	" SELECT s.order_number, 'shipment ' || s.shipment_id, NULL,"
	" CASE j.shipped WHEN 0 THEN 'not shipped' ELSE 'shipped' END,"
	" CASE s.shipped WHEN 0 THEN 'not shipped' ELSE 'shipped' END"
	" FROM shipments s JOIN j USING (shipment_id) WHERE (j.shipped <> 0) <> (s.shipped <> 0)",

	/* a request is answered by the one payment event that names it */
	"WITH a AS (SELECT json_extract(detail, '$.request_id') AS request_id,"
	" max(CASE type WHEN 'payment_succeeded' THEN 'succeeded' ELSE 'failed' END) AS status"
	" FROM journal WHERE type IN ('payment_succeeded', 'payment_failed')"
	" AND json_extract(detail, '$.type') <> 'authorization' GROUP BY 1)"
	" SELECT r.order_number, 'request ' || r.request_id, NULL, coalesce(a.status, 'pending'),"
	" r.status FROM payment_requests r LEFT JOIN a USING (request_id)"
	" WHERE coalesce(a.status, 'pending') <> r.status",

	/* a link is spent by the successful authorization that paid it, else
	 * expired or void by the event that says so, else open */
	"WITH e AS (SELECT json_extract(detail, '$.request_id') AS link_id, 3 AS rank FROM journal"
	" WHERE type = 'payment_succeeded' AND json_extract(detail, '$.type') = 'authorization'"
	" AND json_extract(detail, '$.applied') IS NOT 0"
	" UNION ALL SELECT json_extract(detail, '$.link_id'), CASE type WHEN 'link_expired'"
	" THEN 2 ELSE 1 END FROM journal WHERE type IN ('link_expired', 'link_voided')),"
	" j AS (SELECT link_id, CASE max(rank) WHEN 3 THEN 'spent' WHEN 2 THEN 'expired'"
	" ELSE 'void' END AS status FROM e GROUP BY link_id)"
	" SELECT k.order_number, 'link ' || k.link_id, NULL, coalesce(j.status, 'open'), k.status"
	" FROM payment_links k LEFT JOIN j USING (link_id)"
	" WHERE coalesce(j.status, 'open') <> k.status",

	/* an order awaits payment from its arrival, if it arrived so, until its
	 * due first came to nothing */
	"WITH j AS (SELECT order_number, max(CASE type WHEN 'order_received' THEN"
	" coalesce(json_extract(detail, '$.awaiting_payment'), 0) ELSE 0 END) AS arrived,"
	" max(type = 'awaiting_payment_ended') AS ended FROM journal"
	" WHERE type IN ('order_received', 'awaiting_payment_ended') GROUP BY order_number)"
	" SELECT o.order_number, 'awaiting payment', NULL,"
	" CASE WHEN j.arrived AND NOT j.ended THEN 'yes' ELSE 'no' END,"
	" CASE WHEN o.awaiting_payment <> 0 THEN 'yes' ELSE 'no' END"
	" FROM orders o JOIN j USING (order_number)"
	" WHERE (j.arrived AND NOT j.ended) <> (o.awaiting_payment <> 0)",

	/* every document issued is kept, with its type and order */
	"WITH j AS (SELECT order_number, json_extract(detail, '$.number') AS number,"
	" json_extract(detail, '$.type') || ' of ' || coalesce(order_number, 'no order') AS what"
	" FROM journal WHERE type = 'document_issued'),"
	" t AS (SELECT order_number, number, type || ' of ' || coalesce(order_number, 'no order')"
	" AS what FROM documents)"
	" SELECT owner, 'document ' || number, NULL, jv, tv FROM ("
	SIDES_DIFFER("number", "what") ")",

	/*
	 * a series' documents are numbered 1 to its last number without a gap:
	 * each invoice and credit note belongs to the longest series prefix its
	 * number starts with, digits following; one that belongs to none, or a
	 * series that lost its row, is named too
	 */
	"WITH m AS (SELECT d.number, s.prefix, length(s.prefix) AS len,"
	" CAST(substr(d.number, length(s.prefix) + 1) AS INTEGER) AS n FROM documents d"
	" JOIN number_series s ON substr(d.number, 1, length(s.prefix)) = s.prefix"
	" AND length(d.number) > length(s.prefix)"
	" AND substr(d.number, length(s.prefix) + 1) NOT GLOB '*[^0-9]*'"
	" WHERE d.type IN ('invoice', 'credit_note')),"
	" best AS (SELECT number, prefix, n, max(len) FROM m GROUP BY number),"
	" found AS (SELECT prefix, count(*) AS c, min(n) AS lo, max(n) AS hi FROM best"
	" GROUP BY prefix)"
	" SELECT NULL, 'series ' || s.prefix, NULL,"
	" printf('%d documents numbered 1 to %d', s.last, s.last),"
	" printf('%d documents numbered %d to %d', coalesce(f.c, 0), coalesce(f.lo, 0),"
	" coalesce(f.hi, 0)) FROM number_series s LEFT JOIN found f USING (prefix)"
	" WHERE coalesce(f.c, 0) <> s.last OR f.lo IS NOT 1 OR f.hi IS NOT s.last"
	" UNION ALL SELECT d.order_number, 'document ' || d.number, NULL, 'in a number series',"
	" 'in none' FROM documents d WHERE d.type IN ('invoice', 'credit_note')"
	" AND d.number NOT IN (SELECT number FROM best)",
};

struct audit_run {
	void (*diff)(const struct audit_difference *d, void *ctx);
	void *ctx;
};

static const char *
text(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static int
difference_row(sqlite3_stmt *st, void *ctx)
{
	struct audit_run *run = ctx;
	struct audit_difference d = { text(st, 0), text(st, 1), text(st, 2), text(st, 3),
		text(st, 4) };

	run->diff(&d, run->ctx);
	return 0;
}

static int
count_row(sqlite3_stmt *st, void *ctx)
{
	int64_t *n = ctx;

	n[0] = sqlite3_column_int64(st, 0);
	n[1] = sqlite3_column_int64(st, 1);
	return 0;
}

int
ledger_audit(struct ledger *l, void (*diff)(const struct audit_difference *d, void *ctx),
    void *ctx, struct audit_counts *counts)
{
	struct audit_run run = { diff, ctx };
	int64_t n[2] = { 0, 0 };
	int ret = -1;

	counts->differences = 0;
	/* one snapshot: a daemon committing meanwhile is not seen half-way */
	if (ledger_run(l, "BEGIN", "") != 0)
		return -1;
	/* a ledger changed past its constraints (a NULL where none may be, a
	 * value a CHECK refuses) is reported as damaged, not compared */
	if (ledger_quick_check(l) != 0) {
		ret = -2;
		goto out;
	}
	if (ledger_query(l, "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM journal)",
	    count_row, n, "") != 1)
		goto out;
	counts->orders = n[0];
	counts->events = n[1];
	for (size_t i = 0; i < sizeof checks / sizeof checks[0]; i++) {
		int rows = ledger_query(l, checks[i], difference_row, &run, "");

		if (rows < 0)
			goto out;
		counts->differences += rows;
	}
	ret = 0;
out:
	ledger_rollback(l);
	return ret;
}
