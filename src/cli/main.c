/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the CLI lands in this session. */
#include <stdio.h>
int main(void)
{
	fputs("calyx: no commands yet\n", stderr);
	return 1;
}
