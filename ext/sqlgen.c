/*
** sqlgen.c: the remote SQL text mo_pitr sends, and its escaping (pure).
**
** Usage:
**     char *zId  = mopitr_sql_ident("my`db");          -- `my``db`
**     char *zLit = mopitr_sql_string("it's", 0);        -- 'it''s'
**     char *zSql = mopitr_sql_create(&row, bOwn, bNbe); -- CREATE PITR `p1` FOR ... RANGE 1 'd'
**     sqlite3_free(...) each.
**
** Escaping (protocol notes B7):
**   identifier  `name` with every ` doubled. Empty names and names holding a NUL byte are
**               refused (NULL): MatrixOne cannot lex `` and no identifier holds a NUL.
**   string      'text' with every ' doubled and every \ doubled, unless the server runs
**               with NO_BACKSLASH_ESCAPES (bNoBackslashEscapes), where \ is an ordinary
**               character. Double quotes are never used (ANSI_QUOTES would make them
**               identifiers). A NUL byte is refused (NULL).
** Everything else (';', '%', '_', newlines, UTF-8) passes through unchanged: inside the
** quotes it is data.
**
** Statements, one per level, in the grammar-correct forms of spec section 1.2:
**   cluster            CREATE PITR `n` FOR CLUSTER RANGE v 'u'          (form 2)
**   account, own       CREATE PITR `n` FOR ACCOUNT RANGE v 'u'          (form 1)
**   account, other     CREATE PITR `n` FOR ACCOUNT `acc` RANGE v 'u'    (form 3)
**   database           CREATE PITR `n` FOR DATABASE `db` RANGE v 'u'    (form 4)
**   table              CREATE PITR `n` FOR TABLE `db` `t` RANGE v 'u'   (form 5: no dot,
**                      no TABLE keyword between; "FOR TABLE db TABLE t" does not parse)
**   ALTER PITR `n` RANGE v 'u'          DROP PITR `n`
** The range value is printed as a plain decimal integer (the grammar takes only an
** unsigned integer literal); the callers validate it (1..100) before.
**
** Every function returns a sqlite3_malloc'd string the caller frees, or NULL when a
** value is refused (see above) or memory ran out. Callers validate values first
** (value.c), so NULL in practice means OOM.
*/
#include "mo_pitr_int.h"

#include <string.h>

/* Append z[0..n) as a backtick-quoted identifier to pStr. Returns 0, or 1 if refused. */
static int sql_put_ident(sqlite3_str *pStr, const char *z, int n)
{
    int i, iStart = 0;
    if (z == NULL || n <= 0 || memchr(z, 0, (size_t)n))
        return 1;
    sqlite3_str_appendchar(pStr, 1, '`');
    for (i = 0; i < n; i++) {
        if (z[i] == '`') {
            sqlite3_str_append(pStr, z + iStart, i + 1 - iStart);
            sqlite3_str_appendchar(pStr, 1, '`');
            iStart = i + 1;
        }
    }
    sqlite3_str_append(pStr, z + iStart, n - iStart);
    sqlite3_str_appendchar(pStr, 1, '`');
    return 0;
}

/* Append z[0..n) as a single-quoted string literal to pStr. Returns 0, or 1 if refused. */
static int sql_put_string(sqlite3_str *pStr, const char *z, int n, int bNoBackslashEscapes)
{
    int i, iStart = 0;
    if (z == NULL || n < 0 || memchr(z, 0, (size_t)n))
        return 1;
    sqlite3_str_appendchar(pStr, 1, '\'');
    for (i = 0; i < n; i++) {
        if (z[i] == '\'' || (z[i] == '\\' && !bNoBackslashEscapes)) {
            sqlite3_str_append(pStr, z + iStart, i + 1 - iStart);
            sqlite3_str_appendchar(pStr, 1, z[i]);
            iStart = i + 1;
        }
    }
    sqlite3_str_append(pStr, z + iStart, n - iStart);
    sqlite3_str_appendchar(pStr, 1, '\'');
    return 0;
}

/*
** Finish pStr: its text (caller frees), or NULL when bRefused or on OOM (the buffer is
** then freed).
*/
static char *sql_finish(sqlite3_str *pStr, int bRefused)
{
    char *z;
    if (pStr == NULL)
        return NULL;
    if (bRefused || sqlite3_str_errcode(pStr) != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(pStr));
        return NULL;
    }
    z = sqlite3_str_finish(pStr);
    return z;
}

/* Backtick-quoted identifier for z[0..n) (n < 0: strlen). NULL if refused or OOM. */
char *mopitr_sql_ident_n(const char *z, int n)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    if (z && n < 0)
        n = (int)strlen(z);
    return sql_finish(pStr, sql_put_ident(pStr, z, n));
}

/* Backtick-quoted identifier for the NUL-terminated z. NULL if refused or OOM. */
char *mopitr_sql_ident(const char *z)
{
    return mopitr_sql_ident_n(z, -1);
}

/* Quoted string literal for z[0..n) (n < 0: strlen). NULL if refused or OOM. */
char *mopitr_sql_string_n(const char *z, int n, int bNoBackslashEscapes)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    if (z && n < 0)
        n = (int)strlen(z);
    return sql_finish(pStr, sql_put_string(pStr, z, n, bNoBackslashEscapes));
}

/* Quoted string literal for the NUL-terminated z. NULL if refused or OOM. */
char *mopitr_sql_string(const char *z, int bNoBackslashEscapes)
{
    return mopitr_sql_string_n(z, -1, bNoBackslashEscapes);
}

/* Append " RANGE v 'u'". Returns 0, or 1 if the unit is refused. */
static int sql_put_range(sqlite3_str *pStr, sqlite3_int64 v, const char *zUnit, int bNbe)
{
    sqlite3_str_appendf(pStr, " RANGE %lld ", v);
    return sql_put_string(pStr, zUnit, zUnit ? (int)strlen(zUnit) : 0, bNbe);
}

/* Append identifier z (NUL-terminated). Returns 0, or 1 if refused. */
static int sql_put_ident_z(sqlite3_str *pStr, const char *z)
{
    return sql_put_ident(pStr, z, z ? (int)strlen(z) : 0);
}

/*
** CREATE PITR for row p in the form for p->level (see the manual above). bOwnAccount
** (or a NULL account_name) selects the own-account form for an account PITR.
** Uses p->az[MOPITR_COL_NAME], the identity columns the level needs, p->range_value and
** p->az[MOPITR_COL_RANGE_UNIT]. NULL when a needed value is missing or refused, or OOM.
*/
char *mopitr_sql_create(const mopitr_row *p, int bOwnAccount, int bNoBackslashEscapes)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int bBad = 0;

    sqlite3_str_appendall(pStr, "CREATE PITR ");
    bBad |= sql_put_ident_z(pStr, p->az[MOPITR_COL_NAME]);
    switch (p->level) {
    case MOPITR_LEVEL_CLUSTER:
        sqlite3_str_appendall(pStr, " FOR CLUSTER");
        break;
    case MOPITR_LEVEL_ACCOUNT:
        sqlite3_str_appendall(pStr, " FOR ACCOUNT");
        if (!bOwnAccount && p->az[MOPITR_COL_ACCOUNT]) {
            sqlite3_str_appendchar(pStr, 1, ' ');
            bBad |= sql_put_ident_z(pStr, p->az[MOPITR_COL_ACCOUNT]);
        }
        break;
    case MOPITR_LEVEL_DATABASE:
        sqlite3_str_appendall(pStr, " FOR DATABASE ");
        bBad |= sql_put_ident_z(pStr, p->az[MOPITR_COL_DATABASE]);
        break;
    case MOPITR_LEVEL_TABLE:
        sqlite3_str_appendall(pStr, " FOR TABLE ");
        bBad |= sql_put_ident_z(pStr, p->az[MOPITR_COL_DATABASE]);
        sqlite3_str_appendchar(pStr, 1, ' ');
        bBad |= sql_put_ident_z(pStr, p->az[MOPITR_COL_TABLE]);
        break;
    default:
        bBad = 1;
        break;
    }
    bBad |= sql_put_range(pStr, p->range_value, p->az[MOPITR_COL_RANGE_UNIT], bNoBackslashEscapes);
    return sql_finish(pStr, bBad);
}

/* ALTER PITR `zName` RANGE v 'zUnit'. NULL if a value is refused, or OOM. */
char *mopitr_sql_alter(const char *zName, sqlite3_int64 v, const char *zUnit,
                       int bNoBackslashEscapes)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int bBad;
    sqlite3_str_appendall(pStr, "ALTER PITR ");
    bBad = sql_put_ident_z(pStr, zName);
    bBad |= sql_put_range(pStr, v, zUnit, bNoBackslashEscapes);
    return sql_finish(pStr, bBad);
}

/* DROP PITR `zName`. NULL if the name is refused, or OOM. */
char *mopitr_sql_drop(const char *zName)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int bBad;
    sqlite3_str_appendall(pStr, "DROP PITR ");
    bBad = sql_put_ident_z(pStr, zName);
    return sql_finish(pStr, bBad);
}

/* Append z[0..n) as a string literal to pStr (plan.c builds WHERE clauses with it).
** Returns 0, or 1 if refused (NUL byte). */
int mopitr_sql_append_string(sqlite3_str *pStr, const char *z, int n, int bNoBackslashEscapes)
{
    return sql_put_string(pStr, z, n, bNoBackslashEscapes);
}
