/* SPDX-License-Identifier: MIT */
/* Fuzz both framers fed in arbitrary chunks: the same messages come out
 * whatever the chunking, memory stays bounded by the maximum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <natter/frame.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LEN 64

/* A digest of every message and framing error, in order. */
static uint64_t run(nt_frame_mode mode, const uint8_t *data, size_t size, size_t chunk, int direct)
{
    nt_framer *f;
    if (nt_framer_new(mode, MAX_LEN, &f) != NT_OK)
        abort();
    uint64_t digest = 1469598103934665603u;
    size_t off = 0;
    while (off < size) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (direct) {
            char *space;
            ptrdiff_t room = nt_framer_space(f, &space);
            if (room <= 0)
                abort();
            if ((size_t)room < n)
                n = (size_t)room;
            memcpy(space, data + off, n);
            nt_framer_commit(f, n);
        } else if (nt_framer_feed(f, data + off, n) != NT_OK) {
            abort();
        }
        off += n;
        const char *msg;
        size_t len;
        int rc;
        while ((rc = nt_framer_next(f, &msg, &len)) != 0) {
            if (rc == 1) {
                if (len > MAX_LEN)
                    abort();
                for (size_t i = 0; i < len; i++)
                    digest = (digest ^ (uint8_t)msg[i]) * 1099511628211u;
                digest = (digest ^ 0x100u) * 1099511628211u;
            } else if (rc == NT_EFRAME) {
                digest = (digest ^ (0x200u + len)) * 1099511628211u;
            } else {
                abort();
            }
        }
        if (nt_framer_pending(f) > MAX_LEN + 8)
            abort();
    }
    nt_framer_free(f);
    return digest;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    nt_frame_mode mode = (data[0] & 1) ? NT_FRAME_U32 : NT_FRAME_LINE;
    size_t chunk = (size_t)(data[1] % 17) + 1;
    data += 2;
    size -= 2;
    uint64_t whole = run(mode, data, size, size ? size : 1, 0);
    if (run(mode, data, size, chunk, 0) != whole || run(mode, data, size, chunk, 1) != whole ||
        run(mode, data, size, 1, 0) != whole)
        abort();
    return 0;
}
