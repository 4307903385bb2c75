/*
** value_num.c: numbers from SQL values (pure): range_value of an INSERT/UPDATE, and
** TEXT read the way SQLite's numeric affinity reads it.
**
** Usage:
**     sqlite3_int64 v;
**     if (mopitr_val_to_range(&val, &v, &zErr)) ... refuse ...   -- v may be MOPITR_RANGE_NULL
**     switch (mopitr_text_num(z, n, &i, &r)) { 0: not a number; 1: integer i; 2: real r }
**
** Range values from SQL (mopitr_val_to_range): INTEGER as is, FLOAT when integral,
** TEXT when it reads as a number the way SQLite's numeric affinity reads it
** (mopitr_text_num), NULL -> MOPITR_RANGE_NULL; anything else is an error. The range
** itself (1..100) is checked later by mopitr_range_check (value.c).
**
** mopitr_text_num follows sqlite3AtoF: optional blanks, sign, digits with an optional
** '.', an optional exponent with digits, optional blanks, nothing else; hex, "inf" and
** "nan" are not numbers. plan.c uses it to compare pushed-down values as SQLite would.
*/
#include "mo_pitr_int.h"

#include <stdlib.h>
#include <string.h>

/* SQLite's isspace for numeric text. */
static int value_is_space(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/*
** Read z[0..n) the way SQLite's numeric affinity reads TEXT (sqlite3AtoF): optional
** blanks, sign, digits with an optional '.', an optional exponent with digits,
** optional blanks, nothing else, at least one mantissa digit. Returns 0 when it is
** not a number; 1 for an integer that fits in 64 bits (*pi, and *pr = its double);
** 2 for any other number (*pr). Hex, "inf" and "nan" are not numbers (as in SQLite).
*/
int mopitr_text_num(const char *z, int n, sqlite3_int64 *pi, double *pr)
{
    int i = 0, iStart, nDigit = 0, bReal = 0, bNeg = 0;
    char aBuf[400];
    char *zCopy = aBuf;
    int rc = 0;

    while (i < n && value_is_space((unsigned char)z[i]))
        i++;
    iStart = i;
    if (i < n && (z[i] == '+' || z[i] == '-')) {
        bNeg = z[i] == '-';
        i++;
    }
    while (i < n && z[i] >= '0' && z[i] <= '9') {
        i++;
        nDigit++;
    }
    if (i < n && z[i] == '.') {
        bReal = 1;
        i++;
        while (i < n && z[i] >= '0' && z[i] <= '9') {
            i++;
            nDigit++;
        }
    }
    if (nDigit == 0)
        return 0;
    if (i < n && (z[i] == 'e' || z[i] == 'E')) {
        int nExp = 0;
        bReal = 1;
        i++;
        if (i < n && (z[i] == '+' || z[i] == '-'))
            i++;
        while (i < n && z[i] >= '0' && z[i] <= '9') {
            i++;
            nExp++;
        }
        if (nExp == 0)
            return 0;
    }
    {
        int iEnd = i;
        while (i < n && value_is_space((unsigned char)z[i]))
            i++;
        if (i != n)
            return 0;
        if (iEnd - iStart + 1 > (int)sizeof(aBuf)) {
            zCopy = sqlite3_malloc64((sqlite3_uint64)(iEnd - iStart) + 1);
            if (zCopy == NULL)
                return 0;
        }
        memcpy(zCopy, z + iStart, (size_t)(iEnd - iStart));
        zCopy[iEnd - iStart] = 0;
    }
    *pr = strtod(zCopy, NULL);
    rc = 2;
    if (!bReal) {
        /* an integer literal: exact when it fits in 64 bits */
        const char *zD = zCopy + ((zCopy[0] == '+' || zCopy[0] == '-') ? 1 : 0);
        sqlite3_uint64 u = 0;
        int bOver = 0;
        for (; *zD; zD++) {
            unsigned d = (unsigned)(*zD - '0');
            if (u > (0xFFFFFFFFFFFFFFFFull - d) / 10) {
                bOver = 1;
                break;
            }
            u = u * 10 + d;
        }
        if (!bOver && (u <= 0x7FFFFFFFFFFFFFFFull || (bNeg && u == 0x8000000000000000ull))) {
            *pi = bNeg ? (sqlite3_int64)(0 - u) : (sqlite3_int64)u;
            rc = 1;
        }
    }
    if (zCopy != aBuf)
        sqlite3_free(zCopy);
    return rc;
}

/*
** Range value from an SQL value: see the manual. *pOut gets the value, or
** MOPITR_RANGE_NULL for NULL. Returns SQLITE_OK or SQLITE_ERROR with *pzErr. The range
** itself (1..100) is checked later by mopitr_range_check.
*/
int mopitr_val_to_range(const mopitr_val *pVal, sqlite3_int64 *pOut, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    sqlite3_int64 i = 0;
    double r = 0;
    int e;

    switch (pVal->eType) {
    case SQLITE_NULL:
        *pOut = MOPITR_RANGE_NULL;
        return SQLITE_OK;
    case SQLITE_INTEGER:
        *pOut = pVal->i == MOPITR_RANGE_NULL ? MOPITR_RANGE_NULL + 1 : pVal->i;
        return SQLITE_OK;
    case SQLITE_FLOAT:
        r = pVal->r;
        break;
    case SQLITE_TEXT:
        e = mopitr_text_num(pVal->z, pVal->n, &i, &r);
        if (e == 1) {
            *pOut = i == MOPITR_RANGE_NULL ? MOPITR_RANGE_NULL + 1 : i;
            return SQLITE_OK;
        }
        if (e == 0) {
            *pzErr = mopitr_errf("range_value must be an integer from 1 to 100, got '%s'",
                                 mopitr_err_clip(aClip, pVal->z, pVal->n));
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        break;
    default:
        *pzErr = mopitr_errf("range_value must be an integer from 1 to 100, got a blob");
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (!(r >= -1e15 && r <= 1e15) || (double)(sqlite3_int64)r != r) {
        *pzErr = mopitr_errf("range_value must be an integer from 1 to 100, got %!.15g", r);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    *pOut = (sqlite3_int64)r;
    return SQLITE_OK;
}
