/* SPDX-License-Identifier: ISC */
/*
 * journal: the events of an order's journal (journal.h).
 */
#include "config.h"

#include <stdarg.h>

#include "pipeline/ledger/ledger.h"
#include "stages/journal.h"

int
journal_event(struct apply_ctx *a, const char *order_number, const char *type,
    const char *fmt, ...)
{
	struct buf detail = { 0 };
	va_list ap;
	int ret;

	buf_putc(&detail, '{');
	va_start(ap, fmt);
	buf_vprintf(&detail, fmt, ap);
	va_end(ap);
	buf_putc(&detail, '}');
	ret = ledger_journal_add(a->ledger, order_number, type, a->input_id, NULL, a->at,
	    buf_str(&detail));
	buf_free(&detail);
	return ret;
}

void
journal_line(struct buf *b, int64_t line_id, int64_t quantity)
{
	buf_printf(b, "%s{\"line_id\":%lld,\"quantity\":%lld}", b->len > 0 ? "," : "",
	    (long long)line_id, (long long)quantity);
}

