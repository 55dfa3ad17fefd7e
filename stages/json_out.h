/*
 * json_out: JSON strings of untrusted text for jansson (which refuses
 * invalid UTF-8): the text is sanitized first, so it always succeeds.
 */
#ifndef SLUICE_JSON_OUT_H
#define SLUICE_JSON_OUT_H

#include <jansson.h>

/* A new JSON string of s sanitized, or JSON null when s is NULL. */
json_t *json_text(const char *s);

#endif
