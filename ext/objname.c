/*
** objname.c: object names given to the recovery tables and functions (pure).
**
** Usage:
**     char *zDb = NULL;
**     rc = mopitr_objname(z, n, "database", &zDb, &zErr);   -- folded copy, or an error
**
** Rules (spec 1.1): MatrixOne lower-cases every name (mopitr_fold does the same), so the
** copy is folded. A name that is empty, holds a NUL byte or a backslash is refused before
** anything is sent: MatrixOne splices names unescaped into its own internal SQL, where a
** backslash is an escape character, so `x\y` would name another object (`xy`), and an
** empty back-quoted name is a syntax error. Messages: "mo_pitr: <what> name must not be
** empty", "... must not contain a NUL byte", "mo_pitr: <what> name 'x\y' contains a
** backslash, which MatrixOne would not keep (it would name another object)".
*/
#include "mo_pitr_int.h"

#include <string.h>

/* A folded copy of z[0..n) (n < 0: strlen) in *pzOut, or SQLITE_ERROR with *pzErr naming
** zWhat ("database", "PITR", ...). SQLITE_NOMEM on OOM. */
int mopitr_objname(const char *z, int n, const char *zWhat, char **pzOut, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    *pzOut = NULL;
    if (n < 0)
        n = z ? (int)strlen(z) : 0;
    if (z == NULL || n == 0) {
        *pzErr = mopitr_errf("%s name must not be empty", zWhat);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (memchr(z, 0, (size_t)n)) {
        *pzErr = mopitr_errf("%s name must not contain a NUL byte", zWhat);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (memchr(z, '\\', (size_t)n)) {
        *pzErr = mopitr_errf("%s name '%s' contains a backslash, which MatrixOne would not keep "
                             "(it would name another object)",
                             zWhat, mopitr_err_clip(aClip, z, n));
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    *pzOut = sqlite3_mprintf("%.*s", n, z);
    if (*pzOut == NULL)
        return SQLITE_NOMEM;
    mopitr_fold(*pzOut);
    return SQLITE_OK;
}

/* Is db one of MatrixOne's system databases (spec 3.3, 8.2)? z is folded. */
int mopitr_is_system_database(const char *z)
{
    static const char *const az[] = {"mysql",     "system",   "system_metrics",
                                     "mo_task",   "mo_debug", "information_schema",
                                     "mo_catalog"};
    size_t i;
    for (i = 0; i < sizeof(az) / sizeof(az[0]); i++) {
        if (strcmp(z, az[i]) == 0)
            return 1;
    }
    return 0;
}
