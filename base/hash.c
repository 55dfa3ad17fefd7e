/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <errno.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "base/hash.h"
#include "base/log.h"
#include "base/util.h"

struct sha256 {
	EVP_MD_CTX *ctx;
};

struct sha256 *
sha256_new(void)
{
	struct sha256 *h = xmalloc(sizeof *h);

	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL)
		fatal("EVP_MD_CTX_new failed");
	sha256_reset(h);
	return h;
}

void
sha256_free(struct sha256 *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

void
sha256_reset(struct sha256 *h)
{
	if (EVP_DigestInit_ex(h->ctx, EVP_sha256(), NULL) != 1)
		fatal("EVP_DigestInit_ex failed");
}

void
sha256_update(struct sha256 *h, const void *p, size_t len)
{
	if (EVP_DigestUpdate(h->ctx, p, len) != 1)
		fatal("EVP_DigestUpdate failed");
}

void
sha256_final(struct sha256 *h, char hex[SHA256_HEX])
{
	static const char digits[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(h->ctx, md, &n) != 1 || n != 32)
		fatal("EVP_DigestFinal_ex failed");
	for (unsigned int i = 0; i < n; i++) {
		hex[2 * i] = digits[md[i] >> 4];
		hex[2 * i + 1] = digits[md[i] & 15];
	}
	hex[64] = '\0';
	sha256_reset(h);
}

int
sha256_fd(int fd, char hex[SHA256_HEX])
{
	struct sha256 *h = sha256_new();
	char *chunk = xmalloc(256 * 1024);
	ssize_t n;
	int ret = -1, saved;

	while ((n = read(fd, chunk, 256 * 1024)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			goto out;
		}
		sha256_update(h, chunk, (size_t)n);
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		goto out;
	sha256_final(h, hex);
	ret = 0;
out:
	saved = errno;
	free(chunk);
	sha256_free(h);
	errno = saved;
	return ret;
}
