/*
** gobuf.c: a Go bytes.Buffer reused across rows, as MatrixOne's SHOW RECOVERY_WINDOW uses one.
**
** Usage:
**     mosim_gobuf b = {0};
**     for each row: mosim_gobuf_reset(&b); mosim_gobuf_write(&b, "[", 1); ...;
**                   mosim_gobuf_take(&b, &rows[i]);     (a view, not a copy)
**     when every row is built: send rows[i].p[0 .. rows[i].n); mosim_gobuf_free(&b);
**
** Why: show_recovery_window.go builds each row's RecoveryWindows in one bytes.Buffer that it
** Reset()s per row, and stores jsonBuf.Bytes() (a slice of the buffer's array, not a copy)
** in the row. A later row overwrites the array an earlier row points into, so only the last
** row is sure to be sent as built; an earlier one shows the start of a later row, then the
** rest of its own text (e.g. "[{...rwx_p}, {...rwx_a}] {...rwx_a}]"), or a later row cut
** short, or, when the lengths match, another table's list that parses. Seen on a real
** MatrixOne (docs/real-matrixone-crosscheck.md). A row keeps its own text only when the
** buffer moved to a bigger array after it.
**
** The growth rule is Go's (bytes.Buffer.grow, growSlice): the first write of at most 64
** bytes gets a 64-byte array; a write that does not fit gets a new array of
** max(len + n, 2 * cap) bytes rounded up to Go's allocation size classes (pages of 8 KiB
** above 32 KiB), the old bytes copied. Writes follow MatrixOne's: "[", each item, ", "
** between items, "]". Old arrays stay alive (the rows point into them) until
** mosim_gobuf_free.
*/
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Go's size classes up to 32 KiB (runtime/sizeclasses.go). */
static const size_t size_class[] = {
    8,     16,    24,    32,    48,    64,    80,    96,    112,   128,   144,  160,   176,   192,
    208,   224,   240,   256,   288,   320,   352,   384,   416,   448,   480,  512,   576,   640,
    704,   768,   896,   1024,  1152,  1280,  1408,  1536,  1792,  2048,  2304, 2688,  3072,  3200,
    3456,  4096,  4864,  5376,  6144,  6528,  6784,  6912,  8192,  9472,  9728, 10240, 10880, 12288,
    13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264, 28672, 32768};

static size_t round_size(size_t n)
{
    size_t i;
    for (i = 0; i < sizeof(size_class) / sizeof(size_class[0]); i++)
        if (n <= size_class[i])
            return size_class[i];
    return (n + 8191) / 8192 * 8192;
}

/* Move to a new array of at least `want` bytes (rounded as Go does), keeping the bytes. */
static int grow(mosim_gobuf *b, size_t want)
{
    unsigned char *a, **arrs;
    size_t cap = round_size(want);
    if (b->narr == b->cap_arr) {
        size_t n = b->cap_arr ? b->cap_arr * 2 : 8;
        arrs = realloc(b->arr, n * sizeof(*arrs));
        if (!arrs)
            return -1;
        b->arr = arrs;
        b->cap_arr = n;
    }
    a = calloc(1, cap);
    if (!a)
        return -1;
    if (b->len)
        memcpy(a, b->cur, b->len);
    b->arr[b->narr++] = a;
    b->cur = a;
    b->cap = cap;
    return 0;
}

/* See the file comment. */
void mosim_gobuf_reset(mosim_gobuf *b)
{
    b->len = 0;
}

/* See the file comment. Returns 0, or -1 on OOM. */
int mosim_gobuf_write(mosim_gobuf *b, const char *s, size_t n)
{
    if (b->len + n > b->cap) {
        size_t want = b->cur ? b->len + n : n;
        if (b->cur && want < 2 * b->cap)
            want = 2 * b->cap;
        if (!b->cur && n <= 64)
            want = 64;
        if (grow(b, want))
            return -1;
    }
    memcpy(b->cur + b->len, s, n);
    b->len += n;
    return 0;
}

/* See the file comment. */
void mosim_gobuf_take(const mosim_gobuf *b, mosim_gobuf_view *v)
{
    v->p = b->cur;
    v->n = b->len;
}

/* See the file comment. */
void mosim_gobuf_free(mosim_gobuf *b)
{
    size_t i;
    for (i = 0; i < b->narr; i++)
        free(b->arr[i]);
    free(b->arr);
    memset(b, 0, sizeof(*b));
}
