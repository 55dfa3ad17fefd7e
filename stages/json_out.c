/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "stages/json_out.h"

json_t *
json_echo(const char *s)
{
	struct buf b = { 0 };
	json_t *j;

	if (s == NULL)
		return json_null();
	sanitize_text(s, strlen(s), &b);
	j = json_string(buf_str(&b));
	buf_free(&b);
	if (j == NULL)
		fatal("json_string failed");
	return j;
}

json_t *
json_text(const char *s)
{
	json_t *j;

	if (s == NULL || !utf8_valid(s, strlen(s)))
		return json_echo(s);
	if ((j = json_string(s)) == NULL)
		fatal("json_string failed");
	return j;
}

void
json_set_error(json_t *j, const struct error_item *e)
{
	json_object_set_new(j, "line", json_integer(e->line));
	json_object_set_new(j, "field", json_text(e->field));
	json_object_set_new(j, "code", json_text(err_code_name(e->code)));
	json_object_set_new(j, "message", json_text(e->message));
}
