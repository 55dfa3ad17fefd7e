#include "config.h"

#include <string.h>

#include "pipeline/log.h"
#include "pipeline/util.h"
#include "stages/json_out.h"

/* A JSON string of s, sanitized unless as_is and s is UTF-8. */
static json_t *
json_of(const char *s, bool as_is)
{
	struct buf b = { 0 };
	json_t *j;

	if (s == NULL)
		return json_null();
	if (as_is && utf8_valid(s, strlen(s)))
		j = json_string(s);
	else {
		sanitize_text(s, strlen(s), &b);
		j = json_string(buf_str(&b));
		buf_free(&b);
	}
	if (j == NULL)
		fatal("json_string failed");
	return j;
}

json_t *
json_text(const char *s)
{
	return json_of(s, true);
}

json_t *
json_echo(const char *s)
{
	return json_of(s, false);
}
