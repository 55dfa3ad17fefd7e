/* SPDX-License-Identifier: ISC */
/*
 * templates: reading document templates' files (templates.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/templates.h"
#include "stages/template.h"
#include "stages/validate.h"

#define MAX_LOGO (1024 * 1024)

/* True when opening a file failed for what the file is or where it is
 * (missing, not a file, not ours to read), not for the machine. */
static bool
file_unusable(int err)
{
	return err == 0 || err == ENOENT || err == ENOTDIR || err == EACCES || err == EPERM ||
	    err == ELOOP || err == ENAMETOOLONG || err == EISDIR || err == ENXIO;
}

/* Reads the regular file path, of at most max bytes, whole into out.
 * Returns 0; -1 when it cannot be used (missing: errno ENOENT, not a file,
 * unreadable, too large); -2 when reading it failed (an I/O error, no
 * memory or descriptors: the machine's fault).  The reason is in errs. */
static int
read_file(const char *path, size_t max, struct buf *out, struct buf *errs)
{
	FILE *f = fopen_regular(path);
	char chunk[8192];
	size_t n;
	int ret = 0;

	if (f == NULL) {
		int err = errno;

		if (err == 0)
			buf_printf(errs, "%s is not a regular file\n", path);
		else
			buf_printf(errs, "%s: %s\n", path, strerror(err));
		errno = err;
		return file_unusable(err) ? -1 : -2;
	}
	buf_reset(out);
	while (ret == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
		if (out->len + n > max) {
			buf_printf(errs, "%s is larger than %zu bytes\n", path, max);
			ret = -1;
		} else
			buf_append(out, chunk, n);
	}
	if (ret == 0 && ferror(f)) {
		buf_printf(errs, "%s: %s\n", path, strerror(errno));
		ret = -2;
	}
	fclose(f);
	return ret;
}

int
templates_read(const char *dir, const char *name, bool is_default, struct buf *text,
    struct buf *logo, struct buf *errs)
{
	struct template t;
	char *path = xasprintf("%s/%s.conf", dir, name);
	int ret = -1;

	buf_reset(text);
	buf_reset(logo);
	if (!valid_id(name, strlen(name))) {
		buf_printf(errs, "'%s' is not a template name\n", name);
		goto out;
	}
	if ((ret = read_file(path, 65536, text, errs)) != 0) {
		if (ret == -2 || !is_default || errno != ENOENT)
			goto out;
		/* no file of the default template: the built-in one */
		buf_reset(errs);
		buf_puts(text, template_default_text());
	}
	ret = -1;
	if (template_parse(buf_str(text), &t, errs) != 0)
		goto out_template;
	if (t.logo != NULL) {
		char *logo_path = xasprintf("%s/%s", dir, t.logo);
		int rc = read_file(logo_path, MAX_LOGO, logo, errs);

		free(logo_path);
		/* only a default template whose logo file is not there at all
		 * gets the built-in logo: an unreadable one is an error */
		if (rc == -1 && errno == ENOENT && is_default && strcmp(t.logo, "logo.png") == 0) {
			size_t size;
			const unsigned char *p = template_default_logo(&size);

			buf_reset(errs);
			buf_append(logo, p, size);
			rc = 0;
		}
		if (rc != 0) {
			ret = rc;
			goto out_template;
		}
		if (logo->len < 8 || memcmp(logo->data, "\x89PNG\r\n\x1a\n", 8) != 0) {
			buf_printf(errs, "%s is not a PNG image\n", t.logo);
			goto out_template;
		}
	}
	ret = 0;
out_template:
	template_clear(&t);
out:
	free(path);
	return ret;
}
