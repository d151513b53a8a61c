/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal unit-test harness: TEST(name) { ... } functions registered with
 * RUN(name) from main(); CHECK* record failures and keep going; SKIP(why)
 * ends a test that cannot run on this host (it is counted as skipped, with
 * its reason, never as passed); unit_summary() prints
 * "<suite>: N passed, N failed, N skipped" and returns the exit code (77,
 * meson's "skipped", when nothing ran at all).
 */
#ifndef CALYX_TESTS_UNIT_H
#define CALYX_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_skipped, unit_current_failed;
static const char *unit_current_skip;

#define TEST(name) static void test_##name(void)

/* Counts one test's outcome; a failure recorded before SKIP still fails. */
static inline void unit_record(const char *name)
{
	if (unit_current_failed) {
		unit_failed++;
		printf("not ok - %s\n", name);
	} else if (unit_current_skip) {
		unit_skipped++;
		printf("ok - %s # SKIP %s\n", name, unit_current_skip);
	} else {
		unit_passed++;
		printf("ok - %s\n", name);
	}
}

#define RUN(name)                                      \
	do {                                           \
		unit_current_failed = 0;               \
		unit_current_skip = NULL;              \
		test_##name();                         \
		unit_record(#name);                    \
	} while (0)

/* RUN(name), or count it as skipped for `why` when `why` is not NULL. */
#define RUN_UNLESS(why, name)                          \
	do {                                           \
		if (why) {                             \
			unit_current_failed = 0;       \
			unit_current_skip = (why);     \
			unit_record(#name);            \
		} else {                               \
			RUN(name);                     \
		}                                      \
	} while (0)

/* Ends the current test as skipped; `why` is a string that outlives it. */
#define SKIP(why)                                      \
	do {                                           \
		unit_current_skip = (why);             \
		return;                                \
	} while (0)

#define CHECK(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			fprintf(stderr, "%s:%d: CHECK(%s) failed\n",      \
				__FILE__, __LINE__, #cond);               \
			unit_current_failed = 1;                          \
		}                                                         \
	} while (0)

#define CHECK_STR(a, b)                                                        \
	do {                                                                   \
		const char *_a = (a), *_b = (b);                               \
		if (!_a || !_b || strcmp(_a, _b) != 0) {                       \
			fprintf(stderr, "%s:%d: \"%s\" != \"%s\"\n", __FILE__, \
				__LINE__, _a ? _a : "(null)",                  \
				_b ? _b : "(null)");                           \
			unit_current_failed = 1;                               \
		}                                                              \
	} while (0)

/* the error message contains the expected text */
#define CHECK_CONTAINS(hay, needle)                                             \
	do {                                                                    \
		const char *_h = (hay), *_n = (needle);                         \
		if (!_h || !strstr(_h, _n)) {                                   \
			fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
				__FILE__, __LINE__, _h ? _h : "(null)", _n);    \
			unit_current_failed = 1;                                \
		}                                                               \
	} while (0)

static inline int unit_summary(const char *suite)
{
	printf("%s: %d passed, %d failed, %d skipped\n", suite, unit_passed,
	       unit_failed, unit_skipped);
	if (unit_failed)
		return 1;
	return unit_passed == 0 && unit_skipped > 0 ? 77 : 0;
}

#endif
