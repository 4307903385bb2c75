/*
** fuzz_dsn.c: libFuzzer target for the DSN parser (ext/dsn.c).
**
** Usage (test/fuzz/run.sh builds and runs it):
**     clang -fsanitize=fuzzer,address,undefined -DMOPITR_UNIT_TEST -Iinclude -Iext \
**         ext/err.c ext/dsn.c test/fuzz/fuzz_dsn.c -lsqlite3 -o fuzz_dsn
**     ./fuzz_dsn -max_total_time=20 NEW_CORPUS test/fuzz/corpus_dsn
**
** How it works: every input is parsed as a DSN with its length (mopitr_dsn_parse_n, so
** NUL bytes are seen). A parsed DSN is described (login, "user@host:port", account), and
** the description must not hold the password when the password can be told apart (at
** least 8 bytes, none of the separators ":@[]", not part of the user, host, account or
** role). Everything is freed: the sanitizers
** and LeakSanitizer report any misuse.
*/
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* The libFuzzer entry point: one input. Always returns 0. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mopitr_dsn dsn;
    char *zErr = NULL;
    if (size > 4096)
        return 0;
    memset(&dsn, 0, sizeof(dsn));
    if (mopitr_dsn_parse_n((const char *)data, (int)size, &dsn, &zErr) == SQLITE_OK) {
        char *zLogin = mopitr_dsn_login(&dsn);
        char *zDesc = mopitr_dsn_describe(&dsn);
        char *zAcc = mopitr_dsn_account(&dsn);
        if (zDesc && dsn.password && strlen(dsn.password) >= 8 &&
            strpbrk(dsn.password, ":@[]") == NULL &&
            strstr(dsn.user ? dsn.user : "", dsn.password) == NULL &&
            strstr(dsn.host ? dsn.host : "", dsn.password) == NULL &&
            (dsn.account == NULL || strstr(dsn.account, dsn.password) == NULL) &&
            (dsn.role == NULL || strstr(dsn.role, dsn.password) == NULL) &&
            strstr(zDesc, dsn.password) != NULL)
            abort(); /* the description shows the password */
        sqlite3_free(zLogin);
        sqlite3_free(zDesc);
        sqlite3_free(zAcc);
    } else if (zErr && strncmp(zErr, "mo_pitr: ", 9) != 0) {
        abort(); /* every message starts "mo_pitr: " */
    }
    sqlite3_free(zErr);
    mopitr_dsn_clear(&dsn);
    return 0;
}
