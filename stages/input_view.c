/* SPDX-License-Identifier: ISC */
/* input_view: an input's line and JSON object (input_view.h). */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "base/util.h"
#include "stages/input_view.h"
#include "stages/json_out.h"

const char *
input_view_status(const struct input_row *in)
{
	return in->status == INPUT_NONE ? "claimed" : input_status_name(in->status);
}

/* When a deferred input expires, as text (TIME_SIZE bytes at least). */
static const char *
expiry_text(const struct input_view *v, char *out, size_t outsz)
{
	if (v->expires_ns == INT64_MAX)
		snprintf(out, outsz, "unknown until it is tried again");
	else
		format_time(v->expires_ns, out, outsz);
	return out;
}

void
input_view_line(FILE *out, const struct input_view *v)
{
	const struct input_row *in = v->in;
	char received[TIME_SIZE], expires[64];

	format_time(in->received_ns, received, sizeof received);
	if (in->id > 0)
		fprintf(out, "%" PRId64, in->id);
	else
		fputc('-', out);
	sanitized_printf(out, "  %s/%s", in->kind, in->name);
	fprintf(out, "  %s  %s", received, input_view_status(in));
	if (in->id > 0)
		fprintf(out, "  %" PRId64 " record%s", in->records, in->records == 1 ? "" : "s");
	if (v->first != NULL)
		fprintf(out, "  %s: %s", err_code_name(v->first->code), v->first->message);
	if (in->status == INPUT_DEFERRED)
		fprintf(out, "  expires %s%s", expiry_text(v, expires, sizeof expires),
		    v->expires_ns == INT64_MAX ? "" :
		    v->expires_by_link ? " (its payment link's expiry)" : " (defer_expiry)");
	fputc('\n', out);
}

json_t *
input_view_json(const struct input_view *v)
{
	const struct input_row *in = v->in;
	json_t *j = json_object(), *first = json_null();
	char received[TIME_SIZE];
	bool expiring = in->status == INPUT_DEFERRED && v->expires_ns != INT64_MAX;

	format_time(in->received_ns, received, sizeof received);
	if (v->first != NULL) {
		first = json_object();
		json_set_error(first, v->first);
	}
	json_object_set_new(j, "id", in->id > 0 ? json_integer(in->id) : json_null());
	json_object_set_new(j, "kind", json_text(in->kind));
	json_object_set_new(j, "name", json_echo(in->name));
	json_object_set_new(j, "received", json_text(received));
	json_object_set_new(j, "status", json_text(input_view_status(in)));
	json_object_set_new(j, "records", in->id > 0 ? json_integer(in->records) : json_null());
	json_object_set_new(j, "error_count",
	    in->id > 0 ? json_integer(in->error_count) : json_null());
	json_object_set_new(j, "first_error", first);
	if (expiring) {
		char expires[TIME_SIZE];

		format_time(v->expires_ns, expires, sizeof expires);
		json_object_set_new(j, "expires", json_text(expires));
		json_object_set_new(j, "expires_by",
		    json_text(v->expires_by_link ? "payment_link" : "defer_expiry"));
	} else {
		json_object_set_new(j, "expires", json_null());
		json_object_set_new(j, "expires_by", json_null());
	}
	return j;
}
