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
	ret = journal_event_json(a, order_number, type, buf_str(&detail));
	buf_free(&detail);
	return ret;
}

int
journal_event_json(struct apply_ctx *a, const char *order_number, const char *type,
    const char *detail)
{
	return ledger_journal_add(a->ledger, order_number, type, a->input_id, NULL, a->at, detail);
}

void
journal_line(struct buf *b, int64_t line_id, int64_t quantity)
{
	buf_puts(b, b->len > 0 ? ",{\"line_id\":" : "{\"line_id\":");
	buf_put_int(b, line_id);
	buf_puts(b, ",\"quantity\":");
	buf_put_int(b, quantity);
	buf_putc(b, '}');
}

