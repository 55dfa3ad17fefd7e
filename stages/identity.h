/* SPDX-License-Identifier: ISC */
/*
 * identity: the canonical content of a record, hashed.  Two records with
 * the same digest say the same thing, whatever the format (CSV or XML),
 * column order or spelling of defaults; a record id seen again with the
 * same digest is a duplicate, with another digest a conflict.
 */
#ifndef SLUICE_IDENTITY_H
#define SLUICE_IDENTITY_H

#include "base/hash.h"
#include "base/record.h"
#include "base/util.h"

/* Hashes a validated record's canonical content into hex; scratch is a
 * caller-owned buffer reused between records. */
void identity_digest(const struct record *rec, struct sha256 *h, struct buf *scratch,
    char hex[SHA256_HEX]);

#endif
