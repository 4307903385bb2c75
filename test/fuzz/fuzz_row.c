/*
** fuzz_row.c: libFuzzer target for the SHOW PITR row decoder (ext/value.c,
** mopitr_row_decode), the code that reads what a possibly hostile server sent.
**
** Usage (test/fuzz/run.sh builds and runs it):
**     clang -fsanitize=fuzzer,address,undefined -DMOPITR_UNIT_TEST -Iinclude -Iext \
**         ext/err.c ext/value.c test/fuzz/fuzz_row.c -lsqlite3 -o fuzz_row
**     ./fuzz_row -max_total_time=20 NEW_CORPUS test/fuzz/corpus_row
**
** Input format: byte 0 is the field count (mod 12, so wrong counts are tried too); the
** rest is the fields separated by 0xFF; a field that is exactly one 0xFE byte is SQL
** NULL. Fields may hold NUL bytes. The row is decoded twice: with each field in its own
** NUL-terminated buffer, and with the fields back to back in one buffer, each followed by
** a NUL, as libmariadb lays out a row (value.c copies such a row with one memcpy). Both
** must agree: both fail with the same message (which starts "mo_pitr: "), or both give
** the same row. A decoded row is deep-copied and everything is cleared.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

#define FUZZ_MAX_FIELDS 12

/* Do rows a and b hold the same values? */
static int fuzz_same_row(const mopitr_row *a, const mopitr_row *b)
{
    int i;
    if (a->level != b->level || a->range_value != b->range_value)
        return 0;
    for (i = 0; i < MOPITR_NDATA; i++) {
        if (i == MOPITR_COL_RANGE_VALUE)
            continue;
        if ((a->az[i] == NULL) != (b->az[i] == NULL))
            return 0;
        if (a->az[i] && strcmp(a->az[i], b->az[i]) != 0)
            return 0;
    }
    return 1;
}

/* The libFuzzer entry point: one input. Always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *azField[FUZZ_MAX_FIELDS] = {0};
    char *azPacked[FUZZ_MAX_FIELDS] = {0};
    char *zPacked = NULL;
    unsigned long aLen[FUZZ_MAX_FIELDS] = {0};
    unsigned nField, i;
    size_t pos = 1, off = 0;
    mopitr_row row, copy, packed;
    char *zErr = NULL, *zErr2 = NULL;
    int rc, rc2;

    memset(&row, 0, sizeof(row));
    memset(&copy, 0, sizeof(copy));
    memset(&packed, 0, sizeof(packed));
    if (size < 1 || size > 8192)
        return 0;
    nField = data[0] % FUZZ_MAX_FIELDS;
    for (i = 0; i < nField; i++) {
        size_t end = pos;
        while (end < size && data[end] != 0xFF)
            end++;
        if (!(end - pos == 1 && data[pos] == 0xFE) && pos <= size) {
            size_t n = end > pos ? end - pos : 0;
            azField[i] = malloc(n + 1);
            if (azField[i] == NULL)
                goto out;
            if (n)
                memcpy(azField[i], data + pos, n);
            azField[i][n] = 0;
            aLen[i] = (unsigned long)n;
        }
        pos = end < size ? end + 1 : size;
    }
    /* The same fields back to back in one buffer (NULL fields take no room). */
    zPacked = malloc(size + FUZZ_MAX_FIELDS + 1);
    if (zPacked == NULL)
        goto out;
    for (i = 0; i < nField; i++) {
        if (azField[i] == NULL)
            continue;
        azPacked[i] = zPacked + off;
        memcpy(azPacked[i], azField[i], aLen[i] + 1);
        off += aLen[i] + 1;
    }
    rc = mopitr_row_decode(&row, (const char *const *)azField, aLen, nField, &zErr);
    rc2 = mopitr_row_decode(&packed, (const char *const *)azPacked, aLen, nField, &zErr2);
    if (rc != rc2)
        abort(); /* the two layouts disagree */
    if (rc == SQLITE_OK) {
        if (!fuzz_same_row(&row, &packed))
            abort();
        if (mopitr_row_copy(&copy, &row) == SQLITE_OK && row.level == MOPITR_LEVEL_NONE)
            abort(); /* a decoded row always has a level */
    } else {
        if (zErr && strncmp(zErr, "mo_pitr: ", 9) != 0)
            abort();
        if ((zErr == NULL) != (zErr2 == NULL) || (zErr && strcmp(zErr, zErr2) != 0))
            abort(); /* not the same message */
    }
out:
    mopitr_row_clear(&row);
    mopitr_row_clear(&copy);
    mopitr_row_clear(&packed);
    sqlite3_free(zErr);
    sqlite3_free(zErr2);
    for (i = 0; i < FUZZ_MAX_FIELDS; i++)
        free(azField[i]);
    free(zPacked);
    return 0;
}
