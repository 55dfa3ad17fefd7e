/* SPDX-License-Identifier: ISC */
/*
 * json_out: JSON strings for jansson (which refuses invalid UTF-8).  Text
 * that passed validation, or that sluice wrote (names, messages), goes out
 * as it is, JSON escaping what JSON must; echoes of untrusted bytes (file
 * names) are sanitized (\xHH) as in receipts and logs.
 */
#ifndef SLUICE_JSON_OUT_H
#define SLUICE_JSON_OUT_H

#include <jansson.h>

#include "base/errors.h"

/* A new JSON string of s (sanitized only where it is not valid UTF-8), or
 * JSON null when s is NULL. */
json_t *json_text(const char *s);
/* A new JSON string of the untrusted bytes s, sanitized, or JSON null. */
json_t *json_echo(const char *s);
/* Sets the keys line, field, code and message of object j to error e's. */
void json_set_error(json_t *j, const struct error_item *e);

#endif
