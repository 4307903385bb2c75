/*
** fuzz_rwlist.c: libFuzzer target for the RecoveryWindows list parser (ext/rwlist.c,
** mopitr_rwlist_parse), which reads what a possibly hostile server sent.
**
** Usage (test/fuzz/run.sh builds and runs it):
**     clang -fsanitize=fuzzer,address,undefined -DMOPITR_UNIT_TEST -Iinclude -Iext \
**         ext/err.c ext/value.c ext/window.c ext/rwlist.c test/fuzz/fuzz_rwlist.c -lsqlite3
**     ./fuzz_rwlist -max_total_time=20 NEW_CORPUS test/fuzz/corpus_rwlist
**
** Input: the list text as is (it may hold NUL bytes). Either the parse fails with a
** message that starts "mo_pitr: cannot read the recovery window list from the server: "
** and returns nothing, or every item it returns is sound: a known source, a non-empty
** name without a NUL byte, fractions below one second, start <= end, and a snapshot whose
** start equals its end. The text is also parsed from a copy with one more byte after its
** end, which must not change the outcome (the parser reads only n bytes).
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* Check one successful parse; abort on a broken invariant. */
static void fuzz_check(const mopitr_rwitem *a, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        const mopitr_rwitem *p = &a[i];
        if (p->eSource != MOPITR_RW_PITR && p->eSource != MOPITR_RW_SNAPSHOT)
            abort();
        if (p->zName == NULL || p->zName[0] == 0)
            abort();
        if (p->startNs < 0 || p->startNs > 999999999 || p->endNs < 0 || p->endNs > 999999999)
            abort();
        if (p->startSec > p->endSec || (p->startSec == p->endSec && p->startNs > p->endNs))
            abort();
        if (p->eSource == MOPITR_RW_SNAPSHOT &&
            (p->startSec != p->endSec || p->startNs != p->endNs))
            abort();
    }
}

/* The libFuzzer entry point: one input. Always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char zPrefix[] = "mo_pitr: cannot read the recovery window list from the server: ";
    mopitr_rwitem *a = NULL, *b = NULL;
    int n = 0, nb = 0, rc, rc2;
    char *zErr = NULL, *zErr2 = NULL, *zCopy;

    if (size > 65536)
        return 0;
    zCopy = malloc(size + 1);
    if (zCopy == NULL)
        return 0;
    if (size)
        memcpy(zCopy, data, size);
    zCopy[size] = ']'; /* a byte past the end that must not be read */
    rc = mopitr_rwlist_parse((const char *)data, (int)size, &a, &n, &zErr);
    rc2 = mopitr_rwlist_parse(zCopy, (int)size, &b, &nb, &zErr2);
    if (rc != rc2 || n != nb)
        abort();
    if (rc == SQLITE_OK) {
        fuzz_check(a, n);
        if (zErr)
            abort();
    } else if (rc == SQLITE_ERROR) {
        if (a || n || zErr == NULL || strncmp(zErr, zPrefix, sizeof(zPrefix) - 1) != 0 ||
            zErr2 == NULL || strcmp(zErr, zErr2) != 0)
            abort();
    }
    mopitr_rwlist_free(a, n);
    mopitr_rwlist_free(b, nb);
    sqlite3_free(zErr);
    sqlite3_free(zErr2);
    free(zCopy);
    return 0;
}
