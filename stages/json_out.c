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
