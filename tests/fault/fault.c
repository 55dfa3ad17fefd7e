/* SPDX-License-Identifier: ISC */
/*
 * fault: an LD_PRELOAD shim for the fault-injection tests (built for the
 * test suite only, never part of sluice).  SLUICE_FAULT=OP:N:ACTION makes
 * the Nth call of OP in the process
 *   crash   SIGKILL the process (no cleanup, as a power cut or kill -9)
 *   eio     fail with EIO
 *   enospc  fail with ENOSPC
 *   eacces  fail with EACCES
 *   stop    stop the process (SIGSTOP) in the call, which goes on when the
 *           process is continued (SIGCONT): a test acts while sluice is
 *           held at a known point
 * OP is one of write, fsync, rename, link, unlink, open, mkdir; each
 * counts every call of its family (write counts pwrite and writev too,
 * fsync counts fdatasync and syncfs, rename counts renameat and renameat2, open counts
 * openat).  With SLUICE_FAULT_PATH=TEXT, only opens of a path containing
 * TEXT count, so a test can fail the Nth open of one file.  SQLite's commits are writes and fsyncs of the ledger, so they
 * are covered.  SLUICE_FAULT_COUNT=FILE makes the shim write the number of
 * calls of each family at exit, so a driver knows how far to loop.
 * SLUICE_FAULT_LINGER=MS makes every thread the process starts live MS
 * milliseconds after its work is done, as a library's helper thread that
 * is slow to finish (a font scan) does.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

enum op { OP_WRITE, OP_FSYNC, OP_RENAME, OP_LINK, OP_UNLINK, OP_OPEN, OP_MKDIR, OP__COUNT };

static const char *const op_names[OP__COUNT] = {
	"write", "fsync", "rename", "link", "unlink", "open", "mkdir"
};

static long counts[OP__COUNT];
static int fault_op = -1;
static long fault_at;
static int fault_errno;     /* 0: crash */
static int fault_stop;
static int configured;

static void
configure(void)
{
	const char *v = getenv("SLUICE_FAULT");
	char op[16], action[16];

	configured = 1;
	if (v == NULL || sscanf(v, "%15[a-z]:%ld:%15[a-z]", op, &fault_at, action) != 3)
		return;
	for (int i = 0; i < OP__COUNT; i++)
		if (strcmp(op, op_names[i]) == 0)
			fault_op = i;
	if (strcmp(action, "eio") == 0)
		fault_errno = EIO;
	else if (strcmp(action, "enospc") == 0)
		fault_errno = ENOSPC;
	else if (strcmp(action, "eacces") == 0)
		fault_errno = EACCES;
	else if (strcmp(action, "stop") == 0)
		fault_stop = 1;
	else if (strcmp(action, "crash") != 0)
		fault_op = -1;
}

/* Counts a call of op; returns -1 (errno set) when it is to fail. */
static int
fault(enum op op)
{
	if (!configured)
		configure();
	if (++counts[op] != fault_at || (int)op != fault_op)
		return 0;
	if (fault_stop) {
		kill(getpid(), SIGSTOP);
		return 0;
	}
	if (fault_errno == 0) {
		kill(getpid(), SIGKILL);
		for (;;)
			pause();
	}
	errno = fault_errno;
	return -1;
}

__attribute__((destructor)) static void
report(void)
{
	const char *path = getenv("SLUICE_FAULT_COUNT");
	FILE *f;

	if (path == NULL || (f = fopen(path, "w")) == NULL)
		return;
	for (int i = 0; i < OP__COUNT; i++)
		fprintf(f, "%s %ld\n", op_names[i], counts[i]);
	fclose(f);
}

#define REAL(ret, name, ...) \
	static ret (*real)(__VA_ARGS__); \
	if (real == NULL) \
		real = (ret (*)(__VA_ARGS__))dlsym(RTLD_NEXT, name)

ssize_t
write(int fd, const void *buf, size_t n)
{
	REAL(ssize_t, "write", int, const void *, size_t);
	return fault(OP_WRITE) ? -1 : real(fd, buf, n);
}

ssize_t
pwrite(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, "pwrite", int, const void *, size_t, off_t);
	return fault(OP_WRITE) ? -1 : real(fd, buf, n, off);
}

ssize_t
pwrite64(int fd, const void *buf, size_t n, off_t off)
{
	REAL(ssize_t, "pwrite64", int, const void *, size_t, off_t);
	return fault(OP_WRITE) ? -1 : real(fd, buf, n, off);
}

ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	REAL(ssize_t, "writev", int, const struct iovec *, int);
	return fault(OP_WRITE) ? -1 : real(fd, iov, n);
}

int
fsync(int fd)
{
	REAL(int, "fsync", int);
	return fault(OP_FSYNC) ? -1 : real(fd);
}

int
fdatasync(int fd)
{
	REAL(int, "fdatasync", int);
	return fault(OP_FSYNC) ? -1 : real(fd);
}

int
syncfs(int fd)
{
	REAL(int, "syncfs", int);
	return fault(OP_FSYNC) ? -1 : real(fd);
}

int
rename(const char *a, const char *b)
{
	REAL(int, "rename", const char *, const char *);
	return fault(OP_RENAME) ? -1 : real(a, b);
}

int
renameat(int fa, const char *a, int fb, const char *b)
{
	REAL(int, "renameat", int, const char *, int, const char *);
	return fault(OP_RENAME) ? -1 : real(fa, a, fb, b);
}

int
renameat2(int fa, const char *a, int fb, const char *b, unsigned int flags)
{
	REAL(int, "renameat2", int, const char *, int, const char *, unsigned int);
	return fault(OP_RENAME) ? -1 : real(fa, a, fb, b, flags);
}

int
link(const char *a, const char *b)
{
	REAL(int, "link", const char *, const char *);
	return fault(OP_LINK) ? -1 : real(a, b);
}

int
unlink(const char *a)
{
	REAL(int, "unlink", const char *);
	return fault(OP_UNLINK) ? -1 : real(a);
}

int
unlinkat(int fd, const char *a, int flags)
{
	REAL(int, "unlinkat", int, const char *, int);
	return fault(OP_UNLINK) ? -1 : real(fd, a, flags);
}

int
mkdir(const char *a, mode_t mode)
{
	REAL(int, "mkdir", const char *, mode_t);
	return fault(OP_MKDIR) ? -1 : real(a, mode);
}

int
mkdirat(int fd, const char *a, mode_t mode)
{
	REAL(int, "mkdirat", int, const char *, mode_t);
	return fault(OP_MKDIR) ? -1 : real(fd, a, mode);
}

/* Whether an open of path counts (SLUICE_FAULT_PATH). */
static int
path_counts(const char *path)
{
	const char *only = getenv("SLUICE_FAULT_PATH");

	return only == NULL || (path != NULL && strstr(path, only) != NULL);
}

/* open(2) and its kin take a mode only when they create. */
#define OPEN_LIKE(name, ...)                                            \
	int name(__VA_ARGS__, int flags, ...)                           \
	{                                                               \
		REAL(int, #name, __VA_ARGS__, int, ...);                \
		va_list ap;                                             \
		mode_t mode = 0;                                        \
                                                                        \
		va_start(ap, flags);                                    \
		if (flags & (O_CREAT | O_TMPFILE))                      \
			mode = (mode_t)va_arg(ap, int);                 \
		va_end(ap);                                             \
		return path_counts(path) && fault(OP_OPEN) ? -1 :     \
		    OPEN_CALL;                                          \
	}

#define OPEN_CALL real(path, flags, mode)
OPEN_LIKE(open, const char *path)
OPEN_LIKE(open64, const char *path)
#undef OPEN_CALL
#define OPEN_CALL real(dirfd, path, flags, mode)
OPEN_LIKE(openat, int dirfd, const char *path)
OPEN_LIKE(openat64, int dirfd, const char *path)

/* A thread started under SLUICE_FAULT_LINGER: its work, then the wait. */
struct linger {
	void *(*fn)(void *);
	void *arg;
	long ms;
};

static void *
linger_start(void *p)
{
	struct linger l = *(struct linger *)p;
	struct timespec ts = { l.ms / 1000, (l.ms % 1000) * 1000000 };
	void *ret;

	free(p);
	ret = l.fn(l.arg);
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
	return ret;
}

int
pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
	REAL(int, "pthread_create", pthread_t *, const pthread_attr_t *, void *(*)(void *),
	    void *);
	const char *v = getenv("SLUICE_FAULT_LINGER");
	struct linger *l;
	int rc;

	if (v == NULL || atol(v) <= 0 || (l = malloc(sizeof *l)) == NULL)
		return real(t, attr, fn, arg);
	*l = (struct linger){ fn, arg, atol(v) };
	if ((rc = real(t, attr, linger_start, l)) != 0)
		free(l);
	return rc;
}
