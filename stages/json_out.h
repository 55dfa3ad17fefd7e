/*
 * json_out: JSON strings for jansson (which refuses invalid UTF-8) that
 * always succeed: text as it is, and untrusted names escaped.
 */
#ifndef SLUICE_JSON_OUT_H
#define SLUICE_JSON_OUT_H

#include <jansson.h>

/* A new JSON string of s (text sluice validated or wrote: a field's value,
 * an error's message) as it is, or sanitized when it is no UTF-8; JSON
 * null when s is NULL. */
json_t *json_text(const char *s);
/* A new JSON string of s (bytes of no known form: a file's name, a source
 * that names one) always sanitized, as receipts echo it; JSON null when s
 * is NULL. */
json_t *json_echo(const char *s);

#endif
