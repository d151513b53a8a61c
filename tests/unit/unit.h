/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A minimal unit-test harness: TEST(name) { ... } functions registered with
 * RUN(name) from main(); CHECK* record failures and keep going; unit_summary()
 * prints "<suite>: N passed, N failed" and returns the exit code.
 */
#ifndef CALYX_TESTS_UNIT_H
#define CALYX_TESTS_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed, unit_current_failed;

#define TEST(name) static void test_##name(void)

#define RUN(name)                                              \
	do {                                                   \
		unit_current_failed = 0;                       \
		test_##name();                                 \
		if (unit_current_failed) {                     \
			unit_failed++;                         \
			printf("not ok - %s\n", #name);        \
		} else {                                       \
			unit_passed++;                         \
			printf("ok - %s\n", #name);            \
		}                                              \
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
	printf("%s: %d passed, %d failed\n", suite, unit_passed, unit_failed);
	return unit_failed ? 1 : 0;
}

#endif
