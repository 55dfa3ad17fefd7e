/* SPDX-License-Identifier: ISC */
/*
 * arena: strings that live and die together.  Each copy is appended to a
 * chunk the arena owns; nothing is freed one by one: arena_free() frees
 * every chunk at once, arena_reset() forgets the copies but keeps one chunk
 * for the next ones.  A zeroed struct arena is empty and ready for use.
 *
 * Chunks start small and double up to ARENA_CHUNK bytes (a longer string
 * gets a chunk of its own size), so an arena holding a few short strings
 * costs little and one recycled with arena_reset() settles on one chunk.
 */
#ifndef SLUICE_ARENA_H
#define SLUICE_ARENA_H

#include <stddef.h>

#define ARENA_CHUNK 8192

struct arena {
	struct arena_chunk *chunks;   /* newest first */
};

/* Copies s (NULL stays NULL) into the arena. */
const char *arena_strdup(struct arena *a, const char *s);
/* Copies s[0..len) (which may hold any bytes) into the arena, with a NUL
 * after it. */
const char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Forgets every copy, keeping the newest chunk for the next ones. */
void arena_reset(struct arena *a);
/* Frees every copy; the arena is empty again. */
void arena_free(struct arena *a);

#endif
