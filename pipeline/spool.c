/* SPDX-License-Identifier: ISC */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/log.h"
#include "pipeline/spool.h"
#include "base/util.h"
#include "schemas/layout.h"

/* The mode of sluice's own folders: its group may read them, nobody else. */
#define PRIVATE_MODE 0750

/* A work name is "<20 digits of the time of receipt>.<name>". */
#define WORK_PREFIX 21
/* The folder that holds an input whose work name is too long for a file
 * name: "<20 digits>." and this, which no input's name can be. */
#define LONG_MARK ".long"
/* Hex digits of the name's SHA-256 in a shortened receipt name. */
#define RECEIPT_DIGEST 16

struct spool {
	char *root;
	int rootfd;
	int lockfd;
	/* tmp/, opened before the first file is staged there and kept: a
	 * writeback error of a staged file is reported by syncfs() on it even
	 * when another process has seen it (-1 until then) */
	int tmpfd;
	unsigned tmp_counter;
	char **dirty;        /* output folders to fsync */
	size_t ndirty;
	struct spool_modes modes;
};

static int sync_dir(struct spool *sp, const char *rel);
static int copy_synced(struct spool *sp, int in, const char *from, const char *tmp,
    int64_t limit);

/* A new name in tmp/ for a file being written. */
static char *
tmp_path(struct spool *sp)
{
	return xasprintf("tmp/%ld-%u.tmp", (long)getpid(), sp->tmp_counter++);
}

const char *
spool_root(const struct spool *sp)
{
	return sp->root;
}

int
spool_holds_dir(const struct spool *sp, int dirfd)
{
	struct stat root, st, up;
	int fd = openat(dirfd, ".", O_PATH | O_DIRECTORY | O_CLOEXEC), ret = -1;

	if (fd < 0 || fstat(sp->rootfd, &root) != 0 || fstat(fd, &st) != 0)
		goto out;
	for (;;) {
		int parent;

		if (st.st_dev == root.st_dev && st.st_ino == root.st_ino) {
			ret = 1;
			break;
		}
		if ((parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
			break;
		close(fd);
		fd = parent;
		if (fstat(fd, &up) != 0)
			break;
		/* "/" is its own parent */
		if (up.st_dev == st.st_dev && up.st_ino == st.st_ino) {
			ret = 0;
			break;
		}
		st = up;
	}
out:
	if (fd >= 0) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return ret;
}

/* Gives folder p (relative to dirfd), just made, its mode, which the umask
 * narrowed.  0, or -1 (logged). */
static int
set_dir_mode(int dirfd, const char *base, const char *p, mode_t mode)
{
	if (mode == PRIVATE_MODE || fchmodat(dirfd, p, mode, 0) == 0)
		return 0;
	log_error("cannot set the mode of %s%s: %s", base, p, strerror(errno));
	return -1;
}

/* mkdir -p of path, relative to dirfd (which messages name as base):
 * every folder it makes gets mode, which the umask does not narrow.  0, or
 * -1 (logged). */
static int
make_dirs_at(int dirfd, const char *base, const char *path, mode_t mode)
{
	char *p = xstrdup(path);
	int ret = 0;

	/* mostly only the last is missing: one mkdir, else one per level */
	if (mkdirat(dirfd, p, mode & 0777) == 0) {
		ret = set_dir_mode(dirfd, base, p, mode);
		free(p);
		return ret;
	}
	if (errno == EEXIST) {
		free(p);
		return 0;
	}
	for (char *s = p + 1;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdirat(dirfd, p, mode & 0777) == 0) {
				if ((ret = set_dir_mode(dirfd, base, p, mode)) != 0)
					break;
			} else if (errno != EEXIST) {
				log_error("cannot create %s%s: %s", base, p, strerror(errno));
				ret = -1;
				break;
			}
			*s = c;
			if (c == '\0')
				break;
		}
	}
	free(p);
	return ret;
}

/* mkdir -p of a path relative to the root. */
static int
make_dirs(struct spool *sp, const char *rel, mode_t mode)
{
	char *base = xasprintf("%s/", sp->root);
	int ret = make_dirs_at(sp->rootfd, base, rel, mode);

	free(base);
	return ret;
}

/* One folder of the layout. */
struct folder {
	char path[48];
	mode_t mode;
	bool private;     /* sluice's own */
	bool later;       /* older spools lack it: made when missing */
};

#define LAYOUT_MAX (4 * KIND__COUNT + 16)

/* Every folder of the layout, parents first.  in/ and out/ are reached by
 * partners and have the configured modes (in/ itself only lets them
 * through); the rest is sluice's own. */
/* True for a kind that came after the first spools: its folders are made
 * when missing, and until then it has no input. */
static bool
later_kind(enum kind kind)
{
	return kind == KIND_ACTIONS;
}

static size_t
layout(const struct spool *sp, struct folder *f)
{
	size_t k = 0;

	f[k++] = (struct folder){ "in", sp->modes.in & ~(mode_t)022, false, false };
	for (int i = 0; i < KIND__COUNT; i++) {
		f[k] = (struct folder){ "", sp->modes.in, false, later_kind((enum kind)i) };
		snprintf(f[k++].path, sizeof f->path, "in/%s", kind_get((enum kind)i)->plural);
	}
	f[k++] = (struct folder){ "work", PRIVATE_MODE, true, false };
	for (int i = 0; i < KIND__COUNT; i++) {
		f[k] = (struct folder){ "", PRIVATE_MODE, true, later_kind((enum kind)i) };
		snprintf(f[k++].path, sizeof f->path, "work/%s", kind_get((enum kind)i)->plural);
	}
	f[k++] = (struct folder){ "out", sp->modes.out, false, false };
	for (int i = 0; i < OUT__COUNT; i++) {
		f[k] = (struct folder){ "", sp->modes.out, false, false };
		snprintf(f[k++].path, sizeof f->path, "%s", out_folder_path((enum out_folder)i));
	}
	for (int i = 0; i < KIND__COUNT; i++) {
		char *receipts = out_receipt_folder((enum kind)i);

		f[k] = (struct folder){ "", sp->modes.out, false, true };
		snprintf(f[k++].path, sizeof f->path, "%s", receipts);
		free(receipts);
	}
	f[k++] = (struct folder){ "archive", PRIVATE_MODE, true, false };
	f[k++] = (struct folder){ "rejected", PRIVATE_MODE, true, false };
	f[k++] = (struct folder){ "tmp", PRIVATE_MODE, true, false };
	return k;
}

/* Takes every permission of other users, and the group's write, from
 * sluice's own folder rel (a spool made before they were private). */
static int
make_private_folder(struct spool *sp, const char *rel)
{
	struct stat st;

	if (fstatat(sp->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0 || (st.st_mode & 027) == 0)
		return 0;
	if (fchmodat(sp->rootfd, rel, st.st_mode & 07750, 0) != 0) {
		log_error("cannot set the mode of %s/%s: %s", sp->root, rel, strerror(errno));
		return -1;
	}
	return 0;
}

/* Logs why the spool's folder rel (below root; "" for the root itself)
 * cannot be opened (err, an errno): a permission this user lacks on it or on the
 * folder that holds it, said as such; else a spool that sluice init has
 * not made (or made whole). */
static void
log_unreachable(const char *root, const char *rel, bool create, int err)
{
	const char *slash = strrchr(rel, '/');
	char *path, *why;

	if (err != EACCES) {
		if (rel[0] == '\0')
			log_error("cannot open the spool %s: %s%s", root, strerror(err),
			    create ? "" : " (run sluice init first)");
		else
			log_error("the spool %s has no folder %s (run sluice init)", root, rel);
		return;
	}
	path = slash != NULL ? xasprintf("%s/%.*s", root, (int)(slash - rel), rel) : xstrdup(root);
	why = denied_text(rel[0] == '\0' ? "read" : "enter", path);
	log_error("cannot open the spool %s: %s", root, why);
	free(why);
	free(path);
}

int
spool_open(const char *root, bool create, const struct spool_modes *modes, struct spool **out)
{
	struct spool *sp = xcalloc(1, sizeof *sp);
	struct folder f[LAYOUT_MAX];
	size_t n;

	sp->root = xstrdup(root);
	sp->lockfd = -1;
	sp->rootfd = -1;
	sp->tmpfd = -1;
	sp->modes = *modes;
	/* the root lets through whom in/ or out/ let in */
	if (create && make_dirs_at(AT_FDCWD, "", root,
	    PRIVATE_MODE | ((modes->in | modes->out) & 05 ? 01 : 0)) != 0)
		goto fail;
	sp->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->rootfd < 0) {
		log_unreachable(root, "", create, errno);
		goto fail;
	}
	n = layout(sp, f);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (create) {
			/* folders that exist keep their modes, but for sluice's own */
			if (make_dirs(sp, f[i].path, f[i].mode) != 0 ||
			    (f[i].private && make_private_folder(sp, f[i].path) != 0))
				goto fail;
		} else if (!f[i].later) {
			int err = fstatat(sp->rootfd, f[i].path, &st, 0) != 0 ? errno :
			    S_ISDIR(st.st_mode) ? 0 : ENOTDIR;

			if (err != 0) {
				log_unreachable(root, f[i].path, create, err);
				goto fail;
			}
		}
	}
	*out = sp;
	return 0;
fail:
	spool_close(sp);
	return -1;
}

int
spool_add_folders(struct spool *sp)
{
	struct folder f[LAYOUT_MAX];
	size_t n = layout(sp, f);

	for (size_t i = 0; i < n; i++)
		if (f[i].later && make_dirs(sp, f[i].path, f[i].mode) != 0)
			return -1;
	return 0;
}

void
spool_close(struct spool *sp)
{
	if (sp == NULL)
		return;
	if (sp->rootfd >= 0)
		close(sp->rootfd);
	if (sp->lockfd >= 0)
		close(sp->lockfd);
	if (sp->tmpfd >= 0)
		close(sp->tmpfd);
	spool_names_free(sp->dirty, sp->ndirty);
	free(sp->root);
	free(sp);
}

/* How often spool_lock() tries the lock, 10 ms apart. */
#define LOCK_TRIES 5

/* The pid the lock file open on fd names, or 0. */
static long
read_pid(int fd)
{
	char pid[32];
	ssize_t n = pread(fd, pid, sizeof pid - 1, 0);

	if (n <= 0)
		return 0;
	pid[n] = '\0';
	return strtol(pid, NULL, 10);
}

/* Whether process pid has the file of st open (a link in /proc/PID/fd/
 * to it). */
static bool
has_open(long pid, const struct stat *st)
{
	char dir[64];
	struct dirent *de;
	bool found = false;
	DIR *d;

	snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
	if ((d = opendir(dir)) == NULL)
		return false;
	while (!found && (de = readdir(d)) != NULL) {
		struct stat fst;

		found = de->d_name[0] != '.' && fstatat(dirfd(d), de->d_name, &fst, 0) == 0 &&
		    fst.st_dev == st->st_dev && fst.st_ino == st->st_ino;
	}
	closedir(d);
	return found;
}

int
spool_lock_holder(struct spool *sp, long *pid)
{
	struct stat st;
	int fd, ret = -1;

	*pid = 0;
	fd = openat(sp->rootfd, ".lock", O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return 0;
	if (fd < 0 || fstat(fd, &st) != 0) {
		log_error("cannot read %s/.lock: %s", sp->root, strerror(errno));
		goto out;
	}
	*pid = read_pid(fd);
	if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
		flock(fd, LOCK_UN);
		ret = 0;
	} else if (errno != EWOULDBLOCK) {
		log_error("cannot try the lock %s/.lock: %s", sp->root, strerror(errno));
	} else
		/* the pid is the holder's once it has the file open (a holder
		 * that just took the lock may not have written its own yet) */
		ret = *pid > 0 && *pid != (long)getpid() && has_open(*pid, &st) ? 1 : 2;
out:
	if (fd >= 0)
		close(fd);
	return ret;
}

int
spool_lock(struct spool *sp, long *holder)
{
	char pid[32];
	ssize_t n;

	*holder = 0;
	sp->lockfd = openat(sp->rootfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (sp->lockfd < 0) {
		log_error("cannot open %s/.lock: %s", sp->root, strerror(errno));
		return -1;
	}
	/* spool_lock_holder() holds it for an instant: try for a while */
	for (int tries = 1; flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0; tries++) {
		struct timespec pause = { 0, 10000000 };

		if (tries < LOCK_TRIES) {
			nanosleep(&pause, NULL);
			continue;
		}
		*holder = read_pid(sp->lockfd);
		close(sp->lockfd);
		sp->lockfd = -1;
		return -1;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(sp->lockfd, 0) != 0 || pwrite(sp->lockfd, pid, (size_t)n, 0) != n)
		log_warn("cannot record the pid in %s/.lock: %s", sp->root, strerror(errno));
	return 0;
}

int
spool_lock_jobs(struct spool *sp, bool wait)
{
	int fd = openat(sp->rootfd, ".bulk.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0640);

	if (fd < 0) {
		log_error("cannot open %s/.bulk.lock: %s", sp->root, strerror(errno));
		return -1;
	}
	while (flock(fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
		if (errno == EINTR)
			continue;
		if (errno != EWOULDBLOCK)
			log_error("cannot lock %s/.bulk.lock: %s", sp->root, strerror(errno));
		close(fd);
		return errno == EWOULDBLOCK ? -2 : -1;
	}
	return fd;
}

bool
spool_hidden_name(const char *name)
{
	static const char *const suffixes[] = { ".tmp", ".part", ".partial", ".filepart", "~", NULL };

	if (name[0] == '.' || name[0] == '\0')
		return true;
	for (size_t i = 0; suffixes[i] != NULL; i++)
		if (str_iendswith(name, suffixes[i]))
			return true;
	return false;
}

size_t
spool_unlisted_in(struct spool *sp, bool unlisted[KIND__COUNT])
{
	char *first = NULL;
	size_t n = 0;

	for (int k = 0; k < KIND__COUNT; k++) {
		char rel[64];

		snprintf(rel, sizeof rel, "in/%s", kind_get((enum kind)k)->plural);
		unlisted[k] = faccessat(sp->rootfd, rel, R_OK | X_OK, AT_EACCESS) != 0 &&
		    errno == EACCES;
		if (unlisted[k] && n++ == 0)
			first = xasprintf("%s/%s", sp->root, rel);
	}
	if (first != NULL) {
		char *why = denied_text("list", first);

		if (n == 1)
			log_warn("%s: the files waiting there are not counted", why);
		else
			log_warn("%s, nor %zu other folder%s of in/: the files waiting there are not "
			    "counted", why, n - 1, n == 2 ? "" : "s");
		free(why);
		free(first);
	}
	return n;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct spool_entry *)a)->name, ((const struct spool_entry *)b)->name);
}

static int64_t
ts_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* Opens folder name of dfd for listing (name itself never followed when
 * it is a link, with nofollow).  NULL with errno set when it cannot. */
static DIR *
dir_at(int dfd, const char *name, bool nofollow)
{
	int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		int saved = errno;

		if (fd >= 0)
			close(fd);
		errno = saved;
		return NULL;
	}
	return d;
}

/* Opens a folder below the root for listing. */
static DIR *
open_dir(struct spool *sp, const char *rel)
{
	DIR *d = dir_at(sp->rootfd, rel, false);

	if (d == NULL)
		log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
	return d;
}

/* Opens in/<kind>/ or work/<kind>/ (rel) for listing: 0 with *d, or with
 * *d NULL when the folder of a later kind is not made yet (nothing is in
 * it); -1 (logged). */
static int
open_kind_dir(struct spool *sp, const char *rel, enum kind kind, DIR **d)
{
	if ((*d = dir_at(sp->rootfd, rel, false)) != NULL || (errno == ENOENT && later_kind(kind)))
		return 0;
	log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
	return -1;
}

int
spool_scan(struct spool *sp, enum kind kind, struct spool_entry **out, size_t *n)
{
	char rel[64];
	struct dirent *de;
	size_t cap = 0;
	int rc;
	DIR *d;

	*out = NULL;
	*n = 0;
	snprintf(rel, sizeof rel, "in/%s", kind_get(kind)->plural);
	if ((rc = open_kind_dir(sp, rel, kind, &d)) != 0 || d == NULL)
		return rc;
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;

		if (spool_hidden_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;   /* gone meanwhile */
		*out = xreserve(*out, *n, &cap, 16, sizeof **out);
		(*out)[*n].name = xstrdup(de->d_name);
		(*out)[*n].regular = S_ISREG(st.st_mode);
		(*out)[*n].changed_ns = ts_ns(&st.st_mtim) > ts_ns(&st.st_ctim) ?
		    ts_ns(&st.st_mtim) : ts_ns(&st.st_ctim);
		(*n)++;
	}
	if (errno != 0)
		log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_entry);
	return 0;
}

void
spool_entries_free(struct spool_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].name);
	free(e);
}

char *
spool_work_name(int64_t received_ns, const char *name)
{
	return xasprintf("%020lld.%s", (long long)received_ns, name);
}

char *
spool_work_path(enum kind kind, const char *work_name)
{
	const char *plural = kind_get(kind)->plural;

	if (strlen(work_name) <= NAME_MAX)
		return xasprintf("work/%s/%s", plural, work_name);
	return xasprintf("work/%s/%.*s" LONG_MARK "/%s", plural, WORK_PREFIX, work_name,
	    work_name + WORK_PREFIX);
}

/* The folder of a path below the root (a new string). */
static char *
parent_of(const char *rel)
{
	const char *slash = strrchr(rel, '/');

	return slash != NULL ? xstrndup(rel, (size_t)(slash - rel)) : xstrdup(".");
}

/* Moves from (below the root) into work/<kind>/ as the input name received
 * at received_ns, a nanosecond later when that work name is taken.  0 with
 * *work_name set (the caller frees it), or -1 with errno set. */
static int
place_claim(struct spool *sp, enum kind kind, const char *from, const char *name,
    int64_t received_ns, char **work_name)
{
	for (int tries = 0; tries < 1000; tries++, received_ns++) {
		char *wn = spool_work_name(received_ns, name), *to = spool_work_path(kind, wn);
		char *own = strlen(wn) > NAME_MAX ? parent_of(to) : NULL;
		int rc = own != NULL ? mkdirat(sp->rootfd, own, PRIVATE_MODE) : 0, saved;

		if (rc == 0) {
			rc = renameat2(sp->rootfd, from, sp->rootfd, to, RENAME_NOREPLACE);
			saved = errno;
			/* the claim is durable once the folders are fsynced:
			 * spool_sync_claims() does work/<kind>/ and in/<kind>/,
			 * and the input's own folder is done here */
			if (own != NULL && rc != 0)
				unlinkat(sp->rootfd, own, AT_REMOVEDIR);
			else if (own != NULL && (rc = sync_dir(sp, own)) != 0)
				saved = EIO;
			errno = saved;
		}
		free(own);
		free(to);
		if (rc == 0) {
			*work_name = wn;
			return 0;
		}
		free(wn);
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

/* True when sluice may add and remove entries in <top>/<kind>/. */
static bool
folder_writable(struct spool *sp, const char *top, enum kind kind)
{
	char rel[64];

	snprintf(rel, sizeof rel, "%s/%s", top, kind_get(kind)->plural);
	return faccessat(sp->rootfd, rel, W_OK | X_OK, AT_EACCESS) == 0;
}

/* What the failure err of claiming from (in/<kind>/<name>) says: 1 when the
 * entry went away meanwhile; 2 when the entry itself cannot be moved; -1
 * (logged) when the machine failed.  errno is err. */
static int
claim_failure(struct spool *sp, enum kind kind, const char *from, int err)
{
	struct stat st;
	int ret = -1;

	switch (err) {
	case ENOENT:
		/* the entry went away, unless it was work/<kind>/ that did */
		if (fstatat(sp->rootfd, from, &st, AT_SYMLINK_NOFOLLOW) != 0 && errno == ENOENT)
			ret = 1;
		break;
	case EACCES:
	case EPERM:
		/* the entry's own permissions (moving a folder elsewhere needs
		 * write permission on it; in a sticky folder only a file's owner
		 * moves it; an immutable file moves for nobody), unless sluice
		 * may not write the folders themselves */
		if (folder_writable(sp, "in", kind) && folder_writable(sp, "work", kind))
			ret = 2;
		break;
	case EBUSY:          /* a mount point */
	case EMLINK:         /* a folder, and work/<kind>/ holds all the folders it can */
	case ENAMETOOLONG:   /* a file system whose names are shorter than NAME_MAX */
		ret = 2;
		break;
	default:
		/* EIO, ENOSPC, EDQUOT, EROFS, ENOMEM, EXDEV (in/ and work/ on two
		 * file systems), ENOTDIR (a folder replaced by a file), EINVAL
		 * (renameat2 unsupported): no entry would move.  With
		 * RENAME_NOREPLACE, EISDIR and ENOTEMPTY cannot come from the
		 * entry */
		break;
	}
	if (ret < 0)
		log_error("cannot claim %s/%s: %s", sp->root, from, strerror(err));
	errno = err;
	return ret;
}

int
spool_claim(struct spool *sp, enum kind kind, const char *name, int64_t received_ns,
    char **work_name)
{
	char *from = xasprintf("in/%s/%s", kind_get(kind)->plural, name);
	int ret = 0;

	if (place_claim(sp, kind, from, name, received_ns, work_name) != 0)
		ret = claim_failure(sp, kind, from, errno);
	free(from);
	return ret;
}

int
spool_work_name_parse(const char *work_name, int64_t *received_ns, const char **name)
{
	const char *dot = strchr(work_name, '.');
	long long ns = 0;

	if (dot == NULL || dot - work_name != 20 || dot[1] == '\0')
		return -1;
	for (const char *p = work_name; p < dot; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		ns = ns * 10 + (*p - '0');
	}
	*received_ns = ns;
	*name = dot + 1;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
names_add(char ***names, size_t *n, size_t *cap, char *name)
{
	*names = xreserve(*names, *n, cap, 16, sizeof **names);
	(*names)[(*n)++] = name;
}

/* Adds the work name of the input held in folder (in work/<kind>/, open as
 * parent) of a work name too long for a file name.  An empty one is what a
 * crash left between making the folder and moving the input into it (or
 * out of it): the lock's holder removes it.  0, or -1 (logged). */
static int
list_own_folder(struct spool *sp, DIR *parent, const char *folder, char ***names, size_t *n,
    size_t *cap)
{
	DIR *d = dir_at(dirfd(parent), folder, true);
	struct dirent *de;
	size_t before = *n;

	if (d == NULL) {
		log_error("cannot read %s/work/.../%s: %s", sp->root, folder, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			names_add(names, n, cap, xasprintf("%.*s%s", WORK_PREFIX, folder, de->d_name));
	closedir(d);
	if (*n == before && sp->lockfd >= 0)
		unlinkat(dirfd(parent), folder, AT_REMOVEDIR);
	return 0;
}

int
spool_work_list(struct spool *sp, enum kind kind, char ***names, size_t *n)
{
	char rel[64];
	struct dirent *de;
	size_t cap = 0;
	int ret = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	snprintf(rel, sizeof rel, "work/%s", kind_get(kind)->plural);
	if ((ret = open_kind_dir(sp, rel, kind, &d)) != 0 || d == NULL)
		return ret;
	while (ret == 0 && (de = readdir(d)) != NULL) {
		int64_t ns;
		const char *name;

		if (spool_work_name_parse(de->d_name, &ns, &name) != 0)
			continue;
		if (strcmp(name, LONG_MARK) == 0)
			ret = list_own_folder(sp, d, de->d_name, names, n, &cap);
		else if (name[0] != '.')
			names_add(names, n, &cap, xstrdup(de->d_name));
	}
	closedir(d);
	if (ret != 0) {
		spool_names_free(*names, *n);
		*names = NULL;
		*n = 0;
		return -1;
	}
	if (*n > 1)
		qsort(*names, *n, sizeof **names, cmp_name);
	return 0;
}

void
spool_names_free(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* Replaces the claimed file rel, open on fd, by a copy that is sluice's
 * alone (at most limit bytes copied to tmp/, fsynced, renamed over rel, the
 * folder fsynced).  A crash before the rename leaves rel as it was, to be
 * copied again; after it, the copy.  0, or -1 (logged) with errno set. */
static int
replace_by_copy(struct spool *sp, int fd, const char *rel, int64_t limit)
{
	char *tmp = tmp_path(sp), *dir = parent_of(rel);
	int ret = -1, saved = 0;

	if (copy_synced(sp, fd, rel, tmp, limit) != 0) {
		saved = errno;
		goto out;
	}
	if (renameat(sp->rootfd, tmp, sp->rootfd, rel) != 0) {
		saved = errno;
		log_error("cannot replace %s/%s by its copy: %s", sp->root, rel, strerror(saved));
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	ret = sync_dir(sp, dir);
	saved = errno;
out:
	free(tmp);
	free(dir);
	errno = saved;
	return ret;
}

/* Opens rel, a claimed file, its status into st, if it is a regular file:
 * a link, FIFO, device or folder is never opened (opening a device can
 * have effects); O_NOFOLLOW and O_NONBLOCK guard against a swap after the
 * check, and fstat decides on what was really opened.  The fd, or -1 with
 * errno set (0 for what is not a regular file) and *not_regular or
 * *denied told. */
static int
open_regular(struct spool *sp, const char *rel, struct stat *st, bool *not_regular,
    bool *denied)
{
	int fd, saved;

	/* needs no permission on the file itself: EACCES here is the
	 * folder's, the environment's failure, never the file's */
	if (fstatat(sp->rootfd, rel, st, AT_SYMLINK_NOFOLLOW) != 0)
		return -1;
	if (!S_ISREG(st->st_mode)) {
		*not_regular = true;
		errno = 0;
		return -1;
	}
	fd = openat(sp->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		*not_regular = errno == ELOOP || errno == ENXIO;
		*denied = errno == EACCES || errno == EPERM;
		return -1;
	}
	if (fstat(fd, st) != 0 || !S_ISREG(st->st_mode) || fcntl(fd, F_SETFL, 0) != 0) {
		saved = errno;
		*not_regular = !S_ISREG(st->st_mode);
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
spool_work_open(struct spool *sp, enum kind kind, const char *work_name, int64_t copy_limit,
    bool *not_regular, bool *denied)
{
	char *rel = spool_work_path(kind, work_name);
	struct stat st;
	int fd, saved;

	*not_regular = false;
	*denied = false;
	fd = open_regular(sp, rel, &st, not_regular, denied);
	/* its sender may still write it: through another hard link, or as
	 * its owner through a handle kept open.  What is hashed, applied and
	 * filed is a copy of sluice's own (a file over copy_limit is
	 * rejected unread: nothing of it is applied) */
	if (fd >= 0 && (st.st_nlink > 1 || st.st_uid != geteuid()) && st.st_size <= copy_limit) {
		/* one byte beyond the limit tells that it is too large */
		int copied = replace_by_copy(sp, fd, rel, copy_limit + 1);

		saved = errno;
		close(fd);
		errno = saved;
		fd = copied == 0 ? open_regular(sp, rel, &st, not_regular, denied) : -1;
	}
	saved = fd < 0 ? errno : 0;
	/* what is filed is sluice's: its group may read it, nobody else */
	if (fd >= 0 && (st.st_mode & 027) != 0 && st.st_uid == geteuid() &&
	    fchmod(fd, st.st_mode & 07750) != 0)
		log_warn("cannot set the mode of %s/%s: %s", sp->root, rel, strerror(errno));
	free(rel);
	errno = saved;
	return fd;
}

char *
spool_filed_path(bool rejected, int64_t input_id, enum kind kind, int64_t received_ns,
    const char *name, int64_t at_ns)
{
	time_t secs = (time_t)(at_ns / 1000000000);
	struct tm tm;

	gmtime_r(&secs, &tm);
	return xasprintf("%s/%04d-%02d-%02d/%08lld-%s-%lld/%s", rejected ? "rejected" : "archive",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, (long long)input_id,
	    kind_get(kind)->plural, (long long)received_ns, name);
}

int
spool_filed_parse(const char *folder, int64_t *input_id, enum kind *kind, int64_t *received_ns)
{
	const char *dash = strchr(folder, '-'), *last = strrchr(folder, '-');
	char plural[32];
	const struct kind_def *k;
	char *end;

	if (dash == NULL || last == dash || last - dash - 1 >= (long)sizeof plural)
		return -1;
	*input_id = strtoll(folder, &end, 10);
	if (end != dash || *input_id <= 0)
		return -1;
	memcpy(plural, dash + 1, (size_t)(last - dash - 1));
	plural[last - dash - 1] = '\0';
	if ((k = kind_by_name(plural)) == NULL)
		return -1;
	*kind = k->kind;
	*received_ns = strtoll(last + 1, &end, 10);
	return *end == '\0' && *received_ns > 0 ? 0 : -1;
}

int
spool_file_away(struct spool *sp, enum kind kind, const char *work_name, const char *filed_as)
{
	char *from = spool_work_path(kind, work_name), *dir = parent_of(filed_as);
	int ret = -1;

	if (make_dirs(sp, dir, PRIVATE_MODE) == 0) {
		if (renameat2(sp->rootfd, from, sp->rootfd, filed_as, RENAME_NOREPLACE) == 0)
			ret = 0;
		else
			log_error("cannot move %s/%s to %s: %s", sp->root, from, filed_as,
			    strerror(errno));
	}
	/* an input in a folder of its own leaves it empty (a crash here
	 * leaves the folder, which spool_work_list() removes) */
	if (ret == 0 && strlen(work_name) > NAME_MAX) {
		free(dir);
		dir = parent_of(from);
		unlinkat(sp->rootfd, dir, AT_REMOVEDIR);
	}
	free(from);
	free(dir);
	return ret;
}

/* The length of the time of receipt in a late receipt's name,
 * ".20261127T145501.123456789Z". */
#define RECEIPT_STAMP 27

/* True when s (len bytes) ends in what only sluice adds to a receipt's
 * name: '~' and RECEIPT_DIGEST lower-case hex digits (a cut name's digest),
 * or a time of receipt.  The receipt of such a name takes the digest form
 * whatever its length, so that no name's receipt takes the path derived
 * for another's. */
static bool
ends_as_derived(const char *s, size_t len)
{
	static const char stamp[] = ".99999999T999999.999999999Z";
	bool derived = len > RECEIPT_DIGEST && s[len - RECEIPT_DIGEST - 1] == '~';

	for (size_t i = len - RECEIPT_DIGEST; derived && i < len; i++)
		derived = (s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f');
	if (derived || len < RECEIPT_STAMP)
		return derived;
	s += len - RECEIPT_STAMP;
	for (size_t i = 0; i < RECEIPT_STAMP; i++)
		if (stamp[i] == '9' ? s[i] < '0' || s[i] > '9' : s[i] != stamp[i])
			return false;
	return true;
}

char *
spool_receipt_path(enum kind kind, const char *name, int64_t stamp_ns)
{
	char suffix[64];
	size_t len = strlen(name), keep;
	struct sha256 *h;
	char hex[SHA256_HEX];

	if (stamp_ns > 0) {
		time_t secs = (time_t)(stamp_ns / 1000000000);
		struct tm tm;

		gmtime_r(&secs, &tm);
		snprintf(suffix, sizeof suffix, ".%04d%02d%02dT%02d%02d%02d.%09lldZ.receipt.xml",
		    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		    (long long)(stamp_ns % 1000000000));
	} else
		snprintf(suffix, sizeof suffix, ".receipt.xml");
	if (len + strlen(suffix) <= NAME_MAX && !ends_as_derived(name, len))
		return out_receipt_path(kind, "%s%s", name, suffix);
	/* too long for a file name, or spelled as a derived one: the name
	 * (cut where a UTF-8 character starts when it is too long; a name
	 * that is no UTF-8 is cut at most 3 bytes earlier), then the digest
	 * of the whole name, which keeps such names apart */
	keep = NAME_MAX - strlen(suffix) - 1 - RECEIPT_DIGEST;
	if (keep > len)
		keep = len;
	for (int i = 0; i < 3 && keep > 0 && ((unsigned char)name[keep] & 0xC0) == 0x80; i++)
		keep--;
	h = sha256_new();
	sha256_update(h, name, len);
	sha256_final(h, hex);
	sha256_free(h);
	return out_receipt_path(kind, "%.*s~%.*s%s", (int)keep, name, RECEIPT_DIGEST, hex, suffix);
}

int
spool_flat_receipts(struct spool *sp, char ***names, size_t *n)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	if ((d = open_dir(sp, out_folder_path(OUT_RECEIPTS))) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		static const char suffix[] = ".receipt.xml";
		size_t len = strlen(de->d_name);
		struct stat st;

		if (de->d_name[0] != '.' && len > sizeof suffix - 1 &&
		    strcmp(de->d_name + len - (sizeof suffix - 1), suffix) == 0 &&
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
			names_add(names, n, &cap, xstrdup(de->d_name));
	}
	closedir(d);
	return 0;
}

int
spool_read(struct spool *sp, const char *rel, struct buf *out)
{
	int fd = openat(sp->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char chunk[8192];
	ssize_t n;

	buf_reset(out);
	if (fd < 0) {
		log_error("cannot open %s/%s: %s", sp->root, rel, strerror(errno));
		return -1;
	}
	while ((n = read(fd, chunk, sizeof chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
			close(fd);
			return -1;
		}
		buf_append(out, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

int
spool_move(struct spool *sp, const char *from, const char *to)
{
	if (renameat2(sp->rootfd, from, sp->rootfd, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno == EEXIST && unlinkat(sp->rootfd, from, 0) == 0)
		return 0;
	log_error("cannot move %s/%s to %s: %s", sp->root, from, to, strerror(errno));
	return -1;
}

static void
mark_dirty(struct spool *sp, const char *relpath)
{
	char *dir = xstrdup(relpath), *slash = strrchr(dir, '/');

	if (slash != NULL)
		*slash = '\0';
	else
		dir[0] = '\0';
	for (size_t i = 0; i < sp->ndirty; i++)
		if (strcmp(sp->dirty[i], dir) == 0) {
			free(dir);
			return;
		}
	sp->dirty = xreallocarray(sp->dirty, sp->ndirty + 1, sizeof *sp->dirty);
	sp->dirty[sp->ndirty++] = dir;
}

static int
sync_dir(struct spool *sp, const char *rel)
{
	int fd = openat(sp->rootfd, rel[0] ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0 || fsync(fd) != 0) {
		log_error("cannot fsync %s/%s: %s", sp->root, rel, strerror(errno));
		ret = -1;
	}
	if (fd >= 0)
		close(fd);
	return ret;
}

int
spool_sync_outputs(struct spool *sp)
{
	int ret = 0;

	for (size_t i = 0; i < sp->ndirty; i++)
		if (sync_dir(sp, sp->dirty[i]) != 0)
			ret = -1;
	spool_names_free(sp->dirty, sp->ndirty);
	sp->dirty = NULL;
	sp->ndirty = 0;
	return ret;
}

int
spool_sync_claims(struct spool *sp, enum kind kind)
{
	char in[64], work[64];

	snprintf(in, sizeof in, "in/%s", kind_get(kind)->plural);
	snprintf(work, sizeof work, "work/%s", kind_get(kind)->plural);
	return sync_dir(sp, work) == 0 && sync_dir(sp, in) == 0 ? 0 : -1;
}

/* Copies the file open on in (from its start) to a new file tmp (relative
 * to the root) and fsyncs it: a reflink where the file system makes one
 * (it takes no space), else a copy of at most limit bytes, so that a file
 * its writer keeps growing cannot fill the disk (what is cut is too large
 * for sluice anyway).  0, or -1 (logged; tmp removed) with errno set. */
static int
copy_synced(struct spool *sp, int in, const char *from, const char *tmp, int64_t limit)
{
	char *buf = NULL;
	int fd, ret = -1, saved = 0;
	int64_t copied = 0;
	ssize_t n;

	fd = openat(sp->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
	if (fd < 0) {
		saved = errno;
		log_error("cannot create %s/%s: %s", sp->root, tmp, strerror(saved));
		errno = saved;
		return -1;
	}
	if (ioctl(fd, FICLONE, in) != 0) {
		buf = xmalloc(65536);
		while (copied < limit &&
		    (n = read(in, buf, (size_t)(limit - copied < 65536 ? limit - copied : 65536))) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 || write_all(fd, buf, (size_t)n) != 0) {
				saved = errno;
				log_error("cannot copy %s: %s", from, strerror(saved));
				goto out;
			}
			copied += n;
		}
	}
	if (fsync(fd) != 0) {
		saved = errno;
		log_error("cannot fsync %s/%s: %s", sp->root, tmp, strerror(saved));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	if (ret != 0)
		unlinkat(sp->rootfd, tmp, 0);
	free(buf);
	errno = saved;
	return ret;
}

/* Copies the file open on in (from names it in messages) into
 * in/<kind>/<name> the safe way: to tmp (below the root, a name no
 * scan reads), fsynced, given mode (0: as it is made, 0640), renamed into
 * place without replacing what is there, and the folder fsynced.  0; 1
 * when a file of that name is waiting already (nothing is left of tmp);
 * -1 on failure (logged). */
static int
deliver(struct spool *sp, enum kind kind, int in, const char *from, const char *tmp,
    const char *name, mode_t mode)
{
	char *to = xasprintf("in/%s/%s", kind_get(kind)->plural, name);
	int ret = -1;

	if (copy_synced(sp, in, from, tmp, INT64_MAX) != 0)
		goto out;
	if (mode != 0 && fchmodat(sp->rootfd, tmp, mode, 0) != 0) {
		log_error("cannot set the mode of %s/%s: %s", sp->root, tmp, strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	if (renameat2(sp->rootfd, tmp, sp->rootfd, to, RENAME_NOREPLACE) != 0) {
		if (errno == EEXIST)
			ret = 1;
		else
			log_error("cannot rename into %s/%s: %s", sp->root, to, strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	*strrchr(to, '/') = '\0';
	ret = sync_dir(sp, to);
out:
	free(to);
	return ret;
}

int
spool_submit(struct spool *sp, enum kind kind, const char *path)
{
	const char *base = strrchr(path, '/');
	char *tmp;
	int in, ret;

	base = base != NULL ? base + 1 : path;
	if (spool_hidden_name(base)) {
		log_error("%s: a name that starts with '.' or ends in .tmp, .part, .partial, "
		    ".filepart or ~ is never read; rename the file", path);
		return -1;
	}
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0 && errno == EACCES) {
		char *why = denied_text("read", path);

		log_error("cannot submit %s: %s", path, why);
		free(why);
		return -1;
	}
	if (in < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	/* hidden while it is written; named after the file when that fits */
	tmp = strlen(base) + 32 <= NAME_MAX ?
	    xasprintf("in/%s/.%s.%ld.tmp", kind_get(kind)->plural, base, (long)getpid()) :
	    xasprintf("in/%s/.submit.%ld.tmp", kind_get(kind)->plural, (long)getpid());
	if ((ret = deliver(sp, kind, in, path, tmp, base, 0)) == 1)
		log_error("%s/in/%s/%s is still waiting to be processed; submit again later",
		    sp->root, kind_get(kind)->plural, base);
	close(in);
	free(tmp);
	return ret;
}

/* Writes len bytes of data to a new file tmp of mode mode, unsynced.  0,
 * or -1 (logged, nothing left). */
static int
write_new(struct spool *sp, const char *tmp, const void *data, size_t len, mode_t mode)
{
	int fd = openat(sp->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	bool ok;

	if (fd < 0) {
		log_error("cannot create %s/%s: %s", sp->root, tmp, strerror(errno));
		return -1;
	}
	/* the umask (027) narrows what openat() gives: 0640 needs no fchmod */
	ok = ((mode & ~(mode_t)0640) == 0 || fchmod(fd, mode) == 0) &&
	    write_all(fd, data, len) == 0;
	if (close(fd) != 0)
		ok = false;
	if (!ok) {
		log_error("cannot write %s/%s: %s", sp->root, tmp, strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
		return -1;
	}
	return 0;
}

/* Makes the n files f[].tmp durable with one barrier (their file system
 * synced once), then renames each to its f[].to in order, with flags (of
 * renameat2()); *placed counts those renamed.  0, or -1 (logged). */
static int
place_all(struct spool *sp, const struct spool_staged *f, size_t n, unsigned int flags,
    size_t *placed)
{
	*placed = 0;
	/* the file system that holds tmp/, which a link may put on another than
	 * the root's (with out/ or in/: a rename goes no further) */
	if (n > 0 && syncfs(sp->tmpfd) != 0) {
		log_error("cannot sync the file system of %s/tmp: %s", sp->root, strerror(errno));
		return -1;
	}
	for (; *placed < n; (*placed)++)
		if (renameat2(sp->rootfd, f[*placed].tmp, sp->rootfd, f[*placed].to, flags) != 0) {
			/* named by where it goes: the file in tmp/ is removed */
			log_error("cannot rename into %s/%s: %s%s", sp->root, f[*placed].to,
			    strerror(errno),
			    errno == EXDEV ? " (tmp/ is on another file system)" : "");
			return -1;
		}
	return 0;
}

/* Writes len bytes of data, bound for to, to a new file in tmp/ of mode
 * mode, and adds it to b.  0, or -1 (logged, nothing left). */
static int
stage(struct spool *sp, struct spool_batch *b, const char *to, const void *data, size_t len,
    mode_t mode)
{
	char *tmp;

	if (sp->tmpfd < 0 &&
	    (sp->tmpfd = openat(sp->rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_error("cannot open %s/tmp: %s", sp->root, strerror(errno));
		return -1;
	}
	tmp = tmp_path(sp);
	if (write_new(sp, tmp, data, len, mode) != 0) {
		free(tmp);
		return -1;
	}
	b->f = xreserve(b->f, b->n, &b->cap, 64, sizeof *b->f);
	b->f[b->n++] = (struct spool_staged){ tmp, xstrdup(to) };
	return 0;
}

/* Empties b: what is staged and not placed is removed. */
static void
batch_clear(struct spool *sp, struct spool_batch *b, size_t placed)
{
	for (size_t i = 0; i < b->n; i++) {
		if (i >= placed)
			unlinkat(sp->rootfd, b->f[i].tmp, 0);
		free(b->f[i].tmp);
		free(b->f[i].to);
	}
	b->n = 0;
}

int
spool_drop_all(struct spool *sp, const struct spool_drop *d, size_t n, size_t *placed)
{
	struct spool_batch b = { 0 };
	bool folders[KIND__COUNT] = { false };
	int ret = -1;

	*placed = 0;
	for (size_t i = 0; i < n; i++) {
		char *to = xasprintf("in/%s/%s", kind_get(d[i].kind)->plural, d[i].name);
		int rc = stage(sp, &b, to, d[i].data, d[i].len, sp->modes.in & 0666);

		free(to);
		if (rc != 0)
			goto out;
	}
	ret = place_all(sp, b.f, b.n, RENAME_NOREPLACE, placed);
	for (size_t i = 0; i < *placed; i++)
		folders[d[i].kind] = true;
	for (size_t k = 0; k < KIND__COUNT; k++) {
		char *dir = xasprintf("in/%s", kind_get((enum kind)k)->plural);

		if (folders[k] && sync_dir(sp, dir) != 0)
			ret = -1;
		free(dir);
	}
out:
	batch_clear(sp, &b, *placed);
	spool_batch_free(sp, &b);
	return ret;
}

int
spool_stage(struct spool *sp, struct spool_batch *b, const char *relpath, const void *data,
    size_t len)
{
	/* the folder's mode without search: 0750 makes 0640 */
	return stage(sp, b, relpath, data, len, sp->modes.out & 0666);
}

int
spool_place(struct spool *sp, struct spool_batch *b, size_t *placed)
{
	int ret = place_all(sp, b->f, b->n, 0, placed);

	for (size_t i = 0; i < *placed; i++)
		mark_dirty(sp, b->f[i].to);
	batch_clear(sp, b, *placed);
	return ret;
}

void
spool_batch_free(struct spool *sp, struct spool_batch *b)
{
	batch_clear(sp, b, 0);
	free(b->f);
	memset(b, 0, sizeof *b);
}

int
spool_requeue(struct spool *sp, enum kind kind, const char *from, const char *name)
{
	struct stat st;
	char *tmp;
	int in, ret;

	in = openat(sp->rootfd, from, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (in < 0 && (errno == ENOENT || errno == ENOTDIR))
		return 2;
	if (in < 0 && errno == ELOOP)
		return 3;
	if (in < 0 || fstat(in, &st) != 0) {
		log_error("cannot open %s/%s: %s", sp->root, from, strerror(errno));
		if (in >= 0)
			close(in);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		close(in);
		return 3;
	}
	tmp = tmp_path(sp);
	ret = deliver(sp, kind, in, from, tmp, name, sp->modes.in & 0666);
	close(in);
	free(tmp);
	return ret;
}

int
spool_present(struct spool *sp, const char *rel, int64_t *size)
{
	struct stat st;

	*size = 0;
	if (fstatat(sp->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		*size = st.st_size;
		return 1;
	}
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	log_error("cannot look at %s/%s: %s", sp->root, rel, strerror(errno));
	return -1;
}

int
spool_inject(struct spool *sp, enum kind kind, const char *path, int64_t received_ns)
{
	const char *base = strrchr(path, '/');
	char *tmp = tmp_path(sp), *work_name;
	int in, ret = -1;

	base = base != NULL ? base + 1 : path;
	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (copy_synced(sp, in, path, tmp, INT64_MAX) != 0)
		goto out;
	/* the time of receipt names it; another input of that time bumps it */
	if (place_claim(sp, kind, tmp, base, received_ns, &work_name) == 0) {
		free(work_name);
		ret = spool_sync_claims(sp, kind);
	} else {
		log_error("cannot move %s into %s/work/%s: %s", path, sp->root, kind_get(kind)->plural,
		    strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
	}
out:
	close(in);
	free(tmp);
	return ret;
}

int64_t
spool_free_bytes(struct spool *sp)
{
	struct statvfs vfs;

	if (fstatvfs(sp->rootfd, &vfs) != 0)
		return -1;
	return (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize;
}

void
spool_clean_tmp(struct spool *sp)
{
	struct dirent *de;
	DIR *d = open_dir(sp, "tmp");

	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL)
		if (de->d_name[0] != '.' && unlinkat(dirfd(d), de->d_name, 0) != 0)
			log_warn("cannot remove %s/tmp/%s: %s", sp->root, de->d_name, strerror(errno));
	closedir(d);
}

/*
 * Retention: the kept files that sluice purge lists and removes.  Every
 * folder is opened one name at a time from the root without following a
 * link (O_NOFOLLOW), so nothing outside the spool is read or removed; a
 * link is removed as the link it is.
 */

/* How deep a folder filed in rejected/ (a partner's folder, moved there
 * whole) is followed down. */
#define KEPT_DEPTH 64

/* Opens the folder rel below the root, one name at a time, following no
 * link.  The fd, or -1 with errno set. */
static int
open_dir_nofollow(struct spool *sp, const char *rel)
{
	char *p = xstrdup(rel), *save = NULL;
	int fd = dup(sp->rootfd);

	for (char *name = strtok_r(p, "/", &save); fd >= 0 && name != NULL;
	    name = strtok_r(NULL, "/", &save)) {
		int next = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		int saved = errno;

		close(fd);
		fd = next;
		errno = saved;
	}
	free(p);
	return fd;
}

/* The bytes of the entry name in the folder dfd, and of everything in it
 * when it is a folder (depth: how far down it is). */
static int64_t
tree_bytes(int dfd, const char *name, const struct stat *st, int depth)
{
	int64_t bytes = st->st_size;
	struct dirent *de;
	DIR *d;

	if (!S_ISDIR(st->st_mode) || depth >= KEPT_DEPTH || (d = dir_at(dfd, name, true)) == NULL)
		return bytes;
	while ((de = readdir(d)) != NULL) {
		struct stat sub;

		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0 &&
		    fstatat(dirfd(d), de->d_name, &sub, AT_SYMLINK_NOFOLLOW) == 0)
			bytes += tree_bytes(dirfd(d), de->d_name, &sub, depth + 1);
	}
	closedir(d);
	return bytes;
}

static void
kept_add(struct spool_kept **out, size_t *n, size_t *cap, char *rel, const struct stat *st,
    int64_t bytes, int64_t input_id)
{
	*out = xreserve(*out, *n, cap, 64, sizeof **out);
	(*out)[(*n)++] = (struct spool_kept){ rel, bytes, ts_ns(&st->st_mtim), input_id };
}

/* Adds the entries of the folder rel (open as dfd) to the list: each
 * entry of a filed input's folder, with its input's id, when filed. */
static int
list_folder(struct spool *sp, int dfd, const char *rel, bool filed, struct spool_kept **out,
    size_t *n, size_t *cap)
{
	DIR *d = dir_at(dfd, ".", false);
	struct dirent *de;

	if (d == NULL) {
		log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		char *sub = xasprintf("%s/%s", rel, de->d_name);
		int64_t id = 0, received;
		enum kind kind;
		struct stat st;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0 ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
			free(sub);
			continue;
		}
		if (filed && S_ISDIR(st.st_mode) &&
		    spool_filed_parse(de->d_name, &id, &kind, &received) == 0) {
			/* a filed input's folder: the input is what it holds */
			DIR *in = dir_at(dirfd(d), de->d_name, true);

			if (in != NULL) {
				struct dirent *e;

				while ((e = readdir(in)) != NULL) {
					struct stat est;

					if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
					    fstatat(dirfd(in), e->d_name, &est, AT_SYMLINK_NOFOLLOW) == 0)
						kept_add(out, n, cap, xasprintf("%s/%s", sub, e->d_name), &est,
						    tree_bytes(dirfd(in), e->d_name, &est, 0), id);
				}
				closedir(in);
			}
			free(sub);
		} else if (!S_ISDIR(st.st_mode))
			kept_add(out, n, cap, sub, &st, st.st_size, 0);
		else
			free(sub);   /* a folder sluice did not make: left alone */
	}
	closedir(d);
	return 0;
}

int
spool_list_filed(struct spool *sp, bool rejected, struct spool_kept **out, size_t *n)
{
	const char *top = rejected ? "rejected" : "archive";
	size_t cap = 0;
	struct dirent *de;
	int fd, ret = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	if ((fd = open_dir_nofollow(sp, top)) < 0 || (d = fdopendir(fd)) == NULL) {
		log_error("cannot read %s/%s: %s", sp->root, top, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* archive/<date>/<input's folder>/<name> */
	while (ret == 0 && (de = readdir(d)) != NULL) {
		char *rel = xasprintf("%s/%s", top, de->d_name);
		int dayfd;

		if (de->d_name[0] != '.' &&
		    (dayfd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
		    O_CLOEXEC)) >= 0) {
			ret = list_folder(sp, dayfd, rel, true, out, n, &cap);
			close(dayfd);
		}
		free(rel);
	}
	closedir(d);
	if (ret != 0) {
		spool_kept_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

int
spool_list_outputs(struct spool *sp, struct spool_kept **out, size_t *n)
{
	size_t cap = 0;
	int ret = 0;

	*out = NULL;
	*n = 0;
	for (int f = 0; ret == 0 && f < OUT__COUNT + KIND__COUNT; f++) {
		char *rel = f < OUT__COUNT ? xstrdup(out_folder_path((enum out_folder)f)) :
		    out_receipt_folder((enum kind)(f - OUT__COUNT));
		int fd = open_dir_nofollow(sp, rel);

		if (fd >= 0) {
			ret = list_folder(sp, fd, rel, false, out, n, &cap);
			close(fd);
		} else if (errno != ENOENT) {
			/* a kind's receipts folder is missing in an older spool */
			log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
			ret = -1;
		}
		free(rel);
	}
	if (ret != 0) {
		spool_kept_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return ret;
}

void
spool_kept_free(struct spool_kept *k, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(k[i].rel);
	free(k);
}

/* Removes the entry name of the folder dfd, and everything in it when it
 * is a folder, following no link.  0, or -1 with errno set. */
static int
remove_tree(int dfd, const char *name, int depth)
{
	struct dirent *de;
	int ret = 0;
	DIR *d;

	if (unlinkat(dfd, name, 0) == 0)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return -1;
	if (depth >= KEPT_DEPTH) {
		errno = ELOOP;
		return -1;
	}
	if ((d = dir_at(dfd, name, true)) == NULL)
		return -1;
	while (ret == 0 && (de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			ret = remove_tree(dirfd(d), de->d_name, depth + 1);
	closedir(d);
	return ret == 0 ? unlinkat(dfd, name, AT_REMOVEDIR) : -1;
}

int
spool_remove_kept(struct spool *sp, const char *rel, int parents)
{
	char *dir = parent_of(rel);
	const char *name = strrchr(rel, '/') + 1;
	int fd = open_dir_nofollow(sp, dir), ret = -1;

	if (fd < 0 && errno == ENOENT)
		ret = 1;
	else if (fd < 0)
		log_error("cannot open %s/%s: %s", sp->root, dir, strerror(errno));
	else if (remove_tree(fd, name, 0) == 0)
		ret = 0;
	else if (errno == ENOENT)
		ret = 1;
	else
		log_error("cannot remove %s/%s: %s", sp->root, rel, strerror(errno));
	if (fd >= 0)
		close(fd);
	/* the folders it leaves empty; one that is not empty stays */
	for (int i = 0; ret >= 0 && i < parents; i++) {
		char *up = parent_of(dir);

		if (unlinkat(sp->rootfd, dir, AT_REMOVEDIR) != 0) {
			free(up);
			break;
		}
		free(dir);
		dir = up;
	}
	free(dir);
	return ret;
}

int
spool_append(struct spool *sp, const char *rel, const char *text)
{
	int fd = openat(sp->rootfd, rel, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC,
	    0640), ret = -1;

	if (fd >= 0 && write_all(fd, text, strlen(text)) == 0 && fsync(fd) == 0)
		ret = 0;
	else
		log_error("cannot write %s/%s: %s", sp->root, rel, strerror(errno));
	if (fd >= 0)
		close(fd);
	return ret;
}
