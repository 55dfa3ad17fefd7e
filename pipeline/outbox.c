#include "config.h"

#include "pipeline/log.h"
#include "pipeline/outbox.h"
#include "stages/stages.h"

int
outbox_publish(const struct render_ctx *r, struct spool *sp)
{
	struct ledger *l = r->ledger;
	struct outbox_row *rows;
	struct buf doc = { 0 };
	size_t n, done = 0;
	int ret = -1;

	if (ledger_outbox_pending(l, &rows, &n) != 0)
		return -1;
	if (n == 0) {
		ret = 0;
		goto out;
	}
	for (; done < n; done++) {
		render_fn render = stage_renderer(rows[done].doc);

		if (render == NULL) {
			log_error("outbox row %lld: no renderer for '%s'", (long long)rows[done].id,
			    rows[done].doc);
			break;
		}
		buf_reset(&doc);
		if (render(r, rows[done].ref, &doc) != 0 ||
		    spool_publish(sp, rows[done].path, doc.data, doc.len) != 0)
			break;
	}
	/* what was renamed into place must be durable before it is marked */
	if (spool_sync_outputs(sp) != 0)
		goto out;
	if (done > 0) {
		if (ledger_begin(l) != 0)
			goto out;
		for (size_t i = 0; i < done; i++)
			if (ledger_outbox_mark(l, rows[i].id) != 0) {
				ledger_rollback(l);
				goto out;
			}
		if (ledger_commit(l) != 0) {
			ledger_rollback(l);
			goto out;
		}
	}
	ret = done == n ? 0 : -1;
out:
	buf_free(&doc);
	ledger_outbox_free(rows, n);
	return ret;
}
