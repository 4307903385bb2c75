/*
** vtab_args.c: the pushdown of one scan, shared by the tables that read SHOW PITR:
** mo_pitr (vtab.c) and mo_pitr_all (vtab_all.c).
**
** Usage:
**     xBestIndex:  ...the table's own arguments take argv 1..nArg...
**                  return mopitr_vt_plan(pInfo, nArg, bUniqueName);
**     xFilter:     nTerm = mopitr_plan_parse(idxStr, aTerm, PITR_MAX_TERMS);
**                  mopitr_vt_args_collect(&args, aTerm, nTerm, argv + nOwnArgs);
**                  zSql = mopitr_plan_render(args.aArg, args.nArg, bNoBackslashEscapes);
**                  mopitr_vt_args_clear(&args);
**
** How it works: mopitr_vt_plan offers every usable constraint on the nine data columns
** (MOPITR_COL_NAME .. MOPITR_COL_MODIFIED, the same numbers in both tables) that plan.c
** can send (mopitr_plan_usable_coll), marks it omitted when the server's answer is
** exact, asks for EQ lists all at once (sqlite3_vtab_in), and sets idxStr to the SHOW
** PITR template. Text comparisons are sent only under the column's own collation;
** mopitr_vt_args_collect folds their values (mopitr_fold), so the server's binary
** comparison with the stored lower-case names is exactly mo_nocase.
*/
#include <string.h>

#include "mo_pitr_int.h"

/* Is op a comparison whose result depends on the collation? */
static int args_op_is_cmp(int op)
{
    return op == SQLITE_INDEX_CONSTRAINT_EQ || op == SQLITE_INDEX_CONSTRAINT_GT ||
           op == SQLITE_INDEX_CONSTRAINT_LE || op == SQLITE_INDEX_CONSTRAINT_LT ||
           op == SQLITE_INDEX_CONSTRAINT_GE || op == SQLITE_INDEX_CONSTRAINT_NE;
}

/* xBestIndex's pushdown: see the file comment. argv indexes continue after nArg (the
** table's own arguments). bUniqueName: an exact name = ? is one row (mo_pitr; not
** mo_pitr_all, where every connection may hold that name). SQLITE_OK or SQLITE_NOMEM. */
int mopitr_vt_plan(sqlite3_index_info *pInfo, int nArg, int bUniqueName)
{
    mopitr_term aTerm[PITR_MAX_TERMS];
    int nTerm = 0, i;
    double cost = 1e6, rows = 1000;

    for (i = 0; i < pInfo->nConstraint && nTerm < PITR_MAX_TERMS; i++) {
        const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
        const char *zColl;
        int bExact = 0, bText;
        if (!c->usable || c->iColumn < 0 || c->iColumn >= MOPITR_NDATA)
            continue;
        /* Text columns: exact only under their own collation (values are folded in
        ** xFilter the way it compares); an explicit other collation stays local. */
        zColl = sqlite3_vtab_collation(pInfo, i);
        bText = c->iColumn != MOPITR_COL_RANGE_VALUE;
        if (bText && zColl && sqlite3_stricmp(zColl, MOPITR_COLLATION) != 0 &&
            args_op_is_cmp(c->op))
            continue;
        if (!mopitr_plan_usable_coll(c->iColumn, c->op, bText ? NULL : zColl, &bExact))
            continue;
        aTerm[nTerm].iCol = c->iColumn;
        aTerm[nTerm].op = c->op;
        aTerm[nTerm].bIn = 0;
        if (c->op == SQLITE_INDEX_CONSTRAINT_EQ && sqlite3_vtab_in(pInfo, i, -1)) {
            sqlite3_vtab_in(pInfo, i, 1);
            aTerm[nTerm].bIn = 1;
        }
        pInfo->aConstraintUsage[i].argvIndex = ++nArg;
        pInfo->aConstraintUsage[i].omit = bExact ? 1 : 0;
        if (bUniqueName && c->op == SQLITE_INDEX_CONSTRAINT_EQ && c->iColumn == MOPITR_COL_NAME &&
            !aTerm[nTerm].bIn && bExact) {
            cost = 10;
            rows = 1;
            pInfo->idxFlags |= SQLITE_INDEX_SCAN_UNIQUE;
        } else if (c->op == SQLITE_INDEX_CONSTRAINT_EQ) {
            cost /= aTerm[nTerm].bIn ? 10 : 50;
            rows /= aTerm[nTerm].bIn ? 10 : 50;
        } else if (c->op == SQLITE_INDEX_CONSTRAINT_ISNULL ||
                   c->op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
            cost /= 2;
            rows /= 2;
        } else {
            cost /= 4;
            rows /= 4;
        }
        nTerm++;
    }
    pInfo->estimatedCost = cost < 10 ? 10 : cost;
    pInfo->estimatedRows = rows < 1 ? 1 : (sqlite3_int64)rows;
    pInfo->idxStr = mopitr_plan_template(aTerm, nTerm);
    if (pInfo->idxStr == NULL)
        return SQLITE_NOMEM;
    pInfo->needToFreeIdxStr = 1;
    return SQLITE_OK;
}

/* Free what a mopitr_vt_args owns and zero it. */
void mopitr_vt_args_clear(mopitr_vt_args *a)
{
    int i;
    for (i = 0; i < a->nVal; i++)
        sqlite3_free(a->azText[i]);
    sqlite3_free(a->azText);
    sqlite3_free(a->aVal);
    memset(a, 0, sizeof(*a));
}

/* Append a copy of pVal to a->aVal; a TEXT value is folded as mo_nocase compares when
** bFold (a comparison on a text column), so the server's binary comparison with the
** stored lower-case names is exactly the column's collation. */
static int args_add(mopitr_vt_args *a, sqlite3_value *pVal, int bFold)
{
    mopitr_val *x;
    if (a->nVal == a->nAlloc) {
        int nNew = a->nAlloc ? a->nAlloc * 2 : 16;
        mopitr_val *aNew = sqlite3_realloc64(a->aVal, sizeof(mopitr_val) * (size_t)nNew);
        char **azNew;
        if (aNew == NULL)
            return SQLITE_NOMEM;
        a->aVal = aNew;
        azNew = sqlite3_realloc64(a->azText, sizeof(char *) * (size_t)nNew);
        if (azNew == NULL)
            return SQLITE_NOMEM;
        a->azText = azNew;
        a->nAlloc = nNew;
    }
    x = &a->aVal[a->nVal];
    memset(x, 0, sizeof(*x));
    a->azText[a->nVal] = NULL;
    x->eType = sqlite3_value_type(pVal);
    if (x->eType == SQLITE_INTEGER) {
        x->i = sqlite3_value_int64(pVal);
    } else if (x->eType == SQLITE_FLOAT) {
        x->r = sqlite3_value_double(pVal);
    } else if (x->eType == SQLITE_TEXT || x->eType == SQLITE_BLOB) {
        const void *p = x->eType == SQLITE_TEXT ? (const void *)sqlite3_value_text(pVal)
                                                : sqlite3_value_blob(pVal);
        int n = sqlite3_value_bytes(pVal);
        char *z = sqlite3_malloc64((size_t)n + 1);
        if (z == NULL || (p == NULL && n > 0)) {
            sqlite3_free(z);
            return SQLITE_NOMEM;
        }
        if (n > 0)
            memcpy(z, p, (size_t)n);
        z[n] = 0;
        if (bFold && x->eType == SQLITE_TEXT)
            mopitr_fold(z); /* same byte length; stops at a NUL byte */
        x->z = z;
        x->n = n;
        a->azText[a->nVal] = z;
    }
    a->nVal++;
    return SQLITE_OK;
}

/* Collect the values of every term (IN lists expanded) from argv into *a (zeroed). */
int mopitr_vt_args_collect(mopitr_vt_args *a, const mopitr_term *aTerm, int nTerm,
                           sqlite3_value **argv)
{
    int i, rc = SQLITE_OK;
    int aFirst[PITR_MAX_TERMS];
    for (i = 0; rc == SQLITE_OK && i < nTerm; i++) {
        int bFold = aTerm[i].iCol != MOPITR_COL_RANGE_VALUE && args_op_is_cmp(aTerm[i].op);
        aFirst[i] = a->nVal;
        if (aTerm[i].bIn) {
            sqlite3_value *pVal = NULL;
            for (rc = sqlite3_vtab_in_first(argv[i], &pVal); rc == SQLITE_OK && pVal;
                 rc = sqlite3_vtab_in_next(argv[i], &pVal))
                rc = args_add(a, pVal, bFold);
            if (rc == SQLITE_DONE)
                rc = SQLITE_OK;
        } else {
            rc = args_add(a, argv[i], bFold);
        }
    }
    if (rc != SQLITE_OK)
        return rc;
    /* Point the args at their values only now: aVal may have moved while growing. */
    for (i = 0; i < nTerm; i++) {
        a->aArg[i].term = aTerm[i];
        a->aArg[i].aVal = &a->aVal[aFirst[i]];
        a->aArg[i].nVal = (i + 1 < nTerm ? aFirst[i + 1] : a->nVal) - aFirst[i];
    }
    a->nArg = nTerm;
    return SQLITE_OK;
}
