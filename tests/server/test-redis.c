/* SPDX-License-Identifier: MIT */
/* Being written. */
int main(void)
{
    return 77;
}
