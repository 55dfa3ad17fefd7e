/* SPDX-License-Identifier: ISC */
/*
 * util: allocation wrappers that die on out-of-memory, a growable byte
 * buffer, and small string helpers shared by every module.
 */
#ifndef SLUICE_UTIL_H
#define SLUICE_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xreallocarray(void *p, size_t n, size_t size);
/* Grows arr (of *n elements of size bytes) by one zeroed element. */
void *xgrow(void *arr, size_t *n, size_t size);
/* Returns arr (of n elements of size bytes, room for *cap) with room for
 * one more: when it is full, *cap doubles (or becomes first) and arr is
 * reallocated. */
void *xreserve(void *arr, size_t n, size_t *cap, size_t first, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) PRINTF_LIKE(1, 2);

/* A growable byte buffer; data is always NUL-terminated when len > 0. */
struct buf {
	char *data;
	size_t len;
	size_t cap;
};

void buf_append(struct buf *b, const void *p, size_t n);
void buf_puts(struct buf *b, const char *s);
void buf_putc(struct buf *b, char c);
/* Appends v in decimal digits (without printf: for every number of every
 * record). */
void buf_put_int(struct buf *b, int64_t v);
void buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
void buf_vprintf(struct buf *b, const char *fmt, va_list ap) PRINTF_LIKE(2, 0);
void buf_reset(struct buf *b);
void buf_free(struct buf *b);
/* Returns the buffer's data as a C string (never NULL). */
const char *buf_str(const struct buf *b);

/*
 * Writes an escaped excerpt of untrusted bytes into out (always
 * NUL-terminated): printable ASCII as is, everything else as \xHH, and at
 * most max_chars input bytes followed by "..." when cut.  Returns out.
 */
char *excerpt(const char *s, size_t len, size_t max_chars, char *out, size_t outsz);
#define EXCERPT_SIZE 200

/* Appends s[0..len) to out with every byte that is not part of printable
 * UTF-8 (invalid sequences, characters unicode_printable() refuses,
 * backslash) written as \xHH: an echo of untrusted bytes (a file name in a
 * receipt, a log line) that is safe in XML, JSON and logs and says exactly
 * which bytes came. */
void sanitize_text(const char *s, size_t len, struct buf *out);
/* Prints untrusted text s to out sanitized (a NULL s as nothing). */
void sanitized_puts(FILE *out, const char *s);
/* Prints fmt to out with each %s in it replaced by the next argument,
 * untrusted text, sanitized (a NULL one by nothing); fmt holds no other
 * conversion. */
void sanitized_printf(FILE *out, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* The length of the UTF-8 byte order mark that s[0..len) begins with: 3,
 * or 0 when it begins with none. */
size_t utf8_bom_len(const char *s, size_t len);

/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t len);

/* Decodes the UTF-8 sequence at s[0..len), len > 0: returns its length
 * (1-4) with the code point in *cp, or 0 when it is not well-formed (a
 * stray or missing continuation byte, an overlong form, a surrogate, or
 * beyond U+10FFFF). */
size_t utf8_decode(const char *s, size_t len, uint32_t *cp);

/* False for the code points that text must not hold: C0 and C1 controls
 * and DEL (tab and line ends among them: text that may span lines allows
 * those itself), the line and paragraph separators U+2028 and U+2029
 * (line ends that only some readers see), the bidirectional embeddings, overrides and isolates
 * (U+202A-U+202E, U+2066-U+2069: they reorder what a reader sees), and the
 * noncharacters (U+FDD0-U+FDEF and the last two of every plane, U+FFFE and
 * U+FFFF among them, which XML cannot carry). */
bool unicode_printable(uint32_t cp);

/* Cuts spaces, tabs and line ends from both ends of s in place; returns
 * the first character kept. */
char *str_trim(char *s);
/* True when s ends with suffix, ignoring ASCII case. */
bool str_iendswith(const char *s, const char *suffix);

/* The names of an enum's values, where the enum meets text (the ledger,
 * receipts, JSON, the configuration): names[v] names value v, for v < n. */
struct name_table {
	const char *const *names;
	size_t n;
};
#define NAME_TABLE(names) { (names), NELEM(names) }
/* The name of value v, or NULL when v has none. */
const char *name_of(const struct name_table *t, int v);
/* Sets *v to the value named name and returns true; false (and *v
 * untouched) when no value has that name. */
bool value_of(const struct name_table *t, const char *name, int *v);

/* Opens the regular file path for reading, never waiting (as opening a
 * FIFO would).  Returns the stream; NULL with errno set when it cannot be
 * opened, or with errno 0 when path is not a regular file (a folder, a
 * FIFO, a device). */
FILE *fopen_regular(const char *path);

/* Writes len bytes of p to fd, again after a short write or EINTR.  0, or
 * -1 with errno set. */
int write_all(int fd, const void *p, size_t len);
/* The name of user uid: its passwd entry's, else "#uid".  Returns out. */
const char *user_name(uid_t uid, char *out, size_t outsz);
#define USER_SIZE 64
/* The start of a shell command that runs as user uid: "sudo -u NAME", or
 * "sudo -u '#UID'" for a user without a passwd entry.  Returns out. */
const char *sudo_as(uid_t uid, char *out, size_t outsz);
/* What a message says of a file the effective user may not reach:
 * "user NAME may not VERB PATH (owned by USER, group GROUP, mode 0640)",
 * without the part in brackets when path cannot be examined.  A new
 * string. */
char *denied_text(const char *verb, const char *path);

/* Current wall-clock time in nanoseconds since the epoch. */
int64_t now_ns(void);
/* The monotonic clock in nanoseconds (for how long something took). */
int64_t monotonic_ns(void);
/* Sleeps ns nanoseconds (signals do not cut it short). */
void sleep_ns(int64_t ns);
/* Formats ns since the epoch as RFC 3339 UTC with millisecond precision. */
void format_time(int64_t ns, char *out, size_t outsz);
#define TIME_SIZE 32

#endif
