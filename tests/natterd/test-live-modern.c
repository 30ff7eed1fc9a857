/* SPDX-License-Identifier: MIT */
/* natterd over real sockets: the modern IRC features of issue 13. */
#include "live.h"

static CU_TestInfo tests[] = {
    CU_TEST_INFO_NULL,
};

int main(int argc, char **argv)
{
    return live_main(argc, argv, "natterd-modern", tests);
}
