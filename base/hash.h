/* SPDX-License-Identifier: ISC */
/*
 * hash: SHA-256 (OpenSSL's libcrypto) as lowercase hex, for input files
 * and for the canonical content of records.
 */
#ifndef SLUICE_HASH_H
#define SLUICE_HASH_H

#include <stddef.h>

#define SHA256_HEX 65

struct sha256;

struct sha256 *sha256_new(void);
void sha256_free(struct sha256 *h);
void sha256_reset(struct sha256 *h);
void sha256_update(struct sha256 *h, const void *p, size_t len);
/* Writes the digest as 64 hex digits and a NUL; the context is reset. */
void sha256_final(struct sha256 *h, char hex[SHA256_HEX]);

/* Hashes the file open on fd from its current offset to its end, then
 * seeks back to the start.  Returns 0, or -1 with errno set. */
int sha256_fd(int fd, char hex[SHA256_HEX]);

#endif
