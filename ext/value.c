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
**   1. name: not NULL; folded to lower case; not empty; no backslash; no space, tab,
**      single quote, double quote or backtick (MatrixOne's `invalid input`, spec 3.2 step 7); not
*the
**      reserved sys_mo_catalog_pitr.
**   2. account_name, database_name, table_name: folded; an empty string is refused
**      (NULL is the way to say "none"), and so is a backslash in any of the four names
**      (mopitr_name_check: MatrixOne would act on another name, spec 1.1). The character rule of
*step 1 is only
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
** Numbers from SQL values (range_value, numeric pushdown) are value_num.c's.
*/
#include "mo_pitr_int.h"

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

/*
** Is z[0..n) a time "YYYY-MM-DD HH:MM:SS"? Checked 8 bytes at a time (the words at
** offsets 0, 8 and 11, which overlap): XOR with the template turns a digit into 0..9
** and a matching separator into 0; then every separator byte and the high nibble of
** every digit byte must be 0, and adding 6 to each digit byte must not reach 16 (that
** rejects 10..15). No carry crosses a byte: each byte is at most 15 + 6 by then.
** The templates are read with memcpy, so the check does not depend on byte order.
*/
static const unsigned char aTimeXor[19] = {'0', '0', '0', '0', '-', '0', '0', '-', '0', '0',
                                           ' ', '0', '0', ':', '0', '0', ':', '0', '0'};
static const unsigned char aTimeHigh[19] = {0xF0, 0xF0, 0xF0, 0xF0, 0xFF, 0xF0, 0xF0,
                                            0xFF, 0xF0, 0xF0, 0xFF, 0xF0, 0xF0, 0xFF,
                                            0xF0, 0xF0, 0xFF, 0xF0, 0xF0};
static const unsigned char aTimeAdd[19] = {6, 6, 6, 6, 0, 6, 6, 0, 6, 6, 0, 6, 6, 0, 6, 6, 0, 6, 6};

/* The 8-byte word of z at offset o against the template: returns the bits left where
** zeros are due (high nibbles of digits, separators); *pAdd gets the high nibbles of the
** digits after adding 6 (0x06 * 0x28 = 0xF0 selects them; a separator's 0 stays 0). */
static uint64_t value_time_word(const char *z, int o, uint64_t *pAdd)
{
    uint64_t w, x, h, a;
    memcpy(&w, z + o, 8);
    memcpy(&x, aTimeXor + o, 8);
    memcpy(&h, aTimeHigh + o, 8);
    memcpy(&a, aTimeAdd + o, 8);
    w ^= x;
    *pAdd = (w + a) & (a * 0x28);
    return w & h;
}

/* Is z[0..n) a time "YYYY-MM-DD HH:MM:SS" (see above)? */
static int value_is_time(const char *z, unsigned long n)
{
    uint64_t a0, a1, a2, bad;
    if (n != sizeof(aTimeXor))
        return 0;
    bad = value_time_word(z, 0, &a0) | value_time_word(z, 8, &a1) | value_time_word(z, 11, &a2);
    /* Only once no high bit is left is the +6 test free of carries between bytes. */
    return bad == 0 && (a0 | a1 | a2) == 0;
}

/* The level z[0..n) names exactly as MatrixOne sends it, MOPITR_LEVEL_NONE if none. */
static mopitr_level value_level_exact(const char *z, unsigned long n)
{
    int i;
    for (i = MOPITR_LEVEL_CLUSTER; i <= MOPITR_LEVEL_TABLE; i++) {
        if (n == aLevelLen[i] && memcmp(z, azLevelName[i], n) == 0)
            return (mopitr_level)i;
    }
    return MOPITR_LEVEL_NONE;
}

/* PITR_LENGTH z[0..n): 1 to 3 digits, at most 255, into *pv. 0 when it is not. */
static int value_length(const char *z, unsigned long n, unsigned *pv)
{
    unsigned long k;
    unsigned v = 0;
    if (n < 1 || n > 3)
        return 0;
    for (k = 0; k < n; k++) {
        if (z[k] < '0' || z[k] > '9')
            return 0;
        v = v * 10 + (unsigned)(z[k] - '0');
    }
    *pv = v;
    return v <= 255;
}

/* Store an error "mo_pitr: ..." in *pzErr. Returns SQLITE_ERROR (SQLITE_NOMEM on OOM). */
static int value_err(char **pzErr, char *zMsg)
{
    *pzErr = zMsg;
    return zMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** The quick verdict on nine non-NULL fields (aN: their lengths): is this a row a real
** MatrixOne could send? Exactly the rule of value_row_check, without messages: the
** level, the length and the times are checked by their shape, which rules out a NUL
** byte in them too, so only the five free-text fields are searched for one. Sets *pe
** and *pv when it returns 1.
*/
static int value_row_fast(const char *const *azField, const unsigned long *aN, mopitr_level *pe,
                          unsigned *pv)
{
    static const int aText[] = {MOPITR_SHOW_NAME, MOPITR_SHOW_ACCOUNT, MOPITR_SHOW_DATABASE,
                                MOPITR_SHOW_TABLE, MOPITR_SHOW_UNIT};
    size_t i;
    *pe = value_level_exact(azField[MOPITR_SHOW_LEVEL], aN[MOPITR_SHOW_LEVEL]);
    if (*pe == MOPITR_LEVEL_NONE ||
        !value_length(azField[MOPITR_SHOW_LENGTH], aN[MOPITR_SHOW_LENGTH], pv) ||
        !value_is_time(azField[MOPITR_SHOW_CREATED], aN[MOPITR_SHOW_CREATED]) ||
        !value_is_time(azField[MOPITR_SHOW_MODIFIED], aN[MOPITR_SHOW_MODIFIED]))
        return 0;
    for (i = 0; i < sizeof(aText) / sizeof(aText[0]); i++) {
        if (memchr(azField[aText[i]], 0, aN[aText[i]]))
            return 0;
    }
    return 1;
}

/*
** The full check of a SHOW PITR row, in the order of the manual, with the message of
** the first failure: NULL or a NUL byte (field by field), the level, the length, the
** times. aN gets the lengths (aLen, or strlen when aLen is NULL). SQLITE_OK with *pe
** and *pv set, or SQLITE_ERROR/SQLITE_NOMEM with *pzErr.
*/
static int value_row_check(const char *const *azField, const unsigned long *aLen, unsigned long *aN,
                           mopitr_level *pe, unsigned *pv, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    int i;

    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        if (azField[i] == NULL)
            return value_err(pzErr, mopitr_errf("server sent NULL for %s", azShowName[i]));
        aN[i] = aLen ? aLen[i] : strlen(azField[i]);
        if (memchr(azField[i], 0, aN[i]))
            return value_err(pzErr, mopitr_errf("server sent a NUL byte in %s", azShowName[i]));
    }
    *pe = value_level_exact(azField[MOPITR_SHOW_LEVEL], aN[MOPITR_SHOW_LEVEL]);
    if (*pe == MOPITR_LEVEL_NONE)
        return value_err(pzErr, mopitr_errf("server sent unknown PITR_LEVEL '%s'",
                                            mopitr_err_clip(aClip, azField[MOPITR_SHOW_LEVEL],
                                                            (int)aN[MOPITR_SHOW_LEVEL])));
    if (!value_length(azField[MOPITR_SHOW_LENGTH], aN[MOPITR_SHOW_LENGTH], pv))
        return value_err(pzErr, mopitr_errf("server sent bad PITR_LENGTH '%s' (expected an "
                                            "integer from 0 to 255)",
                                            mopitr_err_clip(aClip, azField[MOPITR_SHOW_LENGTH],
                                                            (int)aN[MOPITR_SHOW_LENGTH])));
    for (i = MOPITR_SHOW_CREATED; i <= MOPITR_SHOW_MODIFIED; i++) {
        if (!value_is_time(azField[i], aN[i]))
            return value_err(
                pzErr, mopitr_errf("server sent bad %s '%s' (expected YYYY-MM-DD HH:MM:SS)",
                                   azShowName[i], mopitr_err_clip(aClip, azField[i], (int)aN[i])));
    }
    return SQLITE_OK;
}

/* Is SHOW PITR field i of a row at level e the '*' that stands for "none" (-> NULL)? */
static int value_is_none(const char *z, unsigned long n, int i, mopitr_level e)
{
    return n == 1 && z[0] == '*' &&
           ((i == MOPITR_SHOW_ACCOUNT && e == MOPITR_LEVEL_CLUSTER) ||
            (i == MOPITR_SHOW_DATABASE && e <= MOPITR_LEVEL_ACCOUNT) ||
            (i == MOPITR_SHOW_TABLE && e != MOPITR_LEVEL_TABLE));
}

/*
** Do the nine fields lie back to back, as libmariadb lays out a MYSQL_ROW: each value,
** one byte (its terminator), the next value? Returns the bytes from the first value to
** the last terminator, with each field's offset in aOff[]; 0 when they do not.
*/
static size_t value_fields_run(const char *const *azField, const unsigned long *aN, size_t *aOff)
{
    uintptr_t uFirst = (uintptr_t)azField[0];
    size_t n = 0;
    int i;
    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        if ((uintptr_t)azField[i] != uFirst + n)
            return 0;
        aOff[i] = n;
        n += aN[i] + 1;
    }
    return n;
}

/*
** Fill *pOut (fields zeroed) from nine fields that lie back to back (value_fields_run:
** nTotal bytes, offsets aOff): one memcpy copies them all into a block (zReuse, nReuse
** bytes, owned, when big enough; else freed), then every terminator is written anew.
** SQLITE_OK or SQLITE_NOMEM.
*/
static int value_row_pack_run(mopitr_row *pOut, const char *const *azField, const unsigned long *aN,
                              const size_t *aOff, size_t nTotal, mopitr_level e, char *zReuse,
                              size_t nReuse)
{
    char *z;
    int i;
    if (zReuse && nReuse >= nTotal) {
        z = zReuse;
    } else {
        sqlite3_free(zReuse);
        nReuse = (nTotal + 63) & ~(size_t)63; /* as value_row_pack */
        z = sqlite3_malloc64(nReuse);
        if (z == NULL)
            return SQLITE_NOMEM;
    }
    memcpy(z, azField[0], nTotal);
    pOut->zBlock = z;
    pOut->nBlock = nReuse;
    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        z[aOff[i] + aN[i]] = 0;
        if (i == MOPITR_SHOW_LENGTH || value_is_none(azField[i], aN[i], i, e))
            continue;
        pOut->az[aShowToCol[i]] = z + aOff[i];
        pOut->aLen[aShowToCol[i]] = (unsigned)aN[i];
    }
    return SQLITE_OK;
}

/*
** Decode one SHOW PITR row: see the manual. azField/aLen are libmariadb's MYSQL_ROW
** and mysql_fetch_lengths() (aLen may be NULL: strlen). *pOut must be a valid row (zeroed
** or owning): its block is reused when big enough, else freed; *pOut is left cleared on
** error. Returns SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR with *pzErr.
**
** The common case costs little: value_row_fast judges the row, and a MYSQL_ROW's
** fields are copied with one memcpy. Only a row it refuses goes through
** value_row_check, which finds the message (or, should the two ever disagree,
** accepts the row: value_row_check is the rule).
*/
int mopitr_row_decode_reuse(mopitr_row *pOut, const char *const *azField, const unsigned long *aLen,
                            unsigned nField, char **pzErr)
{
    unsigned long aN[MOPITR_SHOW_NCOL];
    size_t aOff[MOPITR_SHOW_NCOL], nRun;
    int rc = SQLITE_OK, i, bQuick = aLen != NULL;
    mopitr_level e = MOPITR_LEVEL_NONE;
    unsigned v = 0;
    char *zReuse = NULL;
    size_t nReuse = 0;

    if (pOut->zBlock) {
        /* Keep the block for reuse; the rest of a block row owns nothing. */
        zReuse = pOut->zBlock;
        nReuse = pOut->nBlock;
        pOut->zBlock = NULL;
        pOut->nBlock = 0;
        memset(pOut->az, 0, sizeof(pOut->az));
        memset(pOut->aLen, 0, sizeof(pOut->aLen));
    } else {
        mopitr_row_clear(pOut);
    }
    if (nField != MOPITR_SHOW_NCOL) {
        rc = value_err(pzErr, mopitr_errf("server sent %u columns for SHOW PITR, expected %d",
                                          nField, MOPITR_SHOW_NCOL));
        goto out;
    }
    for (i = 0; i < MOPITR_SHOW_NCOL && bQuick; i++) {
        bQuick = azField[i] != NULL;
        aN[i] = bQuick ? aLen[i] : 0;
    }
    if (!bQuick || !value_row_fast(azField, aN, &e, &v)) {
        rc = value_row_check(azField, aLen, aN, &e, &v, pzErr);
        if (rc != SQLITE_OK)
            goto out;
    }
    nRun = value_fields_run(azField, aN, aOff);
    if (nRun) {
        rc = value_row_pack_run(pOut, azField, aN, aOff, nRun, e, zReuse, nReuse);
    } else {
        /* Gather the fields by MOPITR_COL_*, then copy them into one block. */
        const char *az[MOPITR_NDATA];
        unsigned long aColLen[MOPITR_NDATA];
        memset((void *)az, 0, sizeof(az));
        memset(aColLen, 0, sizeof(aColLen));
        for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
            if (i == MOPITR_SHOW_LENGTH || value_is_none(azField[i], aN[i], i, e))
                continue;
            az[aShowToCol[i]] = azField[i];
            aColLen[aShowToCol[i]] = aN[i];
        }
        rc = value_row_pack(pOut, az, aColLen, zReuse, nReuse);
    }
    zReuse = NULL; /* taken over (kept or freed) by the pack */
    pOut->range_value = v;
    pOut->level = e;
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

/* z[0..n) as MatrixOne stores it after splicing it unescaped into a string literal of
** its internal SQL (spec 1.1): `\\` -> `\`, `\n` `\t` `\r` `\b` `\Z` `\0` -> the control
** byte, `\%` and `\_` kept whole (MySQL's rule; assumed), any other `\c` -> c. A trailing
** lone backslash is a syntax error there: returns NULL then (and on OOM: *pbOom). */
static char *value_mangle(const char *z, int *pbOom)
{
    size_t n = strlen(z), i, j = 0;
    char *zOut = sqlite3_malloc64(n + 1);
    *pbOom = zOut == NULL;
    for (i = 0; zOut && i < n; i++) {
        char c = z[i];
        if (c != '\\') {
            zOut[j++] = c;
            continue;
        }
        if (++i == n) {
            sqlite3_free(zOut);
            return NULL;
        }
        c = z[i];
        switch (c) {
        case 'n':
            c = '\n';
            break;
        case 't':
            c = '\t';
            break;
        case 'r':
            c = '\r';
            break;
        case 'b':
            c = '\b';
            break;
        case 'Z':
            c = 0x1A;
            break;
        case '0':
            c = '?'; /* a NUL byte: shown as '?' like any control byte */
            break;
        case '%':
        case '_':
            zOut[j++] = '\\';
            break;
        default:
            break;
        }
        zOut[j++] = c;
    }
    if (zOut)
        zOut[j] = 0;
    return zOut;
}

/* See the header. */
int mopitr_name_check(int iCol, const char *z, int eUse, char **pzErr)
{
    static const char *const azKind[] = {"pitr", "account", "database", "table"};
    char aClip[MOPITR_CLIP_SIZE], aClip2[MOPITR_CLIP_SIZE];
    const char *zKind = iCol >= MOPITR_COL_ACCOUNT && iCol <= MOPITR_COL_TABLE
                            ? azKind[iCol - MOPITR_COL_ACCOUNT + 1]
                            : azKind[0];
    char *zMangled, *zEffect, *zErr;
    const char *zTail;
    int bOom = 0;

    if (z == NULL || z[0] == 0)
        return value_err(pzErr, iCol == MOPITR_COL_NAME
                                    ? mopitr_errf("name must not be empty")
                                    : mopitr_errf("%s must not be empty (use NULL for none)",
                                                  value_col_name(iCol)));
    if (strchr(z, '\\') == NULL)
        return SQLITE_OK;
    zMangled = value_mangle(z, &bOom);
    if (bOom)
        return SQLITE_NOMEM;
    mopitr_err_clip(aClip2, zMangled, -1);
    if (zMangled == NULL)
        zEffect = sqlite3_mprintf("it would fail with a syntax error");
    else if (iCol != MOPITR_COL_NAME)
        zEffect = sqlite3_mprintf("the pitr would protect %s '%s'", zKind, aClip2);
    else if (eUse == MOPITR_NAME_ALTER)
        zEffect = sqlite3_mprintf("ALTER PITR would change pitr '%s'", aClip2);
    else if (eUse == MOPITR_NAME_DROP)
        zEffect = sqlite3_mprintf("DROP PITR would drop pitr '%s'", aClip2);
    else
        zEffect = sqlite3_mprintf("it would create pitr '%s'", aClip2);
    sqlite3_free(zMangled);
    if (zEffect == NULL)
        return SQLITE_NOMEM;
    if (iCol != MOPITR_COL_NAME)
        zTail = "mo_pitr sends no name with a backslash";
    else if (eUse == MOPITR_NAME_ALTER)
        zTail = "alter it from a MySQL client with every backslash doubled";
    else if (eUse == MOPITR_NAME_DROP)
        zTail = "drop it from a MySQL client with every backslash doubled";
    else
        zTail = "use a name without a backslash";
    zErr = mopitr_errf("%s name '%s' contains a backslash, which MatrixOne would mangle (%s); %s",
                       zKind, mopitr_err_clip(aClip, z, -1), zEffect, zTail);
    sqlite3_free(zEffect);
    return value_err(pzErr, zErr);
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
    if (z[0] == 0 || strchr(z, '\\'))
        return mopitr_name_check(MOPITR_COL_NAME, z, MOPITR_NAME_CREATE, pzErr);
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
        rc = mopitr_name_check(i, p->az[i], MOPITR_NAME_CREATE, pzErr);
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
