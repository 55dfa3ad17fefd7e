/* SPDX-License-Identifier: ISC */
/*
 * detect: what kind of input a file is, for commands that take a path
 * (sluice check): from its folder when it sits in in/<kind>/, else from its
 * content (the XML root element, or the id column of the CSV header).
 */
#ifndef SLUICE_DETECT_H
#define SLUICE_DETECT_H

#include "schemas/fields.h"

/* Returns the kind, or -1 when it cannot be told. */
int detect_kind(const char *path);

#endif
