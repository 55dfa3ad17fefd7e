/* SPDX-License-Identifier: ISC */
/*
 * arena: strings that live and die together (see arena.h).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/util.h"

#define ARENA_FIRST 512

struct arena_chunk {
	struct arena_chunk *next;
	size_t size;
	size_t used;
	char data[];
};

/* Frees the chunks from c on. */
static void
free_chunks(struct arena_chunk *c)
{
	while (c != NULL) {
		struct arena_chunk *next = c->next;

		free(c);
		c = next;
	}
}

const char *
arena_strndup(struct arena *a, const char *s, size_t len)
{
	struct arena_chunk *c = a->chunks;
	char *p;

	if (c == NULL || c->size - c->used < len + 1) {
		size_t size = c == NULL ? ARENA_FIRST : c->size * 2;

		if (size > ARENA_CHUNK)
			size = ARENA_CHUNK;
		if (size < len + 1)
			size = len + 1;
		c = xmalloc(sizeof *c + size);
		c->size = size;
		c->used = 0;
		/* the new chunk goes first so later copies fill it */
		c->next = a->chunks;
		a->chunks = c;
	}
	p = c->data + c->used;
	memcpy(p, s, len);
	p[len] = '\0';
	c->used += len + 1;
	return p;
}

const char *
arena_strdup(struct arena *a, const char *s)
{
	return s != NULL ? arena_strndup(a, s, strlen(s)) : NULL;
}

void
arena_reset(struct arena *a)
{
	if (a->chunks == NULL)
		return;
	free_chunks(a->chunks->next);
	a->chunks->next = NULL;
	a->chunks->used = 0;
}

void
arena_free(struct arena *a)
{
	free_chunks(a->chunks);
	a->chunks = NULL;
}
