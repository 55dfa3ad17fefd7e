/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "base/log.h"
#include "base/token.h"

#define PREFIX "v1."

int
token_secret_create(const char *path)
{
	unsigned char raw[32];
	char hex[sizeof raw * 2 + 2];
	char *tmp;
	struct stat st;
	int fd, ret = -1;

	if (lstat(path, &st) == 0)
		return 0;
	/* written whole under a temporary name, then linked into place: a
	 * sluice that finds the secret never reads it half written, and a
	 * crash leaves no empty secret behind */
	tmp = xasprintf("%s.XXXXXX", path);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		log_error("cannot create %s: %s", tmp, strerror(errno));
		free(tmp);
		return -1;
	}
	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) {
		log_error("getrandom: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(hex + 2 * i, 3, "%02x", raw[i]);
	hex[sizeof raw * 2] = '\n';
	if (write(fd, hex, sizeof raw * 2 + 1) != (ssize_t)(sizeof raw * 2 + 1) || fsync(fd) != 0) {
		log_error("cannot write %s: %s", tmp, strerror(errno));
		goto out;
	}
	if (link(tmp, path) == 0)
		ret = 1;
	else if (errno == EEXIST)
		ret = 0;
	else
		log_error("cannot create %s: %s", path, strerror(errno));
out:
	close(fd);
	unlink(tmp);
	free(tmp);
	return ret;
}

int
token_secret_load(const char *path, struct buf *secret, struct buf *why)
{
	FILE *f = fopen_regular(path);
	char line[1024];
	size_t len;

	if (f == NULL) {
		if (errno == 0)
			buf_printf(why, "the payment link secret %s is not a regular file", path);
		else
			buf_printf(why, "cannot read the payment link secret %s: %s", path,
			    strerror(errno));
		return -1;
	}
	if (fgets(line, sizeof line, f) == NULL) {
		buf_printf(why, "the payment link secret %s is %s", path,
		    ferror(f) ? strerror(errno) : "empty");
		fclose(f);
		return -1;
	}
	fclose(f);
	line[strcspn(line, "\r\n")] = '\0';
	len = strlen(line);
	if (len < TOKEN_SECRET_MIN) {
		buf_printf(why, "the payment link secret %s is too short (%zu characters on its first "
		    "line; at least %d)", path, len, TOKEN_SECRET_MIN);
		return -1;
	}
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)line[i] <= ' ' || line[i] == 0x7f) {
			buf_printf(why, "the payment link secret %s holds a space or control character "
			    "(it is one line of at least %d visible characters)", path,
			    TOKEN_SECRET_MIN);
			return -1;
		}
	buf_reset(secret);
	buf_puts(secret, line);
	return 0;
}

static void
b64url(const unsigned char *p, size_t n, struct buf *out)
{
	char *tmp = xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)tmp, p, (int)n);

	for (int i = 0; i < len; i++) {
		if (tmp[i] == '=')
			break;
		buf_putc(out, tmp[i] == '+' ? '-' : tmp[i] == '/' ? '_' : tmp[i]);
	}
	free(tmp);
}

/* Decodes base64url text into out; false when malformed. */
static bool
b64url_decode(const char *s, size_t n, struct buf *out)
{
	struct buf std = { 0 };
	unsigned char *raw;
	int len;
	bool ok = false;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '_'))
			goto out;
		buf_putc(&std, c == '-' ? '+' : c == '_' ? '/' : c);
	}
	if (n % 4 == 1)
		goto out;
	while (std.len % 4 != 0)
		buf_putc(&std, '=');
	raw = xmalloc(std.len + 1);
	len = EVP_DecodeBlock(raw, (const unsigned char *)buf_str(&std), (int)std.len);
	if (len >= 0) {
		struct buf again = { 0 };

		/* EVP_DecodeBlock counts each '=' of padding as a zero byte */
		len -= (int)(std.len - n);
		/* The last character may carry padding bits that decoding ignores:
		 * only the one canonical spelling of the bytes is accepted, so a
		 * token changed in any character fails. */
		b64url(raw, (size_t)len, &again);
		if (again.len == n && memcmp(again.data, s, n) == 0) {
			buf_append(out, raw, (size_t)len);
			ok = true;
		}
		buf_free(&again);
	}
	free(raw);
out:
	buf_free(&std);
	return ok;
}

static void
mac_of(const struct buf *secret, const char *text, size_t len, unsigned char mac[32])
{
	unsigned int n = 32;

	if (HMAC(EVP_sha256(), secret->data, (int)secret->len, (const unsigned char *)text, len,
	    mac, &n) == NULL || n != 32)
		fatal("HMAC-SHA256 failed");
}

void
token_make(const struct buf *secret, const struct link_claim *c, struct buf *out)
{
	char payload[256];
	unsigned char mac[32];
	size_t start = out->len;
	int n;

	assert(secret->len >= TOKEN_SECRET_MIN);   /* processor_init() refused to start */
	n = snprintf(payload, sizeof payload, "%s|%s|%" PRId64 "|%s", c->link_id, c->order_number,
	    c->amount, c->currency);
	buf_puts(out, PREFIX);
	b64url((const unsigned char *)payload, (size_t)n, out);
	mac_of(secret, out->data + start, out->len - start, mac);
	buf_putc(out, '.');
	b64url(mac, sizeof mac, out);
}

bool
token_like(const char *s)
{
	return strncmp(s, PREFIX, strlen(PREFIX)) == 0 && strchr(s + strlen(PREFIX), '.') != NULL;
}

bool
token_verify(const struct buf *secret, const char *token, struct link_claim *c)
{
	const char *dot;
	struct buf payload = { 0 }, given = { 0 };
	unsigned char mac[32];
	char *fields[4], *p;
	bool ok = false;
	int nf = 0;

	if (!token_like(token) || secret->len == 0)
		return false;
	dot = strchr(token + strlen(PREFIX), '.');
	if (!b64url_decode(dot + 1, strlen(dot + 1), &given) || given.len != sizeof mac)
		goto out;
	mac_of(secret, token, (size_t)(dot - token), mac);
	if (CRYPTO_memcmp(mac, given.data, sizeof mac) != 0)
		goto out;
	if (!b64url_decode(token + strlen(PREFIX), (size_t)(dot - token) - strlen(PREFIX), &payload))
		goto out;
	for (p = payload.data; nf < 4; p = NULL) {
		char *f = strtok(p, "|");

		if (f == NULL)
			break;
		fields[nf++] = f;
	}
	if (nf != 4 || strlen(fields[0]) >= sizeof c->link_id ||
	    strlen(fields[1]) >= sizeof c->order_number || strlen(fields[3]) != 3)
		goto out;
	snprintf(c->link_id, sizeof c->link_id, "%s", fields[0]);
	snprintf(c->order_number, sizeof c->order_number, "%s", fields[1]);
	c->amount = strtoll(fields[2], NULL, 10);
	snprintf(c->currency, sizeof c->currency, "%s", fields[3]);
	ok = true;
out:
	buf_free(&payload);
	buf_free(&given);
	return ok;
}
