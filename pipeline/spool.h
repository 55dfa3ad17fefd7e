/* SPDX-License-Identifier: ISC */
/*
 * spool: the folders under the spool root and every file operation of the
 * pipeline on them: scanning in/, claiming a file by an atomic rename into
 * the private work/ folder, filing it into archive/ or rejected/, and
 * publishing outputs atomically (temporary file in tmp/, fsync, rename,
 * fsync of the folder).
 *
 * Layout:   in/<kind>/  out/{invoices,proformas,captures,links}/
 *           out/receipts/<kind>/  archive/  rejected/  work/<kind>/ (claimed)
 *           tmp/  .lock
 *
 * in/ and out/ are reached by partners and get the configured modes when
 * they are made; everything else is sluice's own (0750, files 0640).
 */
#ifndef SLUICE_SPOOL_H
#define SLUICE_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/util.h"
#include "schemas/fields.h"

struct spool;

/* The modes of the folders partners reach (configuration in_mode and
 * out_mode); files in out/ get out's without the search bits. */
struct spool_modes {
	unsigned in;
	unsigned out;
};

/* Opens the spool at root.  With create, makes every folder that is
 * missing (idempotent) and takes every permission of other users from
 * sluice's own folders; without, fails when the layout is incomplete. */
int spool_open(const char *root, bool create, const struct spool_modes *modes,
    struct spool **out);
/* Makes the folders that a spool made by an earlier version lacks.  0, or
 * -1 (logged). */
int spool_add_folders(struct spool *sp);
void spool_close(struct spool *sp);
const char *spool_root(const struct spool *sp);
/* Whether the folder open as dirfd is the spool's root or a folder below
 * it, found by going up its parents (so neither a link nor a relative path
 * hides it): 1 or 0; -1 with errno set when a parent cannot be opened. */
int spool_holds_dir(const struct spool *sp, int dirfd);

/* Takes the spool's lock (one daemon per spool).  Returns 0, or -1 when
 * another process holds it (*holder then names its pid when known). */
int spool_lock(struct spool *sp, long *holder);
/* Who holds the spool's lock, without taking it but for an instant (which
 * spool_lock() waits out): 1 when a process holds it and is the one its
 * file names (*pid, which has the file open); 0 when nobody holds it (*pid:
 * the stale pid the file names, or 0); 2 when it is held by a process that
 * the file does not name (one that has just taken it); -1 (logged) when it
 * cannot be told. */
int spool_lock_holder(struct spool *sp, long *pid);

/* Takes the lock of the spool's bulk jobs (one job at a time), with wait
 * waiting for it while another holds it.  The descriptor that holds it
 * (close it to let go); -2 when another holds it and !wait; -1 (logged). */
int spool_lock_jobs(struct spool *sp, bool wait);

/* True for names that writers use while a file is incomplete. */
bool spool_hidden_name(const char *name);

struct spool_entry {
	char *name;
	bool regular;
	int64_t changed_ns;   /* the later of mtime and ctime */
};

/* Lists the visible entries of in/<kind>/ in byte order of their names. */
int spool_scan(struct spool *sp, enum kind kind, struct spool_entry **out, size_t *n);
/* Which folders of in/ this user may not list (a member of the spool's
 * group outside the group partners deliver with): unlisted[kind] is set
 * for each, and one warning says so.  Returns how many. */
size_t spool_unlisted_in(struct spool *sp, bool unlisted[KIND__COUNT]);
void spool_entries_free(struct spool_entry *e, size_t n);

/* Moves in/<kind>/<name> into work/<kind>/ under a unique work name that
 * keeps the time of receipt and the original name.  Returns 0 (work_name
 * set, caller frees); 1 when the entry went away meanwhile; 2 (errno set)
 * when the entry itself cannot be moved (a folder sluice may not write, a
 * file in a sticky folder that another user owns, an immutable file, a
 * mount point): it stays where it is; -1 (logged) when the machine failed
 * (the disk, the file system, the folders), which no entry would pass. */
int spool_claim(struct spool *sp, enum kind kind, const char *name, int64_t received_ns,
    char **work_name);
/* The work name of the input name received at received_ns (a new string):
 * "<20 digits of the time>.<name>".  One longer than a file name may be
 * is kept in work/ as <20 digits>..long/<name>. */
char *spool_work_name(int64_t received_ns, const char *name);
/* The path (relative to the root) of a claimed input (a new string):
 * work/<kind>/<work name>; or, when the work name is longer than a file
 * name may be, the input under its own name in a folder of its own,
 * work/<kind>/<20 digits>..long/<name>. */
char *spool_work_path(enum kind kind, const char *work_name);
/* Splits a work name into time of receipt and original name (a pointer
 * into work_name); -1 when it is not a work name. */
int spool_work_name_parse(const char *work_name, int64_t *received_ns, const char **name);
/* Lists the work names in work/<kind>/ (removing, when sluice holds the
 * lock, what a crash left of a long name's folder). */
int spool_work_list(struct spool *sp, enum kind kind, char ***names, size_t *n);
void spool_names_free(char **names, size_t n);
/* Opens a claimed file for reading without following links or blocking.
 * A file that its sender may still change (it has another hard link, or
 * another user owns it) is first replaced in work/ by a copy of sluice's
 * own, unless it is larger than copy_limit; the fd is the copy's, so what
 * is hashed and applied is what is filed.  Returns an fd; or -1 with
 * *not_regular set when the entry is a link, folder, FIFO, socket or
 * device (never opened), with *denied set when the file's own mode forbids
 * reading it, and with errno set in every case of failure. */
int spool_work_open(struct spool *sp, enum kind kind, const char *work_name, int64_t copy_limit,
    bool *not_regular, bool *denied);

/* The path (relative to the root) under which an input is filed:
 * archive/ or rejected/, then YYYY-MM-DD/<input id>-<kind>-<received ns>/<name>
 * (the date it was decided).  The folder keeps what a rebuild from the
 * archive needs: the order inputs were decided in, their kind, and when
 * they were received. */
char *spool_filed_path(bool rejected, int64_t input_id, enum kind kind, int64_t received_ns,
    const char *name, int64_t at_ns);

/* What a filed input's folder name says; -1 when it is not one. */
int spool_filed_parse(const char *folder, int64_t *input_id, enum kind *kind,
    int64_t *received_ns);

/* Copies path into work/<kind>/ as a claimed input received at received_ns
 * (temporary file, fsync, rename): how replay feeds the pipeline without
 * going through in/.  0, or -1 (logged). */
int spool_inject(struct spool *sp, enum kind kind, const char *path, int64_t received_ns);
/* Moves a claimed file to its filed path.  0, or -1 on failure. */
int spool_file_away(struct spool *sp, enum kind kind, const char *work_name, const char *filed_as);

/* Outputs published together, with one durability barrier for all. */
struct spool_staged {
	char *tmp;   /* written, in tmp/ */
	char *to;    /* where it goes */
};
struct spool_batch {
	struct spool_staged *f;
	size_t n, cap;
};
/* Writes data, bound for relpath (in out/), to a new file in tmp/ of the
 * mode of out/'s files, not yet synced, and adds it to b.  0, or -1
 * (logged; nothing of it left). */
int spool_stage(struct spool *sp, struct spool_batch *b, const char *relpath, const void *data,
    size_t len);
/* Publishes what b holds atomically: the file system is synced once, then
 * each file is renamed over its path in the order staged; *placed counts
 * those renamed, whose folders spool_sync_outputs() fsyncs.  What is not
 * renamed is removed; b is empty after.  0, or -1 (logged). */
int spool_place(struct spool *sp, struct spool_batch *b, size_t *placed);
/* Removes what b holds and frees it. */
void spool_batch_free(struct spool *sp, struct spool_batch *b);
/* fsyncs every output folder that spool_place() renamed into. */
int spool_sync_outputs(struct spool *sp);
/* fsyncs in/<kind>/ and work/<kind>/ after claims. */
int spool_sync_claims(struct spool *sp, enum kind kind);

/* Copies path into in/<kind>/ the safe way (hidden temporary name, fsync,
 * rename without replacing).  0; 1 when a file of that name is waiting
 * already; -1 on failure (message logged). */
int spool_submit(struct spool *sp, enum kind kind, const char *path);

/* A file for spool_drop_all(): its bytes, for in/<kind>/<name>. */
struct spool_drop {
	enum kind kind;
	const char *name;
	const char *data;
	size_t len;
};
/* Drops n files into in/ together, with one durability barrier for all:
 * each is written to tmp/ (the mode of in/), the file system is synced
 * once, each is renamed into place without replacing what is there, and
 * each folder is fsynced once.  0; -1 (logged) when one could not be
 * placed: *placed says how many before it were (the rest are not). */
int spool_drop_all(struct spool *sp, const struct spool_drop *d, size_t n, size_t *placed);
/* Puts a copy of the file from (below the root: a rejected input) back
 * into in/<kind>/ as name, to be taken as a new input: copied to tmp/,
 * fsynced, given the mode of the files of in/ (in_mode without the x
 * bits), renamed into place without replacing a file of that name, and
 * the folder fsynced.  0; 1 when a file of that name is waiting already;
 * 2 when from is not there; 3 when it is no regular file (a link, a
 * folder, a FIFO...: nothing to copy); -1 on failure (logged). */
int spool_requeue(struct spool *sp, enum kind kind, const char *from, const char *name);
/* Whether something is at rel (below the root; a link is not followed):
 * 1 (*size set), 0 when nothing is, -1 when it cannot be known (logged). */
int spool_present(struct spool *sp, const char *rel, int64_t *size);

/* The path of a receipt of an input of kind named name:
 * out/receipts/<kind>/<name>.receipt.xml; with stamp_ns (not 0),
 * <name>.<stamp_ns as 20261127T145501.123456789Z>.receipt.xml.  When that
 * is longer than a file name may be (NAME_MAX, 255 bytes), the name is cut
 * at a UTF-8 character boundary and followed by '~' and the first 16 hex
 * digits of its SHA-256, so that the file name has 255 bytes at most; a
 * name that itself ends in '~' and 16 hex digits, or in such a time, is
 * followed by them too, so that it never names another input's receipt. */
char *spool_receipt_path(enum kind kind, const char *name, int64_t stamp_ns);
/* Lists the regular files *.receipt.xml in out/receipts/ itself, where
 * earlier versions kept every receipt.  0, or -1 (logged). */
int spool_flat_receipts(struct spool *sp, char ***names, size_t *n);
/* Reads the file rel (below the root) into out.  0, or -1 (logged). */
int spool_read(struct spool *sp, const char *rel, struct buf *out);
/* Renames from to to (both below the root) unless to exists, when from is
 * removed instead.  0, or -1 (logged). */
int spool_move(struct spool *sp, const char *from, const char *to);

/* A file sluice keeps (filed in archive/ or rejected/, or written to out/)
 * that sluice purge may remove. */
struct spool_kept {
	char *rel;          /* its path below the root */
	int64_t bytes;      /* its size; a folder's, everything in it */
	int64_t mtime_ns;
	int64_t input_id;   /* the input filed there (its folder's name), or 0 */
};
/* Lists what is filed in archive/ (or rejected/):
 * <date>/<input's folder>/<entry>, an entry being a file, a link, or (in
 * rejected/) a folder; a file right in a date's folder is listed without
 * an input.  No link is followed.  0, or -1 (logged). */
int spool_list_filed(struct spool *sp, bool rejected, struct spool_kept **out, size_t *n);
/* Lists the entries (not folders) of out/'s folders and its kinds'
 * receipts folders.  0, or -1 (logged). */
int spool_list_outputs(struct spool *sp, struct spool_kept **out, size_t *n);
void spool_kept_free(struct spool_kept *k, size_t n);
/* Removes rel (below the root; a folder with everything in it), following
 * no link, then up to parents of its folders that this leaves empty.
 * 0; 1 when it was gone already; -1 (logged). */
int spool_remove_kept(struct spool *sp, const char *rel, int parents);
/* The note in archive/ of what sluice purge took from it, a line a purge;
 * replay reports it (a name starting with a dot is never an input). */
#define SPOOL_PURGED_NOTE ".purged"

/* Appends text to the file rel (below the root; made when missing, never
 * through a link) and fsyncs it.  0, or -1 (logged). */
int spool_append(struct spool *sp, const char *rel, const char *text);

/* Bytes free for sluice on the spool's file system, or -1. */
int64_t spool_free_bytes(struct spool *sp);
/* Below this, the spool's file system counts as full. */
#define SPOOL_FULL_BYTES (4 * 1024 * 1024)

/* Removes leftover temporary files (crash debris) from tmp/. */
void spool_clean_tmp(struct spool *sp);

#endif
