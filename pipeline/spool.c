#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "pipeline/log.h"
#include "pipeline/spool.h"
#include "pipeline/util.h"

static const char *const out_folders[] = {
	"out/invoices", "out/proformas", "out/captures", "out/links", "out/receipts", NULL
};

struct spool {
	char *root;
	int rootfd;
	int lockfd;
	unsigned tmp_counter;
	char **dirty;        /* output folders to fsync */
	size_t ndirty;
};

const char *
spool_root(const struct spool *sp)
{
	return sp->root;
}

/* mkdir -p of a path relative to the root. */
static int
make_dirs(struct spool *sp, const char *rel)
{
	char *p = xstrdup(rel);
	int ret = 0;

	for (char *s = p;; s++) {
		if (*s == '/' || *s == '\0') {
			char c = *s;

			*s = '\0';
			if (mkdirat(sp->rootfd, p, 0775) != 0 && errno != EEXIST) {
				log_error("cannot create %s/%s: %s", sp->root, p, strerror(errno));
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

static void
layout(char ***out, size_t *n)
{
	static char *names[64];
	size_t k = 0;

	for (int i = 0; i < KIND__COUNT; i++) {
		static char in[KIND__COUNT][48], work[KIND__COUNT][48];

		snprintf(in[i], sizeof in[i], "in/%s", kind_get((enum kind)i)->plural);
		snprintf(work[i], sizeof work[i], "work/%s", kind_get((enum kind)i)->plural);
		names[k++] = in[i];
		names[k++] = work[i];
	}
	for (size_t i = 0; out_folders[i] != NULL; i++)
		names[k++] = (char *)out_folders[i];
	names[k++] = "archive";
	names[k++] = "rejected";
	names[k++] = "tmp";
	*out = names;
	*n = k;
}

int
spool_open(const char *root, bool create, struct spool **out)
{
	struct spool *sp = xcalloc(1, sizeof *sp);
	char **names;
	size_t n;

	sp->root = xstrdup(root);
	sp->lockfd = -1;
	if (create) {
		/* mkdir -p of the root */
		char *p = xstrdup(root);

		for (char *s = p + 1;; s++)
			if (*s == '/' || *s == '\0') {
				char c = *s;

				*s = '\0';
				if (mkdir(p, 0775) != 0 && errno != EEXIST) {
					log_error("cannot create the spool %s: %s", p, strerror(errno));
					free(p);
					goto fail;
				}
				*s = c;
				if (c == '\0')
					break;
			}
		free(p);
	}
	sp->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (sp->rootfd < 0) {
		log_error("cannot open the spool %s: %s%s", root, strerror(errno),
		    create ? "" : " (run sluice init first)");
		goto fail;
	}
	layout(&names, &n);
	for (size_t i = 0; i < n; i++) {
		struct stat st;

		if (create) {
			if (make_dirs(sp, names[i]) != 0)
				goto fail;
		} else if (fstatat(sp->rootfd, names[i], &st, 0) != 0 || !S_ISDIR(st.st_mode)) {
			log_error("the spool %s has no folder %s (run sluice init)", root, names[i]);
			goto fail;
		}
	}
	*out = sp;
	return 0;
fail:
	spool_close(sp);
	return -1;
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
	spool_names_free(sp->dirty, sp->ndirty);
	free(sp->root);
	free(sp);
}

int
spool_lock(struct spool *sp, long *holder)
{
	char pid[32];
	ssize_t n;

	*holder = 0;
	sp->lockfd = openat(sp->rootfd, ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (sp->lockfd < 0) {
		log_error("cannot open %s/.lock: %s", sp->root, strerror(errno));
		return -1;
	}
	if (flock(sp->lockfd, LOCK_EX | LOCK_NB) != 0) {
		n = pread(sp->lockfd, pid, sizeof pid - 1, 0);
		if (n > 0) {
			pid[n] = '\0';
			*holder = strtol(pid, NULL, 10);
		}
		close(sp->lockfd);
		sp->lockfd = -1;
		return -1;
	}
	n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
	if (ftruncate(sp->lockfd, 0) != 0 || pwrite(sp->lockfd, pid, (size_t)n, 0) != n)
		log_warn("cannot record the pid in %s/.lock: %s", sp->root, strerror(errno));
	return 0;
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

/* Opens a folder below the root for listing. */
static DIR *
open_dir(struct spool *sp, const char *rel)
{
	int fd = openat(sp->rootfd, rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d;

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		log_error("cannot read %s/%s: %s", sp->root, rel, strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return d;
}

int
spool_scan(struct spool *sp, enum kind kind, struct spool_entry **out, size_t *n)
{
	char rel[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*out = NULL;
	*n = 0;
	snprintf(rel, sizeof rel, "in/%s", kind_get(kind)->plural);
	if ((d = open_dir(sp, rel)) == NULL)
		return -1;
	while ((errno = 0, de = readdir(d)) != NULL) {
		struct stat st;

		if (spool_hidden_name(de->d_name))
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
			continue;   /* gone meanwhile */
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*out = xreallocarray(*out, cap, sizeof **out);
		}
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

int
spool_claim(struct spool *sp, enum kind kind, const char *name, int64_t received_ns,
    char **work_name)
{
	const char *plural = kind_get(kind)->plural;
	char *from = xasprintf("in/%s/%s", plural, name);
	char *wn = NULL, *to = NULL;
	int ret = -1;

	/* the time of receipt makes the name unique; bump it on a clash */
	for (int tries = 0; tries < 1000; tries++, received_ns++) {
		free(wn);
		free(to);
		wn = xasprintf("%020lld.%s", (long long)received_ns, name);
		to = xasprintf("work/%s/%s", plural, wn);
		if (renameat2(sp->rootfd, from, sp->rootfd, to, RENAME_NOREPLACE) == 0) {
			*work_name = wn;
			wn = NULL;
			ret = 0;
			break;
		}
		if (errno == EEXIST)
			continue;
		if (errno == ENOENT)
			ret = 1;
		else
			log_error("cannot claim %s/%s: %s", sp->root, from, strerror(errno));
		break;
	}
	free(from);
	free(to);
	free(wn);
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

int
spool_work_list(struct spool *sp, enum kind kind, char ***names, size_t *n)
{
	char rel[64];
	struct dirent *de;
	size_t cap = 0;
	DIR *d;

	*names = NULL;
	*n = 0;
	snprintf(rel, sizeof rel, "work/%s", kind_get(kind)->plural);
	if ((d = open_dir(sp, rel)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int64_t ns;
		const char *name;

		if (spool_work_name_parse(de->d_name, &ns, &name) != 0)
			continue;
		if (*n == cap) {
			cap = cap ? cap * 2 : 16;
			*names = xreallocarray(*names, cap, sizeof **names);
		}
		(*names)[(*n)++] = xstrdup(de->d_name);
	}
	closedir(d);
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

int
spool_work_open(struct spool *sp, enum kind kind, const char *work_name, bool *not_regular,
    bool *denied)
{
	char *rel = xasprintf("work/%s/%s", kind_get(kind)->plural, work_name);
	struct stat st;
	int fd = -1, saved = 0;

	*not_regular = false;
	*denied = false;
	/* a link, FIFO, device or folder is never opened (opening a device
	 * can have effects); O_NOFOLLOW and O_NONBLOCK guard against a swap
	 * after the check, and fstat decides on what was really opened */
	if (fstatat(sp->rootfd, rel, &st, AT_SYMLINK_NOFOLLOW) != 0) {
		/* needs no permission on the file itself: EACCES here is the
		 * folder's, the environment's failure, never the file's */
		saved = errno;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		*not_regular = true;
		goto out;
	}
	fd = openat(sp->rootfd, rel, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		saved = errno;
		*not_regular = saved == ELOOP || saved == ENXIO;
		*denied = saved == EACCES || saved == EPERM;
		goto out;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || fcntl(fd, F_SETFL, 0) != 0) {
		saved = errno;
		*not_regular = !S_ISREG(st.st_mode);
		close(fd);
		fd = -1;
	}
out:
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
	char *from = xasprintf("work/%s/%s", kind_get(kind)->plural, work_name);
	char *dir = xstrdup(filed_as);
	char *slash = strrchr(dir, '/');
	int ret = -1;

	if (slash != NULL)
		*slash = '\0';
	if (slash == NULL || make_dirs(sp, dir) == 0) {
		if (renameat2(sp->rootfd, from, sp->rootfd, filed_as, RENAME_NOREPLACE) == 0)
			ret = 0;
		else
			log_error("cannot move %s/%s to %s: %s", sp->root, from, filed_as,
			    strerror(errno));
	}
	free(from);
	free(dir);
	return ret;
}

static int
write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
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

int
spool_publish(struct spool *sp, const char *relpath, const void *data, size_t len)
{
	char *tmp = xasprintf("tmp/%ld-%u.tmp", (long)getpid(), sp->tmp_counter++);
	int fd, ret = -1;

	fd = openat(sp->rootfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot create %s/%s: %s", sp->root, tmp, strerror(errno));
		goto out;
	}
	if (write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		/* a failed write or fsync is never treated as written */
		log_error("cannot write %s/%s: %s", sp->root, relpath, strerror(errno));
		close(fd);
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	if (close(fd) != 0 || renameat(sp->rootfd, tmp, sp->rootfd, relpath) != 0) {
		log_error("cannot publish %s/%s: %s", sp->root, relpath, strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	mark_dirty(sp, relpath);
	ret = 0;
out:
	free(tmp);
	return ret;
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

/* Copies the file open on in to a new file tmp (relative to the root) and
 * fsyncs it.  0, or -1 (logged; tmp removed). */
static int
copy_synced(struct spool *sp, int in, const char *from, const char *tmp)
{
	char *buf = xmalloc(65536);
	int fd, ret = -1;
	ssize_t n;

	fd = openat(sp->rootfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot create %s/%s: %s", sp->root, tmp, strerror(errno));
		free(buf);
		return -1;
	}
	while ((n = read(in, buf, 65536)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || write_all(fd, buf, (size_t)n) != 0) {
			log_error("cannot copy %s: %s", from, strerror(errno));
			goto out;
		}
	}
	if (fsync(fd) != 0) {
		log_error("cannot fsync %s/%s: %s", sp->root, tmp, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	close(fd);
	if (ret != 0)
		unlinkat(sp->rootfd, tmp, 0);
	free(buf);
	return ret;
}

int
spool_submit(struct spool *sp, enum kind kind, const char *path)
{
	const char *base = strrchr(path, '/');
	char *tmp = NULL, *to = NULL;
	int in, ret = -1;

	base = base != NULL ? base + 1 : path;
	if (spool_hidden_name(base)) {
		log_error("%s: a name that starts with '.' or ends in .tmp, .part, .partial, "
		    ".filepart or ~ is never read; rename the file", path);
		return -1;
	}
	in = open(path, O_RDONLY | O_CLOEXEC);
	if (in < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	tmp = xasprintf("in/%s/.%s.%ld.tmp", kind_get(kind)->plural, base, (long)getpid());
	to = xasprintf("in/%s/%s", kind_get(kind)->plural, base);
	if (copy_synced(sp, in, path, tmp) != 0)
		goto out;
	if (renameat2(sp->rootfd, tmp, sp->rootfd, to, RENAME_NOREPLACE) != 0) {
		if (errno == EEXIST) {
			log_error("%s/%s is still waiting to be processed; submit again later",
			    sp->root, to);
			ret = 1;
		} else
			log_error("cannot rename into %s/%s: %s", sp->root, to, strerror(errno));
		unlinkat(sp->rootfd, tmp, 0);
		goto out;
	}
	*strrchr(to, '/') = '\0';
	ret = sync_dir(sp, to);
out:
	close(in);
	free(tmp);
	free(to);
	return ret;
}

int
spool_inject(struct spool *sp, enum kind kind, const char *path, int64_t received_ns)
{
	const char *base = strrchr(path, '/');
	char *tmp = xasprintf("tmp/%ld-%u.tmp", (long)getpid(), sp->tmp_counter++), *to = NULL;
	int in, ret = -1;

	base = base != NULL ? base + 1 : path;
	if ((in = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		free(tmp);
		return -1;
	}
	if (copy_synced(sp, in, path, tmp) != 0)
		goto out;
	/* the time of receipt names it; another input of that time bumps it */
	for (int tries = 0; tries < 1000; tries++, received_ns++) {
		free(to);
		to = xasprintf("work/%s/%020lld.%s", kind_get(kind)->plural, (long long)received_ns, base);
		if (renameat2(sp->rootfd, tmp, sp->rootfd, to, RENAME_NOREPLACE) == 0) {
			ret = spool_sync_claims(sp, kind);
			break;
		}
		if (errno != EEXIST) {
			log_error("cannot rename into %s/%s: %s", sp->root, to, strerror(errno));
			break;
		}
	}
	if (ret != 0)
		unlinkat(sp->rootfd, tmp, 0);
out:
	close(in);
	free(tmp);
	free(to);
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
