/*
** tvf.c: the table-valued arguments of mo_recovery_window and mo_pitr_coverage (live).
**
** Usage (a table whose last nArg columns are HIDDEN arguments, the connection last):
**     xBestIndex:  return mopitr_tvf_best_index(pInfo, iFirstArg, nArg);
**     xFilter:     rc = mopitr_tvf_args(idxNum, argc, argv, nArg, azWhat, azName, &zConn, &zErr);
**                  pConn = mopitr_tvf_conn(pReg, zConn, &zErr);
**
** How it works: xBestIndex takes the first usable = or IS constraint on each argument
** column, in column order (idxNum bit k: argument k is in argv), and omits it: NULL means
** "not given", so SQLite must not compare it again. A constraint that exists but cannot
** be used yet (its value comes from a table SQLite has not read) makes the plan
** impossible (SQLITE_CONSTRAINT), so in a join SQLite puts the table on the inner side
** and calls xFilter once per outer row. The arguments before the connection are names:
** folded and checked by mopitr_objname (not empty, no NUL, no backslash).
*/
#include <string.h>

#include "mo_pitr_int.h"

/* See the file comment. */
int mopitr_tvf_best_index(sqlite3_index_info *pInfo, int iFirst, int nArg)
{
    int aUse[MOPITR_TVF_MAX_ARGS], aSeen[MOPITR_TVF_MAX_ARGS], i, k, nUsed = 0;
    for (k = 0; k < nArg; k++)
        aUse[k] = -1, aSeen[k] = 0;
    for (i = 0; i < pInfo->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
        if (c->iColumn < iFirst || c->iColumn >= iFirst + nArg ||
            (c->op != SQLITE_INDEX_CONSTRAINT_EQ && c->op != SQLITE_INDEX_CONSTRAINT_IS))
            continue;
        k = c->iColumn - iFirst;
        aSeen[k] = 1;
        if (c->usable && aUse[k] < 0)
            aUse[k] = i;
    }
    pInfo->idxNum = 0;
    for (k = 0; k < nArg; k++) {
        if (aSeen[k] && aUse[k] < 0)
            return SQLITE_CONSTRAINT; /* its value is not known yet: not a plan */
        if (aUse[k] >= 0) {
            pInfo->aConstraintUsage[aUse[k]].argvIndex = ++nUsed;
            pInfo->aConstraintUsage[aUse[k]].omit = 1;
            pInfo->idxNum |= 1 << k;
        }
    }
    pInfo->estimatedCost = 1000.0 / (nUsed + 1);
    pInfo->estimatedRows = 10;
    return SQLITE_OK;
}

/* Read xFilter's arguments: azOut[0..nArg-2] the names (sqlite3_malloc'd, folded; NULL
** when not given; the caller frees them), *pzConn the connection name (borrowed from
** argv; "default" when not given). azWhat names each for messages. */
int mopitr_tvf_args(int idxNum, int argc, sqlite3_value **argv, int nArg, const char *const *azWhat,
                    char **azOut, const char **pzConn, char **pzErr)
{
    int k, j = 0, rc = SQLITE_OK;
    *pzConn = MOPITR_DEFAULT_CONNECTION;
    for (k = 0; rc == SQLITE_OK && k < nArg; k++) {
        sqlite3_value *pVal;
        if (k < nArg - 1)
            azOut[k] = NULL;
        if (!(idxNum & (1 << k)) || j >= argc)
            continue;
        pVal = argv[j++];
        if (sqlite3_value_type(pVal) == SQLITE_NULL)
            continue; /* NULL: not given */
        if (k == nArg - 1) {
            *pzConn = (const char *)sqlite3_value_text(pVal);
            if (*pzConn == NULL)
                rc = SQLITE_NOMEM;
            continue;
        }
        rc = mopitr_objname((const char *)sqlite3_value_text(pVal), sqlite3_value_bytes(pVal),
                            azWhat[k], &azOut[k], pzErr);
    }
    return rc;
}

/* The connection named zName, or NULL with *pzErr saying how to make it. Borrowed. */
mopitr_conn *mopitr_tvf_conn(mopitr_registry *p, const char *zName, char **pzErr)
{
    mopitr_conn *pConn = mopitr_registry_get(p, zName);
    if (pConn == NULL)
        *pzErr = sqlite3_stricmp(zName, MOPITR_DEFAULT_CONNECTION) == 0
                     ? mopitr_errf("not connected: call mo_connect(dsn) first")
                     : mopitr_errf("no connection named '%s': call mo_connect(dsn, '%s') first",
                                   zName, zName);
    return pConn;
}
