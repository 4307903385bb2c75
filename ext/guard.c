/*
** guard.c: does a DELETE statement have a WHERE clause? (pure; issue 13, "Guards").
**
** A DELETE on mo_pitr with no WHERE clause at all drops every PITR of the connection,
** the cluster PITR included; vtab_write.c refuses it unless the table allows it. A
** WHERE clause that happens to match every row is not refused: this module tells the
** two apart from the statement's text (sqlite3_sql), because SQLite hands a virtual
** table no constraint for terms it cannot push down (`WHERE 1`, `WHERE lower(name) =
** name`), so xBestIndex alone cannot tell them from no WHERE at all.
**
** Usage:
**     mopitr_sql_delete_has_where("DELETE FROM mo_pitr", "mo_pitr")              -> 0
**     mopitr_sql_delete_has_where("delete from main.t as x where 1", "t")        -> 1
**     mopitr_sql_delete_has_where("INSERT INTO log VALUES (1)", "mo_pitr")       -> -1
**
** How it works: a small tokenizer (blanks, -- and C comments, '...', "...", `...` and
** [...] with their doubled-quote escapes, words, single punctuation) walks the text at
** parenthesis depth 0: an optional WITH [RECURSIVE] prefix (its CTEs are in
** parentheses), then DELETE FROM [schema.]table [[AS] alias] [INDEXED BY name | NOT
** INDEXED], then the next word: WHERE -> 1; the end, ';', RETURNING, ORDER or LIMIT -> 0.
** Anything else, or a table other than zTable, is -1 (not this DELETE: for example the
** outer statement of a trigger whose body deletes). Names compare case-insensitively.
*/
#include <string.h>

#include "mo_pitr_int.h"

typedef struct guard_tok {
    const char *z; /* start of the token (a quoted one: its opening quote) */
    int n;         /* length */
    int eKind;     /* GUARD_* */
} guard_tok;

#define GUARD_END   0
#define GUARD_WORD  1 /* a keyword or bare identifier */
#define GUARD_QUOTE 2 /* "x", `x` or [x]: an identifier */
#define GUARD_STR   3 /* 'x' */
#define GUARD_PUNCT 4 /* any other single character */

/* Is c part of a bare word (SQLite's identifier characters, any non-ASCII byte)? */
static int guard_is_word(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '$' || c >= 0x80;
}

/* The token at *pz (after blanks and comments); *pz moves past it. */
static void guard_next(const char **pz, guard_tok *t)
{
    const char *z = *pz;
    for (;;) {
        while (*z == ' ' || *z == '\t' || *z == '\n' || *z == '\r' || *z == '\f' || *z == '\v')
            z++;
        if (z[0] == '-' && z[1] == '-') {
            while (*z && *z != '\n')
                z++;
        } else if (z[0] == '/' && z[1] == '*') {
            const char *zEnd = strstr(z + 2, "*/");
            z = zEnd ? zEnd + 2 : z + strlen(z);
        } else {
            break;
        }
    }
    t->z = z;
    if (*z == 0) {
        t->eKind = GUARD_END;
        t->n = 0;
    } else if (*z == '\'' || *z == '"' || *z == '`' || *z == '[') {
        char cEnd = *z == '[' ? ']' : *z;
        const char *p = z + 1;
        for (;;) {
            if (*p == 0)
                break;
            if (*p == cEnd) {
                if (cEnd != ']' && p[1] == cEnd) {
                    p += 2; /* a doubled quote */
                    continue;
                }
                p++;
                break;
            }
            p++;
        }
        t->eKind = *z == '\'' ? GUARD_STR : GUARD_QUOTE;
        t->n = (int)(p - z);
    } else if (guard_is_word((unsigned char)*z)) {
        const char *p = z;
        while (guard_is_word((unsigned char)*p))
            p++;
        t->eKind = GUARD_WORD;
        t->n = (int)(p - z);
    } else {
        t->eKind = GUARD_PUNCT;
        t->n = 1;
    }
    *pz = z + t->n;
}

/* Is t the keyword zKw (any case)? */
static int guard_is_kw(const guard_tok *t, const char *zKw)
{
    return t->eKind == GUARD_WORD && (int)strlen(zKw) == t->n &&
           sqlite3_strnicmp(t->z, zKw, t->n) == 0;
}

/* Is t the single character c? */
static int guard_is_punct(const guard_tok *t, char c)
{
    return t->eKind == GUARD_PUNCT && t->z[0] == c;
}

/* Is the identifier token t (bare or quoted) the name zName, case-insensitively? A
** doubled quote inside stands for one. */
static int guard_is_name(const guard_tok *t, const char *zName)
{
    char aBuf[256];
    int i, n = 0;
    if (t->eKind == GUARD_WORD)
        return (int)strlen(zName) == t->n && sqlite3_strnicmp(t->z, zName, t->n) == 0;
    if (t->eKind != GUARD_QUOTE || t->n < 2)
        return 0;
    for (i = 1; i < t->n - 1 && n < (int)sizeof(aBuf) - 1; i++) {
        aBuf[n++] = t->z[i];
        if (t->z[0] != '[' && t->z[i] == t->z[0])
            i++; /* the second of a doubled quote */
    }
    aBuf[n] = 0;
    return sqlite3_stricmp(aBuf, zName) == 0;
}

/* Skip a parenthesised group whose "(" is t (depth counted; strings and quoted names are
** single tokens). Returns 0 at an unbalanced end. */
static int guard_skip_group(const char **pz, guard_tok *t)
{
    int nDepth = 1;
    while (nDepth > 0) {
        guard_next(pz, t);
        if (t->eKind == GUARD_END)
            return 0;
        if (guard_is_punct(t, '('))
            nDepth++;
        else if (guard_is_punct(t, ')'))
            nDepth--;
    }
    return 1;
}

/* See the header and the manual above. */
int mopitr_sql_delete_has_where(const char *zSql, const char *zTable)
{
    const char *z = zSql;
    guard_tok t;

    if (zSql == NULL || zTable == NULL)
        return -1;
    guard_next(&z, &t);
    if (guard_is_kw(&t, "WITH")) {
        /* WITH [RECURSIVE] name [(cols)] AS [[NOT] MATERIALIZED] (select), ... DELETE */
        for (;;) {
            guard_next(&z, &t);
            if (t.eKind == GUARD_END)
                return -1;
            if (guard_is_punct(&t, '(') && !guard_skip_group(&z, &t))
                return -1;
            if (guard_is_kw(&t, "DELETE"))
                break;
        }
    }
    if (!guard_is_kw(&t, "DELETE"))
        return -1;
    guard_next(&z, &t);
    if (!guard_is_kw(&t, "FROM"))
        return -1;
    guard_next(&z, &t); /* [schema.]table */
    if (t.eKind != GUARD_WORD && t.eKind != GUARD_QUOTE)
        return -1;
    {
        guard_tok name = t;
        const char *zAfter = z;
        guard_next(&z, &t);
        if (guard_is_punct(&t, '.')) {
            guard_next(&z, &t);
            if (t.eKind != GUARD_WORD && t.eKind != GUARD_QUOTE)
                return -1;
            name = t;
            zAfter = z;
        }
        if (!guard_is_name(&name, zTable))
            return -1;
        z = zAfter;
    }
    guard_next(&z, &t);
    if (guard_is_kw(&t, "AS"))
        guard_next(&z, &t);
    if ((t.eKind == GUARD_WORD || t.eKind == GUARD_QUOTE) && !guard_is_kw(&t, "WHERE") &&
        !guard_is_kw(&t, "INDEXED") && !guard_is_kw(&t, "NOT") && !guard_is_kw(&t, "RETURNING") &&
        !guard_is_kw(&t, "ORDER") && !guard_is_kw(&t, "LIMIT"))
        guard_next(&z, &t); /* an alias */
    if (guard_is_kw(&t, "INDEXED")) {
        guard_next(&z, &t); /* BY */
        guard_next(&z, &t); /* name */
        guard_next(&z, &t);
    } else if (guard_is_kw(&t, "NOT")) {
        guard_next(&z, &t); /* INDEXED */
        guard_next(&z, &t);
    }
    if (guard_is_kw(&t, "WHERE"))
        return 1;
    if (t.eKind == GUARD_END || guard_is_punct(&t, ';') || guard_is_kw(&t, "RETURNING") ||
        guard_is_kw(&t, "ORDER") || guard_is_kw(&t, "LIMIT"))
        return 0;
    return -1;
}
