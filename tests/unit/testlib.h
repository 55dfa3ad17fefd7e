/* SPDX-License-Identifier: ISC */
/*
 * testlib: what the Check unit tests share: a main() that reports TAP to
 * the automake driver, and temporary files that never use fixed paths.
 */
#ifndef SLUICE_TESTLIB_H
#define SLUICE_TESTLIB_H

#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Runs setup() (unless NULL), then the tests, NULL-terminated, as one
 * test case of one suite; reports TAP; returns main()'s exit code. */
static inline int
check_run(const char *suite, const char *tcase, void (*setup)(void), const TTest *const *tests)
{
	Suite *s = suite_create(suite);
	TCase *tc = tcase_create(tcase);
	SRunner *sr;
	int failed;

	if (setup != NULL)
		setup();
	for (size_t i = 0; tests[i] != NULL; i++)
		tcase_add_test(tc, tests[i]);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_set_tap(sr, "-");
	srunner_run_all(sr, CK_SILENT);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}

/* A main() that runs the tests it names after the suite's name, the test
 * case's name and a function to run first (or NULL). */
#define CHECK_MAIN(suite, tcase, setup, ...)                     \
	int main(void)                                           \
	{                                                        \
		const TTest *const tests[] = { __VA_ARGS__, NULL }; \
		return check_run(suite, tcase, setup, tests);    \
	}

/* Writes len bytes to a new temporary file and returns an fd open for
 * reading at its start (the file is already unlinked). */
static inline int
temp_fd(const void *data, size_t len)
{
	char path[] = "/tmp/sluice-test.XXXXXX";
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
	return fd;
}

/* A new temporary directory; the caller removes it (rm_rf). */
static inline char *
temp_dir(void)
{
	const char *base = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
	char *path = malloc(strlen(base) + 32);

	sprintf(path, "%s/sluice-test.XXXXXX", base);
	ck_assert_ptr_nonnull(mkdtemp(path));
	return path;
}

/* The text of a file of the source tree ($SLUICE_SRCDIR/rel); free it. */
static inline char *
source_file(const char *rel)
{
	const char *src = getenv("SLUICE_SRCDIR");
	char path[4096], *text;
	FILE *f;
	long n;

	ck_assert_ptr_nonnull(src);
	snprintf(path, sizeof path, "%s/%s", src, rel);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	text = malloc((size_t)n + 1);
	ck_assert_int_eq(fread(text, 1, (size_t)n, f), n);
	text[n] = '\0';
	fclose(f);
	return text;
}

static inline void
rm_rf(const char *path)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
	ck_assert_int_eq(system(cmd), 0);
}

#endif
