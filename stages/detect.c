/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "stages/detect.h"

static int
from_folder(const char *path)
{
	char *dir = xstrdup(path), *slash = strrchr(dir, '/'), *parent;
	int kind = -1;

	if (slash != NULL) {
		*slash = '\0';
		parent = strrchr(dir, '/');
		parent = parent != NULL ? parent + 1 : dir;
		const struct kind_def *k = kind_by_name(parent);

		if (k != NULL)
			kind = (int)k->kind;
	}
	free(dir);
	return kind;
}

/* The root element's local name, from the first start tag. */
static int
from_xml(const char *text)
{
	for (const char *p = strchr(text, '<'); p != NULL; p = strchr(p + 1, '<')) {
		const char *name = p + 1, *end, *colon;
		char local[32];

		if (*name == '?' || *name == '!')
			continue;
		end = name + strcspn(name, " \t\r\n/>");
		colon = memchr(name, ':', (size_t)(end - name));
		if (colon != NULL)
			name = colon + 1;
		if ((size_t)(end - name) >= sizeof local)
			return -1;
		memcpy(local, name, (size_t)(end - name));
		local[end - name] = '\0';
		const struct kind_def *k = kind_by_name(local);

		return k != NULL ? (int)k->kind : -1;
	}
	return -1;
}

/* The kind whose own id column the header row has.  A kind whose header
 * also names another kind's id (returns and actions name a shipment_id)
 * comes before that kind. */
static int
from_csv(const char *text)
{
	static const char *const ids[][2] = {
		{ "amendment_id", "amendments" }, { "cancellation_id", "cancellations" },
		{ "return_id", "returns" }, { "action_id", "actions" },
		{ "shipment_id", "shipments" },
		{ "event_id", "payments" }, { "invoice_id", "invoices" },
		{ "order_number", "orders" },
	};
	size_t len = strcspn(text, "\r\n");

	for (size_t i = 0; i < NELEM(ids); i++) {
		size_t n = strlen(ids[i][0]);

		for (const char *p = text; p + n <= text + len; p++)
			if (memcmp(p, ids[i][0], n) == 0 && (p == text || p[-1] == ',' || p[-1] == '"') &&
			    (p + n == text + len || p[n] == ',' || p[n] == '"'))
				return (int)kind_by_name(ids[i][1])->kind;
	}
	return -1;
}

int
detect_kind(const char *path)
{
	char text[8192];
	ssize_t n;
	int fd, kind = from_folder(path);

	if (kind >= 0)
		return kind;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = '\0';
	if (str_iendswith(path, ".xml"))
		return from_xml(text);
	return from_csv(text[0] == '\xef' && n >= 3 ? text + 3 : text);
}
