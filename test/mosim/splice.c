/*
** splice.c: how MatrixOne's frontend splices names into its internal SQL, emulated.
**
** MatrixOne checks and stores PITRs by building SQL text with fmt.Sprintf, the names put
** between quotes unescaped: `... where pitr_name = "<name>" ...` (the existence check),
** `... account_name = "<acc>" ...` (the account look-up), `insert into mo_catalog.mo_pitr(...)
** values ('<id>', '<name>', ..., '<account>', '<database>', '<table>', ...)`. Its own SQL
** lexer then applies MySQL string escapes to them (spec 1.1 [Real]): `x\y` is stored as
** `xy`, `x\ny` with a newline, `x\\y` as `x\y`, and a name whose backslash eats the closing
** quote breaks the statement: errno 1105, no `internal error:` prefix, MatrixOne's syntax
** error text with the line, column and rest of the *internal* statement.
**
** Usage:
**     mo_isql q;
**     moisql_init(&q);
**     moisql_text(&q, "select pitr_id from mo_catalog.mo_pitr where pitr_name = ");
**     moisql_name(&q, '"', name);
**     moisql_text(&q, " and create_account = %llu order by pitr_id;", id);
**     if (moisql_check(&q, out) == 0) use q.val[0] (the name as MatrixOne reads it);
**     moisql_free(&q);
**
** How it works: the statement is built as MatrixOne builds it, remembering where each
** spliced literal opens and where it was meant to close; then mosim's own lexer (the
** MySQL escape and quote-doubling rules MatrixOne's scanner has) reads it. A literal that
** is one string token ending at its intended quote gives the decoded value. Otherwise the
** parser would fail: at that token when it is unterminated (it runs to the end), else at
** the token after the string that ended too early; the error names that token's position
** (molex_pos, MatrixOne's column rule) and the text from the end of the token before it.
** The values inside a broken statement (ids, times) are mosim's, so only the form of such
** a message matches a real server. A name without a backslash and without the quote it
** is put in reads back as itself, so when every literal is such a name the lexer is not
** run (CREATE PITR stays as fast as before).
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* See engine.h. */
void moisql_init(mo_isql *q)
{
    memset(q, 0, sizeof(*q));
    q->s = sqlite3_str_new(NULL);
}

/* See engine.h. */
void moisql_text(mo_isql *q, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqlite3_str_vappendf(q->s, fmt, ap);
    va_end(ap);
}

/* See engine.h. */
void moisql_name(mo_isql *q, char quote, const char *name)
{
    if (q->nlit >= MO_ISQL_MAX) {
        q->overflow = 1;
        return;
    }
    if (strchr(name, '\\') || strchr(name, quote))
        q->special = 1;
    q->plain[q->nlit] = name;
    q->open[q->nlit] = (size_t)sqlite3_str_length(q->s);
    sqlite3_str_appendchar(q->s, 1, quote);
    sqlite3_str_appendall(q->s, name);
    q->close[q->nlit] = (size_t)sqlite3_str_length(q->s);
    sqlite3_str_appendchar(q->s, 1, quote);
    q->nlit++;
}

/* Send MatrixOne's 1105 syntax error for the internal statement lx at token ej. */
static void internal_syntax_error(const mo_lex *lx, int ej, const mosim_sink *out)
{
    size_t from = ej > 0 ? lx->t[ej - 1].end : 0, n = lx->len - from;
    int line, col;
    if (n > 1024)
        n = 1024;
    molex_pos(lx, lx->t[ej].end, &line, &col);
    mo_err(out, MO_ER_UNKNOWN,
           "You have an error in your SQL syntax; check the manual that corresponds to your "
           "MatrixOne server version for the right syntax to use. syntax error at line %d column "
           "%d near \"%.*s\";",
           line, col, (int)n, lx->sql + from);
}

/* See engine.h. */
int moisql_check(mo_isql *q, const mosim_sink *out)
{
    mo_lex lx = {0};
    const char *sql;
    int rc = -1, k, j = 0;
    if (q->overflow || sqlite3_str_errcode(q->s) != SQLITE_OK) {
        mo_ierr(out, "out of memory");
        return -1;
    }
    if (!q->special) { /* every literal reads back as the name put in */
        for (k = 0; k < q->nlit; k++) {
            q->val[k] = strdup(q->plain[k]);
            if (!q->val[k]) {
                mo_ierr(out, "out of memory");
                return -1;
            }
        }
        return 0;
    }
    sql = sqlite3_str_value(q->s);
    if (molex_run(&lx, sql ? sql : "", (size_t)sqlite3_str_length(q->s))) {
        mo_ierr(out, "out of memory");
        goto out;
    }
    for (k = 0; k < q->nlit; k++) {
        mo_tok *t;
        while (j < lx.n - 1 && lx.t[j].off < q->open[k])
            j++;
        t = &lx.t[j];
        if (t->off != q->open[k]) {
            internal_syntax_error(&lx, j, out); /* cannot happen: an earlier literal broke */
            goto out;
        }
        if (t->type != TK_STR || t->end != q->close[k] + 1) {
            internal_syntax_error(&lx, t->type == TK_BAD || t->type == TK_EOF ? j : j + 1, out);
            goto out;
        }
        q->val[k] = malloc(t->n + 1);
        if (!q->val[k]) {
            mo_ierr(out, "out of memory");
            goto out;
        }
        memcpy(q->val[k], t->s, t->n + 1);
    }
    rc = 0;
out:
    molex_free(&lx);
    return rc;
}

/* See engine.h. */
void moisql_free(mo_isql *q)
{
    int k;
    sqlite3_free(sqlite3_str_finish(q->s));
    for (k = 0; k < MO_ISQL_MAX; k++)
        free(q->val[k]);
    memset(q, 0, sizeof(*q));
}
