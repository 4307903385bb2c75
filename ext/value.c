/*
** value.c: PITR values in and out (pure): levels, SHOW PITR rows, INSERT validation.
**
** Usage:
**     mopitr_row r;
**     if (mopitr_row_decode(&r, (const char *const *)mysqlRow, aLen, nField, &zErr)) ...
**     ... r.az[MOPITR_COL_NAME], r.range_value, r.level ...
**     mopitr_row_clear(&r);
**
**     row from INSERT values (range_value = MOPITR_RANGE_NULL for a NULL range_value);
**     if (mopitr_row_check_create(&row, zOwnAccount, &zErr)) ... refuse, nothing sent ...
**     zSql = mopitr_sql_create(&row, mopitr_row_is_own_account(&row, zOwnAccount), bNbe);
**
** Decoding a SHOW PITR row (9 fields, server order, spec 2.1):
**   - '*' becomes NULL where the level says the field is empty: ACCOUNT_NAME at cluster
**     level; DATABASE_NAME at cluster and account level; TABLE_NAME unless table level.
**     Elsewhere '*' is a real name and stays (a table literally named '*').
**   - PITR_LENGTH must be 1 to 3 digits, 0..255 (tinyint unsigned); PITR_LEVEL must be
**     one of the four lower-case names exactly as MatrixOne sends them (plan.c's
**     pushdown compares them with the server's binary comparison, so no case folding);
**     times must read YYYY-MM-DD HH:MM:SS.
**   - A row a real server cannot send (wrong field count, NULL in any field, a NUL byte,
**     unknown level, bad length or time) is an error naming the field and quoting the
**     value clipped to 64 bytes.
**
** Validating an INSERT (mopitr_row_check_create), in this order; the first failure is
** the message:
**   1. name: not NULL; folded to lower case; not empty; no space, tab, single quote,
**      double quote or backtick (MatrixOne's `invalid input`, spec 3.2 step 7); not the
**      reserved sys_mo_catalog_pitr.
**   2. account_name, database_name, table_name: folded; an empty string is refused
**      (NULL is the way to say "none"). The character rule of step 1 is only
**      MatrixOne's rule for PITR names: databases and tables with such characters exist
**      and are escaped, so they are not refused here (assumed from spec 3.2).
**   3. level: the level column (any case) or, when NULL, inferred: table_name set ->
**      table; database_name -> database; account_name -> account. With all three NULL
**      the level is required: an omitted identity column would otherwise silently
**      widen the PITR to the whole account, so the user must say 'account' or 'cluster'.
**   4. agreement: cluster takes no account/database/table; account takes no
**      database/table; database needs database_name and takes no table_name; table
**      needs both. Database and table PITRs always belong to the connection's account:
**      account_name must be NULL or that account. For account, database and table
**      level a NULL account_name is filled with the connection's account (what SHOW
**      PITR will show).
**   5. range: NULL range_value -> 1, NULL range_unit -> 'd'; then mopitr_range_check:
**      value 1..100, unit h, d, mo or y in any case, stored lower case.
**
** Case folding: MatrixOne lower-cases identifiers with Go's strings.ToLower (full
** Unicode). Here ASCII is always folded, and so are the non-ASCII letters whose lower
** case has the same UTF-8 length: Latin-1, Latin Extended-A, basic Greek, Cyrillic,
** Armenian, Latin Extended Additional and fullwidth A-Z. Other letters (e.g. U+0130,
** whose lower case is shorter, or scripts not listed) are left as they are; the server
** still folds them itself, so only the echo in SQLite may differ for such names.
**
** Range values from SQL (mopitr_val_to_range): INTEGER as is, FLOAT when integral,
** TEXT when it reads as a number the way SQLite's numeric affinity reads it
** (mopitr_text_num), NULL -> MOPITR_RANGE_NULL; anything else is an error.
*/
#include "mo_pitr_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const azLevelName[] = {NULL, "cluster", "account", "database", "table"};
static const unsigned long aLevelLen[] = {0, 7, 7, 8, 5}; /* strlen(azLevelName[i]) */

/* SHOW PITR header names, by MOPITR_SHOW_*, for messages. */
static const char *const azShowName[MOPITR_SHOW_NCOL] = {
    "PITR_NAME",     "CREATED_TIME", "MODIFIED_TIME", "PITR_LEVEL", "ACCOUNT_NAME",
    "DATABASE_NAME", "TABLE_NAME",   "PITR_LENGTH",   "PITR_UNIT"};

/* Row column receiving each SHOW PITR field, by MOPITR_SHOW_*. */
static const int aShowToCol[MOPITR_SHOW_NCOL] = {
    MOPITR_COL_NAME,  MOPITR_COL_CREATED,     MOPITR_COL_MODIFIED,
    MOPITR_COL_LEVEL, MOPITR_COL_ACCOUNT,     MOPITR_COL_DATABASE,
    MOPITR_COL_TABLE, MOPITR_COL_RANGE_VALUE, MOPITR_COL_RANGE_UNIT};

/* "cluster" ... "table" (case-insensitive) -> level; MOPITR_LEVEL_NONE if unknown/NULL. */
mopitr_level mopitr_level_parse(const char *z)
{
    int i;
    if (z == NULL)
        return MOPITR_LEVEL_NONE;
    for (i = MOPITR_LEVEL_CLUSTER; i <= MOPITR_LEVEL_TABLE; i++) {
        if (sqlite3_stricmp(z, azLevelName[i]) == 0)
            return (mopitr_level)i;
    }
    return MOPITR_LEVEL_NONE;
}

/* The lower-case name of a level (static string), NULL for NONE or out of range. */
const char *mopitr_level_name(mopitr_level e)
{
    if (e < MOPITR_LEVEL_CLUSTER || e > MOPITR_LEVEL_TABLE)
        return NULL;
    return azLevelName[e];
}

/* ------------------------------------------------------------------ numbers */

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

/* ------------------------------------------------------------------ case folding */

/* Lower case of code point c where it keeps its UTF-8 length (see the manual). */
static unsigned value_lower_cp(unsigned c)
{
    if (c >= 'A' && c <= 'Z')
        return c + 32;
    if (c < 0xC0)
        return c;
    if ((c <= 0xDE && c != 0xD7))
        return c + 0x20;
    if (c >= 0x100 && c <= 0x17F) {
        if (c == 0x130 || c == 0x131 || c == 0x138 || c == 0x149 || c == 0x17F)
            return c;
        if (c == 0x178)
            return 0xFF;
        if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
            return (c & 1) ? c + 1 : c;
        return (c & 1) ? c : c + 1;
    }
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    if ((c >= 0x391 && c <= 0x3A1) || (c >= 0x3A3 && c <= 0x3AB))
        return c + 0x20;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    if (c >= 0x410 && c <= 0x42F)
        return c + 0x20;
    if ((c >= 0x460 && c <= 0x481) || (c >= 0x48A && c <= 0x4BF) || (c >= 0x4D0 && c <= 0x52F))
        return (c & 1) ? c : c + 1;
    if (c == 0x4C0)
        return 0x4CF;
    if (c >= 0x4C1 && c <= 0x4CE)
        return (c & 1) ? c + 1 : c;
    if (c >= 0x531 && c <= 0x556)
        return c + 0x30;
    if ((c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return (c & 1) ? c : c + 1;
    if (c >= 0xFF21 && c <= 0xFF3A)
        return c + 0x20;
    return c;
}

/* Fold z (NUL-terminated UTF-8) to lower case in place; see the manual. */
void mopitr_fold(char *z)
{
    unsigned char *p = (unsigned char *)z;
    while (*p) {
        unsigned c = *p, lc;
        int n;
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z')
                *p = (unsigned char)(c + 32);
            p++;
            continue;
        }
        if ((c & 0xE0) == 0xC0 && (p[1] & 0xC0) == 0x80) {
            c = ((c & 0x1F) << 6) | (p[1] & 0x3F);
            n = 2;
        } else if ((c & 0xF0) == 0xE0 && (p[1] & 0xC0) == 0x80 && (p[2] & 0xC0) == 0x80) {
            c = ((c & 0x0F) << 12) | ((unsigned)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
            n = 3;
        } else {
            p++; /* 4-byte sequences and stray bytes: unchanged */
            continue;
        }
        lc = value_lower_cp(c);
        if (n == 2 && lc >= 0x80 && lc < 0x800) {
            p[0] = (unsigned char)(0xC0 | (lc >> 6));
            p[1] = (unsigned char)(0x80 | (lc & 0x3F));
        } else if (n == 3 && lc >= 0x800 && lc < 0x10000) {
            p[0] = (unsigned char)(0xE0 | (lc >> 12));
            p[1] = (unsigned char)(0x80 | ((lc >> 6) & 0x3F));
            p[2] = (unsigned char)(0x80 | (lc & 0x3F));
        }
        p += n;
    }
}

/* ------------------------------------------------------------------ rows */

/* Free what *p owns and zero it. NULL is fine. */
void mopitr_row_clear(mopitr_row *p)
{
    int i;
    if (p == NULL)
        return;
    if (p->zBlock)
        sqlite3_free(p->zBlock);
    else
        for (i = 0; i < MOPITR_NDATA; i++)
            sqlite3_free(p->az[i]);
    memset(p, 0, sizeof(*p));
}

/* Fill *pOut (overwritten, not freed) with the fields az[]/aLen[] as one block row,
** reusing zReuse (nReuse bytes, owned; NULL for none) when it is big enough, else
** freeing it. SQLITE_OK or SQLITE_NOMEM (then *pOut is zeroed). */
static int value_row_pack(mopitr_row *pOut, const char *const *az, const unsigned long *aLen,
                          char *zReuse, size_t nReuse)
{
    size_t nTotal = 0;
    char *z;
    int i;
    memset(pOut, 0, sizeof(*pOut));
    for (i = 0; i < MOPITR_NDATA; i++) {
        if (az[i])
            nTotal += aLen[i] + 1;
    }
    if (nTotal == 0) {
        sqlite3_free(zReuse);
        return SQLITE_OK;
    }
    if (zReuse && nReuse >= nTotal) {
        z = zReuse;
    } else {
        sqlite3_free(zReuse);
        /* Round up so that a reused block fits most later rows of a scan. */
        nReuse = (nTotal + 63) & ~(size_t)63;
        z = sqlite3_malloc64(nReuse);
        if (z == NULL)
            return SQLITE_NOMEM;
    }
    pOut->zBlock = z;
    pOut->nBlock = nReuse;
    for (i = 0; i < MOPITR_NDATA; i++) {
        if (az[i] == NULL)
            continue;
        memcpy(z, az[i], aLen[i]);
        z[aLen[i]] = 0;
        pOut->az[i] = z;
        pOut->aLen[i] = (unsigned)aLen[i];
        z += aLen[i] + 1;
    }
    return SQLITE_OK;
}

/* Deep copy *pIn into *pOut (overwritten, not freed) as one block row. SQLITE_OK or
** SQLITE_NOMEM (then *pOut is cleared). */
int mopitr_row_copy(mopitr_row *pOut, const mopitr_row *pIn)
{
    unsigned long aLen[MOPITR_NDATA];
    int i, rc;
    for (i = 0; i < MOPITR_NDATA; i++)
        aLen[i] = pIn->az[i] ? (unsigned long)mopitr_row_len(pIn, i) : 0;
    rc = value_row_pack(pOut, (const char *const *)pIn->az, aLen, NULL, 0);
    pOut->range_value = pIn->range_value;
    pOut->level = pIn->level;
    return rc;
}

/* Length of field iCol: see the header. */
int mopitr_row_len(const mopitr_row *p, int iCol)
{
    return p->zBlock ? (int)p->aLen[iCol] : (int)strlen(p->az[iCol]);
}

/* Set field iCol: see the header. */
int mopitr_row_set(mopitr_row *p, int iCol, const char *z)
{
    char *zNew = NULL;
    int i;
    /* Copy z first: it may point into p's own block. */
    if (z && (zNew = sqlite3_mprintf("%s", z)) == NULL)
        return SQLITE_NOMEM;
    if (p->zBlock) {
        /* Unpack: give every field its own allocation, then free the block. */
        char *az[MOPITR_NDATA];
        memset(az, 0, sizeof(az));
        for (i = 0; i < MOPITR_NDATA; i++) {
            if (p->az[i] && (az[i] = sqlite3_mprintf("%s", p->az[i])) == NULL) {
                while (i-- > 0)
                    sqlite3_free(az[i]);
                sqlite3_free(zNew);
                return SQLITE_NOMEM;
            }
        }
        sqlite3_free(p->zBlock);
        p->zBlock = NULL;
        memcpy(p->az, az, sizeof(az));
        memset(p->aLen, 0, sizeof(p->aLen));
        p->nBlock = 0;
    }
    sqlite3_free(p->az[iCol]);
    p->az[iCol] = zNew;
    return SQLITE_OK;
}

/* Is z[0..n) a time "YYYY-MM-DD HH:MM:SS"? */
static int value_is_time(const char *z, unsigned long n)
{
    static const char zShape[] = "0000-00-00 00:00:00";
    unsigned long i;
    if (n != sizeof(zShape) - 1)
        return 0;
    for (i = 0; i < n; i++) {
        if (zShape[i] == '0' ? (z[i] < '0' || z[i] > '9') : z[i] != zShape[i])
            return 0;
    }
    return 1;
}

/* Store an error "mo_pitr: ..." in *pzErr. Returns SQLITE_ERROR (SQLITE_NOMEM on OOM). */
static int value_err(char **pzErr, char *zMsg)
{
    *pzErr = zMsg;
    return zMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** Decode one SHOW PITR row: see the manual. azField/aLen are libmariadb's MYSQL_ROW
** and mysql_fetch_lengths() (aLen may be NULL: strlen). *pOut must be a valid row (zeroed
** or owning): its block is reused when big enough, else freed; *pOut is left cleared on
** error. Returns SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR with *pzErr.
*/
int mopitr_row_decode_reuse(mopitr_row *pOut, const char *const *azField, const unsigned long *aLen,
                            unsigned nField, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    unsigned long aN[MOPITR_SHOW_NCOL];
    int rc = SQLITE_OK, i;
    mopitr_level e = MOPITR_LEVEL_NONE;
    char *zReuse = NULL;
    size_t nReuse = 0;

    if (pOut->zBlock) {
        /* Keep the block for value_row_pack; free anything else. */
        zReuse = pOut->zBlock;
        nReuse = pOut->nBlock;
        memset(pOut, 0, sizeof(*pOut));
    } else {
        mopitr_row_clear(pOut);
    }
    if (nField != MOPITR_SHOW_NCOL) {
        rc = value_err(pzErr, mopitr_errf("server sent %u columns for SHOW PITR, expected %d",
                                          nField, MOPITR_SHOW_NCOL));
        goto out;
    }
    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        if (azField[i] == NULL) {
            rc = value_err(pzErr, mopitr_errf("server sent NULL for %s", azShowName[i]));
            goto out;
        }
        aN[i] = aLen ? aLen[i] : strlen(azField[i]);
        if (memchr(azField[i], 0, aN[i])) {
            rc = value_err(pzErr, mopitr_errf("server sent a NUL byte in %s", azShowName[i]));
            goto out;
        }
    }
    for (i = MOPITR_LEVEL_CLUSTER; i <= MOPITR_LEVEL_TABLE; i++) {
        if (aN[MOPITR_SHOW_LEVEL] == aLevelLen[i] &&
            memcmp(azField[MOPITR_SHOW_LEVEL], azLevelName[i], aN[MOPITR_SHOW_LEVEL]) == 0)
            e = (mopitr_level)i;
    }
    if (e == MOPITR_LEVEL_NONE) {
        rc = value_err(pzErr, mopitr_errf("server sent unknown PITR_LEVEL '%s'",
                                          mopitr_err_clip(aClip, azField[MOPITR_SHOW_LEVEL],
                                                          (int)aN[MOPITR_SHOW_LEVEL])));
        goto out;
    }
    pOut->level = e;
    {
        const char *z = azField[MOPITR_SHOW_LENGTH];
        unsigned long n = aN[MOPITR_SHOW_LENGTH], k;
        unsigned v = 0;
        int bOk = n >= 1 && n <= 3;
        for (k = 0; bOk && k < n; k++) {
            if (z[k] < '0' || z[k] > '9')
                bOk = 0;
            else
                v = v * 10 + (unsigned)(z[k] - '0');
        }
        if (!bOk || v > 255) {
            rc = value_err(pzErr, mopitr_errf("server sent bad PITR_LENGTH '%s' (expected an "
                                              "integer from 0 to 255)",
                                              mopitr_err_clip(aClip, z, (int)n)));
            goto out;
        }
        pOut->range_value = v;
    }
    for (i = MOPITR_SHOW_CREATED; i <= MOPITR_SHOW_MODIFIED; i++) {
        if (!value_is_time(azField[i], aN[i])) {
            rc = value_err(
                pzErr, mopitr_errf("server sent bad %s '%s' (expected YYYY-MM-DD HH:MM:SS)",
                                   azShowName[i], mopitr_err_clip(aClip, azField[i], (int)aN[i])));
            goto out;
        }
    }
    {
        /* Gather the fields by MOPITR_COL_*, then copy them into one block. */
        const char *az[MOPITR_NDATA];
        unsigned long aColLen[MOPITR_NDATA];
        memset((void *)az, 0, sizeof(az));
        memset(aColLen, 0, sizeof(aColLen));
        for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
            int bStar = aN[i] == 1 && azField[i][0] == '*';
            if (i == MOPITR_SHOW_LENGTH)
                continue;
            if (bStar && ((i == MOPITR_SHOW_ACCOUNT && e == MOPITR_LEVEL_CLUSTER) ||
                          (i == MOPITR_SHOW_DATABASE && e <= MOPITR_LEVEL_ACCOUNT) ||
                          (i == MOPITR_SHOW_TABLE && e != MOPITR_LEVEL_TABLE)))
                continue;
            az[aShowToCol[i]] = azField[i];
            aColLen[aShowToCol[i]] = aN[i];
        }
        {
            sqlite3_int64 v = pOut->range_value;
            rc = value_row_pack(pOut, az, aColLen, zReuse, nReuse);
            zReuse = NULL;
            pOut->range_value = v;
            pOut->level = e;
        }
    }
out:
    sqlite3_free(zReuse);
    if (rc != SQLITE_OK)
        mopitr_row_clear(pOut);
    return rc;
}

/* Decode into *pOut, which is overwritten, not freed: see the header. */
int mopitr_row_decode(mopitr_row *pOut, const char *const *azField, const unsigned long *aLen,
                      unsigned nField, char **pzErr)
{
    memset(pOut, 0, sizeof(*pOut));
    return mopitr_row_decode_reuse(pOut, azField, aLen, nField, pzErr);
}

/* ------------------------------------------------------------------ validation */

/*
** Check a new range: v 1..100, zUnit one of h, d, mo, y in any case (folded to lower
** case in place). Returns SQLITE_OK or SQLITE_ERROR with *pzErr.
*/
int mopitr_range_check(sqlite3_int64 v, char *zUnit, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    static const char *const azUnit[] = {"h", "d", "mo", "y"};
    int i;

    if (v < 1 || v > 100)
        return value_err(pzErr,
                         mopitr_errf("range_value must be an integer from 1 to 100, got %lld", v));
    if (zUnit == NULL)
        return value_err(pzErr, mopitr_errf("range_unit must be one of h, d, mo, y, got NULL"));
    for (i = 0; i < 4; i++) {
        if (sqlite3_stricmp(zUnit, azUnit[i]) == 0) {
            memcpy(zUnit, azUnit[i], strlen(azUnit[i]));
            return SQLITE_OK;
        }
    }
    return value_err(pzErr, mopitr_errf("range_unit must be one of h, d, mo, y, got '%s'",
                                        mopitr_err_clip(aClip, zUnit, -1)));
}

/* Step 1 of the manual: the PITR name. */
static int value_check_name(mopitr_row *p, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    char *z = p->az[MOPITR_COL_NAME];
    const char *zWhy = NULL;

    if (z == NULL)
        return value_err(pzErr, mopitr_errf("name must not be NULL"));
    mopitr_fold(z);
    if (z[0] == 0)
        return value_err(pzErr, mopitr_errf("name must not be empty"));
    if (strchr(z, ' '))
        zWhy = "a space";
    else if (strchr(z, '\t'))
        zWhy = "a tab";
    else if (strchr(z, '\''))
        zWhy = "a single quote";
    else if (strchr(z, '"'))
        zWhy = "a double quote";
    else if (strchr(z, '`'))
        zWhy = "a backtick";
    if (zWhy)
        return value_err(pzErr, mopitr_errf("name '%s' contains %s, which MatrixOne does not "
                                            "accept",
                                            mopitr_err_clip(aClip, z, -1), zWhy));
    if (strcmp(z, "sys_mo_catalog_pitr") == 0)
        return value_err(pzErr, mopitr_errf("name 'sys_mo_catalog_pitr' is reserved by "
                                            "MatrixOne"));
    return SQLITE_OK;
}

/* Column names for messages, by MOPITR_COL_*. */
static const char *value_col_name(int iCol)
{
    switch (iCol) {
    case MOPITR_COL_ACCOUNT:
        return "account_name";
    case MOPITR_COL_DATABASE:
        return "database_name";
    case MOPITR_COL_TABLE:
        return "table_name";
    default:
        return "?";
    }
}

/* Step 4: level and identity columns agree; fill the own account. */
static int value_check_agree(mopitr_row *p, const char *zOwn, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE], aClip2[MOPITR_CLIP_SIZE];
    const char *zLevel = mopitr_level_name(p->level);
    int iNone[3], nNone = 0, iNeed[2], nNeed = 0, i;
    char *zAcc = p->az[MOPITR_COL_ACCOUNT];

    switch (p->level) {
    case MOPITR_LEVEL_CLUSTER:
        iNone[nNone++] = MOPITR_COL_ACCOUNT;
        iNone[nNone++] = MOPITR_COL_DATABASE;
        iNone[nNone++] = MOPITR_COL_TABLE;
        break;
    case MOPITR_LEVEL_ACCOUNT:
        iNone[nNone++] = MOPITR_COL_DATABASE;
        iNone[nNone++] = MOPITR_COL_TABLE;
        break;
    case MOPITR_LEVEL_DATABASE:
        iNeed[nNeed++] = MOPITR_COL_DATABASE;
        iNone[nNone++] = MOPITR_COL_TABLE;
        break;
    default:
        iNeed[nNeed++] = MOPITR_COL_DATABASE;
        iNeed[nNeed++] = MOPITR_COL_TABLE;
        break;
    }
    for (i = 0; i < nNone; i++) {
        if (p->az[iNone[i]])
            return value_err(pzErr, mopitr_errf("level '%s' takes no %s, got '%s'", zLevel,
                                                value_col_name(iNone[i]),
                                                mopitr_err_clip(aClip, p->az[iNone[i]], -1)));
    }
    for (i = 0; i < nNeed; i++) {
        if (p->az[iNeed[i]] == NULL)
            return value_err(
                pzErr, mopitr_errf("level '%s' requires %s", zLevel, value_col_name(iNeed[i])));
    }
    if (p->level == MOPITR_LEVEL_CLUSTER)
        return SQLITE_OK;
    if (zAcc && strcmp(zAcc, zOwn) != 0 && p->level != MOPITR_LEVEL_ACCOUNT)
        return value_err(pzErr, mopitr_errf("account_name '%s' is not the connection's account "
                                            "'%s'; database and table PITRs always belong to "
                                            "the connection's account",
                                            mopitr_err_clip(aClip, zAcc, -1),
                                            mopitr_err_clip(aClip2, zOwn, -1)));
    if (zAcc == NULL)
        return mopitr_row_set(p, MOPITR_COL_ACCOUNT, zOwn);
    return SQLITE_OK;
}

/* Step 3: the level, from the level column or inferred. */
static int value_check_level(mopitr_row *p, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    const char *zLevel = p->az[MOPITR_COL_LEVEL];

    if (zLevel) {
        p->level = mopitr_level_parse(zLevel);
        if (p->level == MOPITR_LEVEL_NONE)
            return value_err(pzErr, mopitr_errf("level must be one of cluster, account, "
                                                "database, table, got '%s'",
                                                mopitr_err_clip(aClip, zLevel, -1)));
    } else if (p->level == MOPITR_LEVEL_NONE) {
        if (p->az[MOPITR_COL_TABLE])
            p->level = MOPITR_LEVEL_TABLE;
        else if (p->az[MOPITR_COL_DATABASE])
            p->level = MOPITR_LEVEL_DATABASE;
        else if (p->az[MOPITR_COL_ACCOUNT])
            p->level = MOPITR_LEVEL_ACCOUNT;
        else
            return value_err(pzErr, mopitr_errf("level is required when account_name, "
                                                "database_name and table_name are all NULL "
                                                "(use 'account' or 'cluster')"));
    }
    return mopitr_row_set(p, MOPITR_COL_LEVEL, mopitr_level_name(p->level));
}

/*
** Validate and normalise a row for CREATE: see the manual (steps 1-5). zOwnAccount is
** the connection's account (NULL: "sys"). Returns SQLITE_OK, SQLITE_NOMEM, or
** SQLITE_ERROR with *pzErr; the row may be partly normalised on error.
*/
int mopitr_row_check_create(mopitr_row *p, const char *zOwnAccount, char **pzErr)
{
    char *zOwn = sqlite3_mprintf("%s", zOwnAccount ? zOwnAccount : "sys");
    int rc, i;

    if (zOwn == NULL)
        return SQLITE_NOMEM;
    mopitr_fold(zOwn);
    /* Fields are folded in place below: a block row becomes a per-field one first. */
    rc = p->zBlock ? mopitr_row_set(p, MOPITR_COL_NAME, p->az[MOPITR_COL_NAME]) : SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = value_check_name(p, pzErr);
    for (i = MOPITR_COL_ACCOUNT; rc == SQLITE_OK && i <= MOPITR_COL_TABLE; i++) {
        if (p->az[i] == NULL)
            continue;
        mopitr_fold(p->az[i]);
        if (p->az[i][0] == 0)
            rc = value_err(
                pzErr, mopitr_errf("%s must not be empty (use NULL for none)", value_col_name(i)));
    }
    if (rc == SQLITE_OK)
        rc = value_check_level(p, pzErr);
    if (rc == SQLITE_OK)
        rc = value_check_agree(p, zOwn, pzErr);
    if (rc == SQLITE_OK && p->range_value == MOPITR_RANGE_NULL)
        p->range_value = 1;
    if (rc == SQLITE_OK && p->az[MOPITR_COL_RANGE_UNIT] == NULL)
        rc = mopitr_row_set(p, MOPITR_COL_RANGE_UNIT, "d");
    if (rc == SQLITE_OK)
        rc = mopitr_range_check(p->range_value, p->az[MOPITR_COL_RANGE_UNIT], pzErr);
    sqlite3_free(zOwn);
    return rc;
}

/*
** Should CREATE use the own-account form (FOR ACCOUNT without a name)? True for a row
** whose account_name is NULL or equals zOwnAccount (NULL: "sys") after folding.
*/
int mopitr_row_is_own_account(const mopitr_row *p, const char *zOwnAccount)
{
    char *zOwn;
    int bOwn;
    if (p->az[MOPITR_COL_ACCOUNT] == NULL)
        return 1;
    zOwn = sqlite3_mprintf("%s", zOwnAccount ? zOwnAccount : "sys");
    if (zOwn == NULL)
        return 0; /* OOM: the explicit form is always grammatical */
    mopitr_fold(zOwn);
    bOwn = strcmp(zOwn, p->az[MOPITR_COL_ACCOUNT]) == 0;
    sqlite3_free(zOwn);
    return bOwn;
}
