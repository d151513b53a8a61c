/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* unit/names: container IDs (src/container/id.c) and signal names
 * (src/linux/signal_name.c), the small pure parsers of the API. */
#include <errno.h>
#include <signal.h>
#include <string.h>

#include "calyx/calyx.h"
#include "unit.h"
#include "util/cleanup.h"

static int parse_signal(const char *text)
{
	_cleanup_error_ calyx_error *err = NULL;
	int sig = -1;

	if (calyx_signal_parse(text, &sig, &err) < 0) {
		CHECK(err != NULL);
		return -1;
	}
	CHECK(err == NULL);
	return sig;
}

TEST(signal_names_with_and_without_sig)
{
	CHECK(parse_signal("KILL") == SIGKILL);
	CHECK(parse_signal("SIGKILL") == SIGKILL);
	CHECK(parse_signal("sigterm") == SIGTERM);
	CHECK(parse_signal("term") == SIGTERM);
	CHECK(parse_signal("HUP") == SIGHUP);
	CHECK(parse_signal("SIGUSR1") == SIGUSR1);
	CHECK(parse_signal("WINCH") == SIGWINCH);
	CHECK(parse_signal("SIGCHLD") == SIGCHLD);
}

TEST(signal_numbers)
{
	CHECK(parse_signal("9") == 9);
	CHECK(parse_signal("1") == 1);
	CHECK(parse_signal("15") == 15);
	CHECK(parse_signal("64") == 64);
	CHECK(parse_signal("0") == 0);	/* kill(2)'s existence probe */
	CHECK(parse_signal("SIG0") == -1);
	CHECK(parse_signal("65") == -1);
	CHECK(parse_signal("-9") == -1);
	CHECK(parse_signal("9x") == -1);
	CHECK(parse_signal("99999999999999999999") == -1);
}

TEST(signal_realtime)
{
	CHECK(parse_signal("RTMIN") == 32);
	CHECK(parse_signal("SIGRTMIN+3") == 35);
	CHECK(parse_signal("RTMAX") == 64);
	CHECK(parse_signal("SIGRTMAX-2") == 62);
	CHECK(parse_signal("RTMIN+33") == -1);
	CHECK(parse_signal("RTMIN-1") == -1);
	CHECK(parse_signal("RTMIN+") == -1);
}

TEST(signal_rejects_garbage)
{
	_cleanup_error_ calyx_error *err = NULL;
	int sig = 0;

	CHECK(calyx_signal_parse("FOO", &sig, &err) == -EINVAL);
	CHECK_CONTAINS(err ? err->msg : NULL, "FOO");
	CHECK(parse_signal("") == -1);
	CHECK(parse_signal("SIG") == -1);
	CHECK(parse_signal("SIGSIGKILL") == -1);
}

static int validate_id(const char *id)
{
	_cleanup_error_ calyx_error *err = NULL;
	int r = calyx_id_validate(id, &err);

	CHECK((r < 0) == (err != NULL));
	return r;
}

TEST(id_accepts_valid)
{
	CHECK(validate_id("a") == 0);
	CHECK(validate_id("ctr1") == 0);
	CHECK(validate_id("My_ctr.v1+x-2") == 0);
	CHECK(validate_id("0abc") == 0);
	CHECK(validate_id("a.b") == 0);
}

TEST(id_rejects_invalid)
{
	char long_id[1026];

	CHECK(validate_id("") == -EINVAL);
	CHECK(validate_id(NULL) == -EINVAL);
	CHECK(validate_id(".") == -EINVAL);
	CHECK(validate_id("..") == -EINVAL);
	CHECK(validate_id("a..b") == -EINVAL);
	CHECK(validate_id("a/b") == -EINVAL);
	CHECK(validate_id("../etc") == -EINVAL);
	CHECK(validate_id("-a") == -EINVAL);
	CHECK(validate_id("_a") == -EINVAL);
	CHECK(validate_id("a b") == -EINVAL);
	CHECK(validate_id("a\nb") == -EINVAL);
	CHECK(validate_id("ctr\xc3\xa9") == -EINVAL);

	memset(long_id, 'a', 1024);
	long_id[1024] = '\0';
	CHECK(validate_id(long_id) == 0);
	long_id[1024] = 'a';
	long_id[1025] = '\0';
	CHECK(validate_id(long_id) == -EINVAL);
}

int main(void)
{
	RUN(signal_names_with_and_without_sig);
	RUN(signal_numbers);
	RUN(signal_realtime);
	RUN(signal_rejects_garbage);
	RUN(id_accepts_valid);
	RUN(id_rejects_invalid);
	return unit_summary("unit/names");
}
