/* SPDX-License-Identifier: ISC */
/*
 * token: payment link tokens.  A token carries the link it pays for (id,
 * order, amount, currency) and an HMAC-SHA256 of it under the spool's
 * secret, so it cannot be guessed from an order number, and any change to
 * it (forged or altered) fails verification.
 *
 *   v1.<base64url(link_id|order_number|amount|currency)>.<base64url(mac)>
 */
#ifndef SLUICE_TOKEN_H
#define SLUICE_TOKEN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/util.h"

struct link_claim {
	char link_id[80];
	char order_number[80];
	int64_t amount;         /* minor units */
	char currency[4];
};

/* Creates a new random secret at path (mode 0600) unless the file exists.
 * Returns 1 when created, 0 when it existed, -1 on failure (logged). */
int token_secret_create(const char *path);
/* The shortest secret accepted (characters of its first line). */
#define TOKEN_SECRET_MIN 32

/* Reads the secret at path (its first line) into secret.  Returns 0, or -1
 * when it is missing, not a regular file, unreadable, shorter than
 * TOKEN_SECRET_MIN or holds a space or control character (a mistake, not a
 * key), with the reason in why.  Tokens are never made or
 * checked with a secret that did not load. */
int token_secret_load(const char *path, struct buf *secret, struct buf *why);

/* Appends the token of a link to out. */
void token_make(const struct buf *secret, const struct link_claim *c, struct buf *out);
/* True when token is a well-formed token signed with secret; fills c. */
bool token_verify(const struct buf *secret, const char *token, struct link_claim *c);
/* True when s has the shape of a token (not a plain link id). */
bool token_like(const char *s);

#endif
