/* SPDX-License-Identifier: ISC */
/*
 * render_receipt: out/receipts/<kind>/<input name>.receipt.xml, what became of
 * one input file (CONTRACT 4.1), rendered from its ledger row alone.
 */
#include "config.h"

#include "pipeline/ledger/ledger.h"
#include "base/log.h"
#include "stages/document.h"
#include "stages/stages.h"
#include "stages/xml_out.h"

static int
write_error(void *ctx, const struct error_item *e)
{
	struct xml_out *x = ctx;

	xml_out_start(x, "error");
	xml_out_int(x, "line", e->line);
	xml_out_text(x, "field", e->field);
	xml_out_text(x, "code", err_code_name(e->code));
	xml_out_text(x, "message", e->message);
	xml_out_end(x);
	return 0;
}

int
render_receipt(const struct render_ctx *r, int64_t input_id, struct buf *out)
{
	struct ledger *l = r->ledger;
	struct input_row in = { 0 };
	struct xml_out *x;
	int found, ret = -1;

	found = ledger_input_get(l, input_id, &in);
	if (found <= 0) {
		if (found == 0)
			log_error("receipt: input %lld is not in the ledger", (long long)input_id);
		return -1;
	}
	x = xml_out_begin("receipt");
	xml_out_echo(x, "file", in.name);
	xml_out_text(x, "sha256", in.sha256);
	xml_out_text(x, "kind", in.kind);
	xml_out_text(x, "status", input_status_name(in.status));
	xml_out_int(x, "records", in.records);
	xml_out_text(x, "processed_at", in.processed_at);
	if (ledger_input_errors(l, input_id, write_error, x) == 0)
		ret = 0;
	xml_out_finish(x, out);
	ledger_input_clear(&in);
	return ret;
}
