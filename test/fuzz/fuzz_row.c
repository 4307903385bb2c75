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
** NULL. Fields may hold NUL bytes: each is copied into its own NUL-terminated buffer with
** its length, as libmariadb hands them over. A decoded row is deep-copied and both are
** cleared; an error message must start "mo_pitr: ".
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

#define FUZZ_MAX_FIELDS 12

/* The libFuzzer entry point: one input. Always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *azField[FUZZ_MAX_FIELDS] = {0};
    unsigned long aLen[FUZZ_MAX_FIELDS] = {0};
    unsigned nField, i;
    size_t pos = 1;
    mopitr_row row, copy;
    char *zErr = NULL;

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
    memset(&row, 0, sizeof(row));
    memset(&copy, 0, sizeof(copy));
    if (mopitr_row_decode(&row, (const char *const *)azField, aLen, nField, &zErr) == SQLITE_OK) {
        if (mopitr_row_copy(&copy, &row) == SQLITE_OK && row.level == MOPITR_LEVEL_NONE)
            abort(); /* a decoded row always has a level */
    } else if (zErr && strncmp(zErr, "mo_pitr: ", 9) != 0) {
        abort();
    }
    mopitr_row_clear(&row);
    mopitr_row_clear(&copy);
    sqlite3_free(zErr);
out:
    for (i = 0; i < FUZZ_MAX_FIELDS; i++)
        free(azField[i]);
    return 0;
}
