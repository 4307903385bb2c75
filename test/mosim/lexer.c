/*
** lexer.c: MatrixOne/MySQL-dialect tokenizer for mosim's engine.
**
** Usage:
**     mo_lex lx = {0};
**     if (molex_run(&lx, sql, len) == 0) { ... lx.t[0..lx.n) ... }
**     molex_free(&lx);
**
** How it works: one pass over the text produces an array of tokens that always ends
** with TK_EOF. Each token keeps its byte range so the parser can build MatrixOne's
** syntax error ("line L column C near ..."). Rules:
**   - identifiers [A-Za-z0-9_$] and any byte >= 0x80; keywords are identifiers, matched
**     case-insensitively by the parser;
**   - `quoted` identifiers with `` doubling; an empty one (``) is a TK_BAD token covering
**     its first backquote, so the parse error points there as MatrixOne's (spec 1.1 [Real]:
**     `create pitr `` ...` -> column 13);
**   - '..' and ".." strings with backslash escapes and quote doubling;
**   - unsigned integers (TK_INT when they fit uint64, else TK_NUM), decimals/floats TK_NUM;
**   - @var and @@[global.|session.]var;
**   - comments: / * ... * /, # to end of line, "-- " to end of line;
**   - operators: the longest of <=> <= >= <> != := || && and single characters.
** The function mosim_statement_end() (mosim.h) shares the quote/comment rules.
*/
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* Append a token; returns the new token or NULL on OOM. */
static mo_tok *push(mo_lex *lx, int type, size_t off, size_t end)
{
    mo_tok *t;
    if (lx->n == lx->cap) {
        int cap = lx->cap ? lx->cap * 2 : 32;
        mo_tok *nt = realloc(lx->t, (size_t)cap * sizeof(*nt));
        if (!nt)
            return NULL;
        lx->t = nt;
        lx->cap = cap;
    }
    t = &lx->t[lx->n++];
    memset(t, 0, sizeof(*t));
    t->type = type;
    t->off = off;
    t->end = end;
    return t;
}

/* Set t->s to a malloc'd copy of p[0..n). Returns 0 or -1 on OOM. */
static int set_text(mo_tok *t, const char *p, size_t n)
{
    t->s = malloc(n + 1);
    if (!t->s)
        return -1;
    memcpy(t->s, p, n);
    t->s[n] = 0;
    t->n = n;
    return 0;
}

/* Is c an identifier byte? */
static int id_char(unsigned char c)
{
    return isalnum(c) || c == '_' || c == '$' || c >= 0x80;
}

/*
** Skip a quoted run starting at p[i] (the opening quote q). Returns the offset just
** past the closing quote, or len when unterminated (and *bad = 1).
*/
static size_t skip_quoted(const char *p, size_t len, size_t i, char q, int *bad)
{
    i++;
    while (i < len) {
        if (p[i] == '\\' && q != '`') {
            i += 2;
            continue;
        }
        if (p[i] == q) {
            if (i + 1 < len && p[i + 1] == q) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i++;
    }
    *bad = 1;
    return len;
}

/* Skip whitespace and comments from i; returns the next significant offset. *bad set on an
** unterminated block comment. */
static size_t skip_space(const char *p, size_t len, size_t i, int *bad)
{
    while (i < len) {
        unsigned char c = (unsigned char)p[i];
        if (isspace(c)) {
            i++;
        } else if (c == '#' || (c == '-' && i + 2 <= len && p[i + 1] == '-' &&
                                (i + 2 == len || isspace((unsigned char)p[i + 2])))) {
            while (i < len && p[i] != '\n')
                i++;
        } else if (c == '/' && i + 1 < len && p[i + 1] == '*') {
            const char *e = NULL;
            size_t k;
            for (k = i + 2; k + 1 < len; k++) {
                if (p[k] == '*' && p[k + 1] == '/') {
                    e = p + k;
                    break;
                }
            }
            if (!e) {
                *bad = 1;
                return len;
            }
            i = k + 2;
        } else {
            break;
        }
    }
    return i;
}

/* Decode the body of a quoted string/identifier p[off+1 .. end-1) into t->s. */
static int decode_quoted(mo_tok *t, const char *p, size_t off, size_t end, char q)
{
    size_t i, n = 0;
    char *s = malloc(end - off + 1);
    if (!s)
        return -1;
    for (i = off + 1; i + 1 < end; i++) {
        char c = p[i];
        if (c == '\\' && q != '`' && i + 2 < end) {
            char d = p[++i];
            switch (d) {
            case 'n':
                s[n++] = '\n';
                break;
            case 't':
                s[n++] = '\t';
                break;
            case 'r':
                s[n++] = '\r';
                break;
            case 'b':
                s[n++] = '\b';
                break;
            case '0':
                s[n++] = '\0';
                break;
            case 'Z':
                s[n++] = 26;
                break;
            case '%':
            case '_':
                s[n++] = '\\';
                s[n++] = d;
                break;
            default:
                s[n++] = d;
                break;
            }
        } else if (c == q) {
            s[n++] = q; /* doubled quote: skip the second one */
            i++;
        } else {
            s[n++] = c;
        }
    }
    s[n] = 0;
    t->s = s;
    t->n = n;
    return 0;
}

/* Lex a number at p[i]; returns the end offset and fills the token. */
static size_t lex_number(mo_lex *lx, size_t i, int *rc)
{
    const char *p = lx->sql;
    size_t len = lx->len, st = i;
    int isint = 1;
    mo_tok *t;
    while (i < len && isdigit((unsigned char)p[i]))
        i++;
    if (i < len && p[i] == '.' && i + 1 < len && isdigit((unsigned char)p[i + 1])) {
        isint = 0;
        i++;
        while (i < len && isdigit((unsigned char)p[i]))
            i++;
    }
    if (i < len && (p[i] == 'e' || p[i] == 'E')) {
        size_t k = i + 1;
        if (k < len && (p[k] == '+' || p[k] == '-'))
            k++;
        if (k < len && isdigit((unsigned char)p[k])) {
            isint = 0;
            i = k;
            while (i < len && isdigit((unsigned char)p[i]))
                i++;
        }
    }
    if (isint && i < len && id_char((unsigned char)p[i])) {
        /* 1abc: an identifier in MySQL */
        while (i < len && id_char((unsigned char)p[i]))
            i++;
        t = push(lx, TK_ID, st, i);
        if (!t || set_text(t, p + st, i - st))
            *rc = -1;
        return i;
    }
    t = push(lx, TK_INT, st, i);
    if (!t || set_text(t, p + st, i - st)) {
        *rc = -1;
        return i;
    }
    if (isint) {
        uint64_t v = 0;
        size_t k;
        for (k = st; k < i; k++) {
            unsigned d = (unsigned)(p[k] - '0');
            if (v > (UINT64_MAX - d) / 10) {
                isint = 0;
                break;
            }
            v = v * 10 + d;
        }
        t->u = v;
    }
    if (!isint)
        t->type = TK_NUM;
    return i;
}

/* See engine.h. */
int molex_run(mo_lex *lx, const char *sql, size_t len)
{
    static const char *const ops[] = {"<=>", "<=", ">=", "<>", "!=", ":=", "||", "&&", NULL};
    const char *p = sql;
    size_t i = 0;
    int rc = 0;
    lx->sql = sql;
    lx->len = len;
    lx->n = 0;
    while (rc == 0) {
        int bad = 0;
        mo_tok *t;
        unsigned char c;
        size_t st;
        i = skip_space(p, len, i, &bad);
        if (bad) {
            if (!push(lx, TK_BAD, i, len))
                rc = -1;
            break;
        }
        if (i >= len)
            break;
        c = (unsigned char)p[i];
        st = i;
        if (c == '`' && i + 1 < len && p[i + 1] == '`' && (i + 2 >= len || p[i + 2] != '`')) {
            if (!push(lx, TK_BAD, st, st + 1)) /* empty `` identifier */
                rc = -1;
            break;
        } else if (c == '\'' || c == '"' || c == '`') {
            i = skip_quoted(p, len, i, (char)c, &bad);
            t = push(lx, bad ? TK_BAD : (c == '`' ? TK_QID : TK_STR), st, i);
            if (!t || (!bad && decode_quoted(t, p, st, i, (char)c)))
                rc = -1;
            if (bad)
                break;
        } else if (isdigit(c)) {
            i = lex_number(lx, i, &rc);
        } else if (c == '.' && i + 1 < len && isdigit((unsigned char)p[i + 1]) &&
                   (lx->n == 0 || lx->t[lx->n - 1].type == TK_OP)) {
            i++;
            while (i < len && isdigit((unsigned char)p[i]))
                i++;
            t = push(lx, TK_NUM, st, i);
            if (!t || set_text(t, p + st, i - st))
                rc = -1;
        } else if (id_char(c)) {
            while (i < len && id_char((unsigned char)p[i]))
                i++;
            t = push(lx, TK_ID, st, i);
            if (!t || set_text(t, p + st, i - st))
                rc = -1;
        } else if (c == '@') {
            int sys = (i + 1 < len && p[i + 1] == '@');
            size_t b;
            i += sys ? 2 : 1;
            b = i;
            if (i < len && (p[i] == '`' || p[i] == '\'' || p[i] == '"')) {
                i = skip_quoted(p, len, i, p[i], &bad);
                t = push(lx, bad ? TK_BAD : TK_VAR, st, i);
                if (!t || (!bad && decode_quoted(t, p, b, i, p[b])))
                    rc = -1;
            } else {
                while (i < len && (id_char((unsigned char)p[i]) || p[i] == '.'))
                    i++;
                t = push(lx, TK_VAR, st, i);
                if (!t || set_text(t, p + b, i - b))
                    rc = -1;
            }
            if (t) {
                t->sysvar = sys;
                if (t->s)
                    mo_lower(t->s);
            }
            if (bad)
                break;
        } else {
            int k;
            size_t n = 1;
            for (k = 0; ops[k]; k++) {
                size_t ol = strlen(ops[k]);
                if (i + ol <= len && memcmp(p + i, ops[k], ol) == 0) {
                    n = ol;
                    break;
                }
            }
            i += n;
            t = push(lx, TK_OP, st, i);
            if (!t || set_text(t, p + st, n))
                rc = -1;
        }
    }
    if (rc == 0 && !push(lx, TK_EOF, len, len))
        rc = -1;
    return rc;
}

/* See engine.h. */
void molex_free(mo_lex *lx)
{
    int i;
    if (!lx || !lx->t)
        return;
    for (i = 0; i < lx->n; i++)
        free(lx->t[i].s);
    free(lx->t);
    lx->t = NULL;
    lx->n = lx->cap = 0;
}

/* See engine.h. */
void molex_pos(const mo_lex *lx, size_t end, int *line, int *col)
{
    size_t i, ls = 0;
    int l = 1;
    for (i = 0; i < end && i < lx->len; i++) {
        if (lx->sql[i] == '\n') {
            l++;
            ls = i + 1;
        }
    }
    *line = l;
    *col = (int)(end - ls) + (l > 1); /* MatrixOne's Col: 0 after '\n', then ++ */
}

/* See mosim.h: offset just past the first top-level ';', or len. */
size_t mosim_statement_end(const char *sql, size_t len)
{
    size_t i = 0;
    while (i < len) {
        int bad = 0;
        char c;
        i = skip_space(sql, len, i, &bad);
        if (bad || i >= len)
            return len;
        c = sql[i];
        if (c == '\'' || c == '"' || c == '`') {
            i = skip_quoted(sql, len, i, c, &bad);
            if (bad)
                return len;
        } else if (c == ';') {
            return i + 1;
        } else {
            i++;
        }
    }
    return len;
}
