/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu bytes)", size);
	return p;
}

void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (p == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return p;
}

void *
xreallocarray(void *p, size_t n, size_t size)
{
	void *q;

	if (size != 0 && n > SIZE_MAX / size)
		fatal("allocation overflow (%zu x %zu bytes)", n, size);
	q = realloc(p, (n * size) != 0 ? n * size : 1);
	if (q == NULL)
		fatal("out of memory (%zu x %zu bytes)", n, size);
	return q;
}

void *
xgrow(void *arr, size_t *n, size_t size)
{
	char *p = xreallocarray(arr, *n + 1, size);

	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

void *
xreserve(void *arr, size_t n, size_t *cap, size_t first, size_t size)
{
	if (n < *cap)
		return arr;
	*cap = *cap ? *cap * 2 : first;
	return xreallocarray(arr, *cap, size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
xasprintf(const char *fmt, ...)
{
	struct buf b = { 0 };
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return b.data ? b.data : xstrdup("");
}

static void
buf_grow(struct buf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need < b->len)
		fatal("buffer overflow");
	if (need <= b->cap)
		return;
	if (b->cap == 0)
		b->cap = 64;
	while (b->cap < need)
		b->cap *= 2;
	b->data = xreallocarray(b->data, b->cap, 1);
}

void
buf_append(struct buf *b, const void *p, size_t n)
{
	buf_grow(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void
buf_putc(struct buf *b, char c)
{
	buf_append(b, &c, 1);
}

void
buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		fatal("vsnprintf failed");
	buf_grow(b, (size_t)n);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
buf_put_int(struct buf *b, int64_t v)
{
	char num[24], *p = num + sizeof num;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		*--p = '-';
	buf_append(b, p, (size_t)(num + sizeof num - p));
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

char *
excerpt(const char *s, size_t len, size_t max_chars, char *out, size_t outsz)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < len && i < max_chars; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 2 > outsz)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 5 > outsz)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 <= outsz) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

size_t
utf8_decode(const char *str, size_t len, uint32_t *cp)
{
	const unsigned char *s = (const unsigned char *)str;
	unsigned char c = s[0];
	size_t n;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c >= 0xc2 && c <= 0xdf) {
		n = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 2;
		v = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 3;
		v = c & 0x07;
	} else
		return 0;
	if (len - 1 < n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((s[k] & 0xc0) != 0x80)
			return 0;
		v = (v << 6) | (s[k] & 0x3f);
	}
	if ((n == 2 && v < 0x800) || (n == 3 && v < 0x10000) || v > 0x10ffff ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n + 1;
}

bool
unicode_printable(uint32_t cp)
{
	return !(cp < 0x20 || (cp >= 0x7f && cp < 0xa0) || cp == 0x2028 || cp == 0x2029 ||
	    (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069) ||
	    (cp >= 0xfdd0 && cp <= 0xfdef) || (cp & 0xfffe) == 0xfffe);
}

void
sanitize_text(const char *s, size_t len, struct buf *out)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0 || !unicode_printable(cp) || cp == '\\') {
			/* every byte of it: a reader sees exactly what was sent */
			n = n > 0 ? n : 1;
			for (size_t k = 0; k < n; k++)
				buf_printf(out, "\\x%02x", (unsigned char)s[i + k]);
		} else
			buf_append(out, s + i, n);
		i += n;
	}
}

void
sanitized_puts(FILE *out, const char *s)
{
	struct buf b = { 0 };

	if (s == NULL)
		return;
	sanitize_text(s, strlen(s), &b);
	fputs(buf_str(&b), out);
	buf_free(&b);
}

void
sanitized_printf(FILE *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	for (const char *p = fmt; *p != '\0'; p++)
		if (p[0] == '%' && p[1] == 's') {
			sanitized_puts(out, va_arg(ap, const char *));
			p++;
		} else
			fputc(*p, out);
	va_end(ap);
}

size_t
utf8_bom_len(const char *s, size_t len)
{
	return len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
}

bool
utf8_valid(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint32_t cp;
		size_t n = utf8_decode(s + i, len - i, &cp);

		if (n == 0)
			return false;
		i += n;
	}
	return true;
}

char *
str_trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

bool
str_iendswith(const char *s, const char *suffix)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

const char *
name_of(const struct name_table *t, int v)
{
	return v >= 0 && (size_t)v < t->n ? t->names[v] : NULL;
}

bool
value_of(const struct name_table *t, const char *name, int *v)
{
	for (size_t i = 0; name != NULL && i < t->n; i++)
		if (t->names[i] != NULL && strcmp(t->names[i], name) == 0) {
			*v = (int)i;
			return true;
		}
	return false;
}

FILE *
fopen_regular(const char *path)
{
	/* without O_NONBLOCK, opening a FIFO would wait for a writer */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	FILE *f;
	int saved;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || (f = fdopen(fd, "r")) == NULL) {
		saved = S_ISREG(st.st_mode) ? errno : 0;
		close(fd);
		errno = saved;
		return NULL;
	}
	return f;
}

int
write_all(int fd, const void *p, size_t len)
{
	const char *s = p;

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

int64_t
now_ns(void)
{
	static int64_t fixed = -1, ticks;
	struct timespec ts;

	/* SLUICE_CLOCK (seconds since the epoch) stops sluice's clock there,
	 * moving on by a nanosecond a reading: tests use it to let days pass
	 * (deferral expiry) and to date documents reproducibly */
	if (fixed < 0) {
		const char *env = getenv("SLUICE_CLOCK");

		fixed = env != NULL ? strtoll(env, NULL, 10) * 1000000000 : 0;
		if (fixed < 0)
			fixed = 0;
	}
	if (fixed > 0)
		return fixed + ticks++;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		fatal("clock_gettime: %s", strerror(errno));
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t
monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void
format_time(int64_t ns, char *out, size_t outsz)
{
	time_t secs = (time_t)(ns / 1000000000);
	long ms = (long)((ns % 1000000000) / 1000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(out, outsz, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, ms);
}

const char *
user_name(uid_t uid, char *out, size_t outsz)
{
	struct passwd *pw = getpwuid(uid);

	if (pw != NULL)
		snprintf(out, outsz, "%s", pw->pw_name);
	else
		snprintf(out, outsz, "#%ld", (long)uid);
	return out;
}

const char *
sudo_as(uid_t uid, char *out, size_t outsz)
{
	char user[USER_SIZE];
	const char *quote = user_name(uid, user, sizeof user)[0] == '#' ? "'" : "";

	snprintf(out, outsz, "sudo -u %s%s%s", quote, user, quote);
	return out;
}

char *
denied_text(const char *verb, const char *path)
{
	char user[USER_SIZE], owner[USER_SIZE], group[USER_SIZE];
	struct stat st;
	struct group *gr;

	user_name(geteuid(), user, sizeof user);
	if (stat(path, &st) != 0)
		return xasprintf("user %s may not %s %s", user, verb, path);
	if ((gr = getgrgid(st.st_gid)) != NULL)
		snprintf(group, sizeof group, "%s", gr->gr_name);
	else
		snprintf(group, sizeof group, "#%ld", (long)st.st_gid);
	return xasprintf("user %s may not %s %s (owned by %s, group %s, mode %04o)", user, verb,
	    path, user_name(st.st_uid, owner, sizeof owner), group, (unsigned)(st.st_mode & 07777));
}

void
sleep_ns(int64_t ns)
{
	struct timespec ts = { (time_t)(ns / 1000000000), (long)(ns % 1000000000) };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}
