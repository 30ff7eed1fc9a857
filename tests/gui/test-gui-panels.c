/* SPDX-License-Identifier: MIT */
#include <CUnit/Basic.h>

int main(void)
{
    return 0;
}
