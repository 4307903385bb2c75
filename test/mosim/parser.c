/*
** parser.c: recursive-descent parser for the SQL surface mosim understands.
**
** Usage:
**     mo_arena *ar = NULL; mo_perr perr;
**     mo_stmt *st = moparse(&lx, &ar, &perr);   (lx from molex_run)
**     if (!st) send ERR perr.code / perr.msg;
**     moarena_free(ar);
**
** How it works: one function per statement family; names (ident) are lower-cased as
** MatrixOne does (spec 1.1), reserved words are refused as plain identifiers. The first
** token that does not fit raises MatrixOne's parse error (spec 3.1): errno 1064,
** "syntax error at line L column C near "<rest>";" where C is the 1-based column of the
** offending token's last character and <rest> runs from the end of the previous token to
** the end of the text (at most 1024 bytes). Everything the statement holds lives in one
** arena freed at once. Expressions (SHOW PITR WHERE, SELECT, SET) are parsed by
** precedence climbing: OR < AND < NOT < predicates (cmp, IS, IN, LIKE) < + - < * / < unary.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

struct mo_arena {
    struct mo_arena *next;
    size_t used, cap;
    char data[];
};

static const char *const reserved[] = {
    "select", "from",    "where",    "table",  "database", "databases", "schema",  "create",
    "drop",   "alter",   "show",     "use",    "set",      "for",       "if",      "not",
    "exists", "in",      "is",       "like",   "and",      "or",        "null",    "as",
    "by",     "to",      "into",     "values", "insert",   "update",    "delete",  "group",
    "order",  "having",  "limit",    "union",  "default",  "key",       "primary", "index",
    "on",     "with",    "distinct", "all",    "case",     "when",      "then",    "else",
    "end",    "between", "interval", "grant",  "revoke",   "true",      "false",   "identified",
    "escape", "xor",     "div",      "mod",    NULL};

/* See engine.h. */
void moarena_free(mo_arena *a)
{
    while (a) {
        mo_arena *n = a->next;
        free(a);
        a = n;
    }
}

/* Allocate n zeroed bytes in the arena; NULL on OOM. */
void *mop_aalloc(P *p, size_t n)
{
    mo_arena *a = *p->ar;
    n = (n + 15) & ~(size_t)15;
    if (!a || a->used + n > a->cap) {
        size_t cap = n > 4000 ? n : 4000;
        mo_arena *na = malloc(sizeof(*na) + cap);
        if (!na)
            return NULL;
        na->next = a;
        na->used = 0;
        na->cap = cap;
        *p->ar = a = na;
    }
    a->used += n;
    memset(a->data + a->used - n, 0, n);
    return a->data + a->used - n;
}

/* Copy n bytes of s into the arena (NUL-terminated). */
char *mop_adup(P *p, const char *s, size_t n)
{
    char *d = mop_aalloc(p, n + 1);
    if (d)
        memcpy(d, s, n);
    return d;
}

/* Current token. */
mo_tok *mop_cur(P *p)
{
    return &p->lx->t[p->i];
}

/* Token k positions ahead (clamped to EOF). */
mo_tok *mop_ahead(P *p, int k)
{
    int j = p->i + k;
    if (j >= p->lx->n)
        j = p->lx->n - 1;
    return &p->lx->t[j];
}

/* Raise MatrixOne's syntax error at the current token (first error wins). Returns -1. */
int mop_syntax_error(P *p)
{
    mo_tok *t = mop_cur(p);
    size_t from = p->i > 0 ? p->lx->t[p->i - 1].end : 0;
    size_t n = p->lx->len - from;
    int line, col;
    if (p->failed)
        return -1;
    p->failed = 1;
    if (n > 1024)
        n = 1024;
    molex_pos(p->lx, t->end, &line, &col);
    p->err->code = MO_ER_PARSE;
    snprintf(p->err->msg, sizeof(p->err->msg),
             "SQL parser error: You have an error in your SQL syntax; check the manual that "
             "corresponds to your MatrixOne server version for the right syntax to use. syntax "
             "error at line %d column %d near \"%.*s\";",
             line, col, (int)n, p->lx->sql + from);
    return -1;
}

/* Report OOM as an internal error. Returns -1. */
int mop_oom(P *p)
{
    if (!p->failed) {
        p->failed = 1;
        p->err->code = MO_ER_INTERNAL;
        snprintf(p->err->msg, sizeof(p->err->msg), "internal error: out of memory");
    }
    return -1;
}

/* Is t the keyword w (case-insensitive, unquoted)? */
int mop_is_kw(const mo_tok *t, const char *w)
{
    return t->type == TK_ID && strcasecmp(t->s, w) == 0;
}

/* Is t the operator o? */
int mop_is_op(const mo_tok *t, const char *o)
{
    return t->type == TK_OP && strcmp(t->s, o) == 0;
}

/* Consume keyword w if present; returns 1 if consumed. */
int mop_accept_kw(P *p, const char *w)
{
    if (mop_is_kw(mop_cur(p), w)) {
        p->i++;
        return 1;
    }
    return 0;
}

/* Consume operator o if present. */
int mop_accept_op(P *p, const char *o)
{
    if (mop_is_op(mop_cur(p), o)) {
        p->i++;
        return 1;
    }
    return 0;
}

/* Require keyword w; 0 or -1 (syntax error). */
int mop_expect_kw(P *p, const char *w)
{
    return mop_accept_kw(p, w) ? 0 : mop_syntax_error(p);
}

/* Require operator o. */
int mop_expect_op(P *p, const char *o)
{
    return mop_accept_op(p, o) ? 0 : mop_syntax_error(p);
}

/* Is the word reserved (not usable as a bare identifier)? */
int mop_is_reserved(const char *s)
{
    int k;
    for (k = 0; reserved[k]; k++)
        if (strcasecmp(reserved[k], s) == 0)
            return 1;
    return 0;
}

/* Parse an identifier (plain non-reserved or `quoted`) into *out, lower-cased. */
int mop_ident(P *p, char **out)
{
    mo_tok *t = mop_cur(p);
    if ((t->type == TK_ID && !mop_is_reserved(t->s)) || t->type == TK_QID) {
        *out = mop_alower(p, t->s, t->n);
        if (!*out)
            return mop_oom(p);
        p->i++;
        return 0;
    }
    return mop_syntax_error(p);
}

/* Arena copy of s[0..n) lower-cased like Go's strings.ToLower (fold.c); NULL on OOM. */
char *mop_alower(P *p, const char *s, size_t n)
{
    size_t need = mo_lower_buf(NULL, 0, s, n);
    char *d = mop_aalloc(p, need + 1);
    if (d)
        mo_lower_buf(d, need + 1, s, n);
    return d;
}

/* Parse a string literal into *out (as typed). */
static int string(P *p, char **out)
{
    mo_tok *t = mop_cur(p);
    if (t->type != TK_STR)
        return mop_syntax_error(p);
    *out = mop_adup(p, t->s, t->n);
    if (!*out)
        return mop_oom(p);
    p->i++;
    return 0;
}

/* ident or 'string' (user names, admin names, charset names). */
static int name_or_string(P *p, char **out, int lower)
{
    mo_tok *t = mop_cur(p);
    if (t->type == TK_STR) {
        if (!lower)
            return string(p, out);
        *out = mop_alower(p, t->s, t->n);
        if (!*out)
            return mop_oom(p);
        p->i++;
        return 0;
    }
    return mop_ident(p, out);
}

/* [IF NOT EXISTS] */
static int if_not_exists(P *p, int *flag)
{
    if (mop_is_kw(mop_cur(p), "if")) {
        p->i++;
        if (mop_expect_kw(p, "not") || mop_expect_kw(p, "exists"))
            return -1;
        *flag = 1;
    }
    return 0;
}

/* [IF EXISTS] */
static int if_exists(P *p, int *flag)
{
    if (mop_is_kw(mop_cur(p), "if")) {
        p->i++;
        if (mop_expect_kw(p, "exists"))
            return -1;
        *flag = 1;
    }
    return 0;
}

/* RANGE <integral> '<unit>' */
static int range_clause(P *p, mo_stmt *st)
{
    mo_tok *t;
    if (mop_expect_kw(p, "range"))
        return -1;
    t = mop_cur(p);
    if (t->type != TK_INT)
        return mop_syntax_error(p);
    st->value = t->u;
    st->value_big = t->u > (uint64_t)INT64_MAX;
    st->value_txt = mop_adup(p, t->s, t->n);
    if (!st->value_txt)
        return mop_oom(p);
    p->i++;
    return string(p, &st->unit);
}

/* CREATE PITR ... (spec 1.2) */
static int create_pitr(P *p, mo_stmt *st)
{
    st->kind = ST_CREATE_PITR;
    if (if_not_exists(p, &st->if_not_exists) || mop_ident(p, &st->name))
        return -1;
    st->level = LV_ACCOUNT;
    if (mop_accept_kw(p, "for")) {
        if (mop_accept_kw(p, "cluster")) {
            st->level = LV_CLUSTER;
        } else if (mop_accept_kw(p, "account")) {
            if (!(mop_is_kw(mop_cur(p), "range") && mop_ahead(p, 1)->type == TK_INT) &&
                mop_ident(p, &st->acc))
                return -1;
        } else if (mop_accept_kw(p, "database")) {
            st->level = LV_DATABASE;
            if (mop_ident(p, &st->db))
                return -1;
            if (mop_accept_kw(p, "table")) {
                st->level = LV_TABLE;
                if (mop_ident(p, &st->tbl))
                    return -1;
            }
        } else if (mop_accept_kw(p, "table")) {
            st->level = LV_TABLE;
            if (mop_ident(p, &st->db) || mop_ident(p, &st->tbl))
                return -1;
        } else {
            return mop_syntax_error(p);
        }
    }
    if (range_clause(p, st))
        return -1;
    st->internal = mop_accept_kw(p, "internal");
    return 0;
}

/* ALTER PITR [IF EXISTS] name RANGE n 'u' (spec 1.3) */
static int alter_stmt(P *p, mo_stmt *st)
{
    if (mop_expect_kw(p, "pitr"))
        return -1;
    st->kind = ST_ALTER_PITR;
    if (if_exists(p, &st->if_exists) || mop_ident(p, &st->name))
        return -1;
    return range_clause(p, st);
}

/* [db.]table */
static int table_name(P *p, mo_stmt *st)
{
    if (mop_ident(p, &st->tbl))
        return -1;
    if (mop_accept_op(p, ".")) {
        st->db = st->tbl;
        st->tbl = NULL;
        if (mop_ident(p, &st->tbl))
            return -1;
    }
    return 0;
}

/* user name [@host] */
static int user_spec(P *p, mo_stmt *st)
{
    if (name_or_string(p, &st->name, 1))
        return -1;
    if (mop_cur(p)->type == TK_VAR && !mop_cur(p)->sysvar)
        p->i++;
    return 0;
}

/* Skip tokens up to the end of the statement (options mosim ignores); a bad token stops
** the skip, so the caller's end check reports it. */
static void skip_rest(P *p)
{
    while (mop_cur(p)->type != TK_EOF && mop_cur(p)->type != TK_BAD && !mop_is_op(mop_cur(p), ";"))
        p->i++;
}

/* CREATE ... */
static int create_stmt(P *p, mo_stmt *st)
{
    if (mop_accept_kw(p, "pitr"))
        return create_pitr(p, st);
    if (mop_accept_kw(p, "account")) {
        st->kind = ST_CREATE_ACCOUNT;
        if (if_not_exists(p, &st->if_not_exists) || mop_ident(p, &st->name) ||
            mop_expect_kw(p, "admin_name"))
            return -1;
        mop_accept_op(p, "=");
        if (name_or_string(p, &st->admin, 1) || mop_expect_kw(p, "identified") ||
            mop_expect_kw(p, "by") || string(p, &st->password))
            return -1;
        skip_rest(p);
        return 0;
    }
    if (mop_accept_kw(p, "user")) {
        st->kind = ST_CREATE_USER;
        if (if_not_exists(p, &st->if_not_exists) || user_spec(p, st) ||
            mop_expect_kw(p, "identified") || mop_expect_kw(p, "by") || string(p, &st->password))
            return -1;
        skip_rest(p);
        return 0;
    }
    if (mop_accept_kw(p, "database") || mop_accept_kw(p, "schema")) {
        st->kind = ST_CREATE_DB;
        if (if_not_exists(p, &st->if_not_exists) || mop_ident(p, &st->name))
            return -1;
        skip_rest(p);
        return 0;
    }
    if (mop_accept_kw(p, "table")) {
        int depth = 0;
        st->kind = ST_CREATE_TABLE;
        if (if_not_exists(p, &st->if_not_exists) || table_name(p, st) || mop_expect_op(p, "("))
            return -1;
        depth = 1;
        while (depth > 0) {
            mo_tok *t = mop_cur(p);
            if (t->type == TK_EOF || t->type == TK_BAD)
                return mop_syntax_error(p);
            if (mop_is_op(t, "("))
                depth++;
            else if (mop_is_op(t, ")"))
                depth--;
            p->i++;
        }
        skip_rest(p);
        return 0;
    }
    return mop_syntax_error(p);
}

/* DROP ... */
static int drop_stmt(P *p, mo_stmt *st)
{
    if (mop_accept_kw(p, "pitr")) {
        st->kind = ST_DROP_PITR;
        if (if_exists(p, &st->if_exists) || mop_ident(p, &st->name))
            return -1;
        st->internal = mop_accept_kw(p, "internal");
        return 0;
    }
    if (mop_accept_kw(p, "account")) {
        st->kind = ST_DROP_ACCOUNT;
        return if_exists(p, &st->if_exists) || mop_ident(p, &st->name) ? -1 : 0;
    }
    if (mop_accept_kw(p, "user")) {
        st->kind = ST_DROP_USER;
        return if_exists(p, &st->if_exists) || user_spec(p, st) ? -1 : 0;
    }
    if (mop_accept_kw(p, "database") || mop_accept_kw(p, "schema")) {
        st->kind = ST_DROP_DB;
        return if_exists(p, &st->if_exists) || mop_ident(p, &st->name) ? -1 : 0;
    }
    if (mop_accept_kw(p, "table")) {
        st->kind = ST_DROP_TABLE;
        return if_exists(p, &st->if_exists) || table_name(p, st) ? -1 : 0;
    }
    return mop_syntax_error(p);
}

/* SHOW ... */
static int show_stmt(P *p, mo_stmt *st)
{
    if (mop_accept_kw(p, "pitr")) {
        st->kind = ST_SHOW_PITR;
        if (mop_accept_kw(p, "where"))
            return mop_expr(p, &st->where);
        return 0;
    }
    if (mop_accept_kw(p, "recovery_window")) {
        st->kind = ST_SHOW_RW;
        if (mop_expect_kw(p, "for"))
            return -1;
        if (mop_accept_kw(p, "account")) {
            st->level = LV_ACCOUNT;
            if (mop_cur(p)->type != TK_EOF && !mop_is_op(mop_cur(p), ";"))
                return mop_ident(p, &st->acc);
            return 0;
        }
        if (mop_accept_kw(p, "database")) {
            st->level = LV_DATABASE;
            return mop_ident(p, &st->db);
        }
        if (mop_accept_kw(p, "table")) {
            st->level = LV_TABLE;
            return mop_ident(p, &st->db) || mop_ident(p, &st->tbl) ? -1 : 0;
        }
        return mop_syntax_error(p);
    }
    if (mop_accept_kw(p, "databases") || mop_accept_kw(p, "schemas")) {
        st->kind = ST_SHOW_DBS;
        if (mop_accept_kw(p, "like"))
            return string(p, &st->like);
        return 0;
    }
    if (mop_accept_kw(p, "full")) {
        if (!mop_is_kw(mop_cur(p), "tables"))
            return mop_syntax_error(p);
    }
    if (mop_accept_kw(p, "tables")) {
        st->kind = ST_SHOW_TABLES;
        if (mop_accept_kw(p, "from") || mop_accept_kw(p, "in")) {
            if (mop_ident(p, &st->db))
                return -1;
        }
        if (mop_accept_kw(p, "like"))
            return string(p, &st->like);
        return 0;
    }
    if (!mop_accept_kw(p, "global") && !mop_accept_kw(p, "session"))
        mop_accept_kw(p, "local");
    if (mop_accept_kw(p, "variables")) {
        st->kind = ST_SHOW_VARS;
        if (mop_accept_kw(p, "like"))
            return string(p, &st->like);
        return 0;
    }
    return mop_syntax_error(p);
}

/* RESTORE ... FROM PITR p 'ts' (spec 1.7) */
static int restore_stmt(P *p, mo_stmt *st)
{
    int is_account = 0;
    st->kind = ST_RESTORE;
    st->level = LV_ACCOUNT;
    if (mop_accept_kw(p, "cluster")) {
        st->level = LV_CLUSTER;
    } else if (mop_accept_kw(p, "table")) {
        /* only the snapshot form RESTORE TABLE db.t|acc.db.t {SNAPSHOT = s} starts so; mosim
        ** has no snapshots: its `{` is a syntax error too (spec 1.7 [Real]: `restore table
        ** db t from pitr ...` fails at t, `restore table db.t from ...` at from) */
        char *x;
        if (mop_ident(p, &x) || mop_expect_op(p, ".") || mop_ident(p, &x))
            return -1;
        if (mop_accept_op(p, ".") && mop_ident(p, &x))
            return -1;
        return mop_syntax_error(p);
    } else {
        if (mop_accept_kw(p, "account")) {
            is_account = 1;
            if (mop_ident(p, &st->acc))
                return -1;
        }
        if (mop_accept_kw(p, "database")) {
            st->level = LV_DATABASE;
            if (mop_ident(p, &st->db))
                return -1;
            if (!is_account && mop_accept_op(p, ".")) {
                /* RESTORE DATABASE db.x {SNAPSHOT = s}: the snapshot form (as above) */
                char *x;
                return mop_ident(p, &x) ? -1 : mop_syntax_error(p);
            }
            if (mop_accept_kw(p, "table")) {
                st->level = LV_TABLE;
                if (mop_ident(p, &st->tbl))
                    return -1;
            }
        }
    }
    if (mop_expect_kw(p, "from") || mop_expect_kw(p, "pitr") || mop_ident(p, &st->name) ||
        string(p, &st->ts))
        return -1;
    if (is_account && st->level == LV_ACCOUNT) {
        if (mop_accept_kw(p, "as"))
            return mop_ident(p, &st->src_acc);
        if (mop_cur(p)->type == TK_STR)
            return string(p, &st->src_acc);
        if (mop_cur(p)->type == TK_ID || mop_cur(p)->type == TK_QID) {
            if (mop_is_kw(mop_cur(p), "internal") || mop_is_reserved(mop_cur(p)->s))
                return 0;
            return mop_ident(p, &st->src_acc);
        }
    }
    return 0;
}

/* SET item[, item]... */
static int set_stmt(P *p, mo_stmt *st)
{
    st->kind = ST_SET;
    if (mop_is_kw(mop_cur(p), "transaction") || mop_is_kw(mop_cur(p), "role") ||
        (mop_is_kw(mop_cur(p), "global") && mop_is_kw(mop_ahead(p, 1), "transaction")) ||
        (mop_is_kw(mop_cur(p), "session") && mop_is_kw(mop_ahead(p, 1), "transaction"))) {
        skip_rest(p);
        return 0;
    }
    for (;;) {
        mo_set_item *items = mop_aalloc(p, sizeof(*items) * (size_t)(st->nsets + 1));
        mo_set_item *it;
        mo_tok *t = mop_cur(p);
        if (!items)
            return mop_oom(p);
        if (st->nsets)
            memcpy(items, st->sets, sizeof(*items) * (size_t)st->nsets);
        st->sets = items;
        it = &items[st->nsets++];
        if (mop_is_kw(t, "names") || mop_is_kw(t, "charset") ||
            (mop_is_kw(t, "character") && mop_is_kw(mop_ahead(p, 1), "set"))) {
            char *v;
            p->i += mop_is_kw(t, "character") ? 2 : 1;
            it->name = "names";
            if (mop_accept_kw(p, "default")) {
                v = "default";
            } else if (name_or_string(p, &v, 1)) {
                return -1;
            }
            it->val = mop_aalloc(p, sizeof(*it->val));
            if (!it->val)
                return mop_oom(p);
            it->val->op = E_STR;
            it->val->s = v;
            if (mop_accept_kw(p, "collate") && name_or_string(p, &v, 1))
                return -1;
        } else {
            if (t->type == TK_VAR) {
                char *n = t->s, *dot = strchr(n, '.');
                if (t->sysvar && dot)
                    n = dot + 1;
                it->name = mop_adup(p, n, strlen(n));
                if (!it->name)
                    return mop_oom(p);
                if (!t->sysvar) {
                    /* user variable: keep the @ so the handler can tell */
                    char *u = mop_aalloc(p, strlen(n) + 2);
                    if (!u)
                        return mop_oom(p);
                    u[0] = '@';
                    strcpy(u + 1, n);
                    it->name = u;
                }
                p->i++;
            } else {
                if (!mop_accept_kw(p, "global") && !mop_accept_kw(p, "session") &&
                    !mop_accept_kw(p, "persist"))
                    mop_accept_kw(p, "local");
                if (mop_ident(p, &it->name))
                    return -1;
            }
            if (!mop_accept_op(p, "=") && mop_expect_op(p, ":="))
                return -1;
            if (mop_accept_kw(p, "default")) {
                it->val = NULL;
            } else if (mop_is_kw(mop_cur(p), "on") || mop_is_kw(mop_cur(p), "true") ||
                       mop_is_kw(mop_cur(p), "false")) {
                it->val = mop_aalloc(p, sizeof(*it->val));
                if (!it->val)
                    return mop_oom(p);
                it->val->op = E_COL;
                it->val->s = mop_adup(p, mop_cur(p)->s, mop_cur(p)->n);
                if (!it->val->s)
                    return mop_oom(p);
                mo_lower(it->val->s);
                p->i++;
            } else if (mop_expr(p, &it->val)) {
                return -1;
            }
        }
        if (!mop_accept_op(p, ","))
            break;
    }
    return 0;
}

/* SELECT items [FROM ...] [WHERE ...] [LIMIT ...] */
static int select_stmt(P *p, mo_stmt *st)
{
    st->kind = ST_SELECT;
    st->limit = -1;
    for (;;) {
        size_t from = mop_cur(p)->off, to;
        mo_expr *e = NULL;
        char *alias = NULL, *text;
        int n = st->nitems;
        if (mop_accept_op(p, "*")) {
            e = mop_aalloc(p, sizeof(*e));
            if (!e)
                return mop_oom(p);
            e->op = E_COL;
            e->s = "*";
        } else if (mop_expr(p, &e)) {
            return -1;
        }
        to = p->lx->t[p->i - 1].end;
        if (mop_accept_kw(p, "as")) {
            if (name_or_string(p, &alias, 0))
                return -1;
        } else if (mop_cur(p)->type == TK_QID || mop_cur(p)->type == TK_STR ||
                   (mop_cur(p)->type == TK_ID && !mop_is_reserved(mop_cur(p)->s))) {
            if (name_or_string(p, &alias, 0))
                return -1;
        }
        text = mop_adup(p, p->lx->sql + from, to - from);
        {
            mo_expr **items = mop_aalloc(p, sizeof(*items) * (size_t)(n + 1));
            char **al = mop_aalloc(p, sizeof(*al) * (size_t)(n + 1));
            char **tx = mop_aalloc(p, sizeof(*tx) * (size_t)(n + 1));
            if (!items || !al || !tx || !text)
                return mop_oom(p);
            if (n) {
                memcpy(items, st->items, sizeof(*items) * (size_t)n);
                memcpy(al, st->aliases, sizeof(*al) * (size_t)n);
                memcpy(tx, st->texts, sizeof(*tx) * (size_t)n);
            }
            items[n] = e;
            al[n] = alias;
            tx[n] = text;
            st->items = items;
            st->aliases = al;
            st->texts = tx;
            st->nitems = n + 1;
        }
        if (!mop_accept_op(p, ","))
            break;
    }
    if (mop_accept_kw(p, "from")) {
        char *a = NULL, *b = NULL;
        if (mop_ident(p, &a))
            return -1;
        if (mop_accept_op(p, ".")) {
            if (mop_ident(p, &b))
                return -1;
        }
        if (!b && strcmp(a, "current_account") == 0 && mop_accept_op(p, "(")) {
            if (mop_expect_op(p, ")"))
                return -1;
            st->from = 2;
        } else if (b && strcmp(a, "mo_catalog") == 0 && strcmp(b, "mo_pitr") == 0) {
            st->from = 1;
        } else if (b && strcmp(a, "mo_catalog") == 0 && strcmp(b, "mo_account") == 0) {
            st->from = 4;
        } else {
            st->from = 3;
            st->db = b ? a : NULL;
            st->tbl = b ? b : a;
        }
        if (mop_accept_kw(p, "as")) {
            char *al;
            if (mop_ident(p, &al))
                return -1;
        } else if (mop_cur(p)->type == TK_QID ||
                   (mop_cur(p)->type == TK_ID && !mop_is_reserved(mop_cur(p)->s))) {
            char *al;
            if (mop_ident(p, &al))
                return -1;
        }
    }
    if (mop_accept_kw(p, "where") && mop_expr(p, &st->where))
        return -1;
    if (mop_accept_kw(p, "limit")) {
        if (mop_cur(p)->type != TK_INT)
            return mop_syntax_error(p);
        st->limit = (int64_t)mop_cur(p)->u;
        p->i++;
        if (mop_accept_op(p, ",")) {
            if (mop_cur(p)->type != TK_INT)
                return mop_syntax_error(p);
            st->limit = (int64_t)mop_cur(p)->u;
            p->i++;
        } else if (mop_accept_kw(p, "offset")) {
            if (mop_cur(p)->type != TK_INT)
                return mop_syntax_error(p);
            p->i++;
        }
    }
    return 0;
}

/* Dispatch on the first keyword. */
static int statement(P *p, mo_stmt *st)
{
    mo_tok *t = mop_cur(p);
    if (t->type == TK_EOF || mop_is_op(t, ";")) {
        st->kind = ST_EMPTY;
        return 0;
    }
    if (mop_accept_kw(p, "create"))
        return create_stmt(p, st);
    if (mop_accept_kw(p, "alter"))
        return alter_stmt(p, st);
    if (mop_accept_kw(p, "drop"))
        return drop_stmt(p, st);
    if (mop_accept_kw(p, "show"))
        return show_stmt(p, st);
    if (mop_accept_kw(p, "restore"))
        return restore_stmt(p, st);
    if (mop_accept_kw(p, "use")) {
        st->kind = ST_USE;
        return mop_ident(p, &st->name);
    }
    if (mop_accept_kw(p, "set"))
        return set_stmt(p, st);
    if (mop_accept_kw(p, "select"))
        return select_stmt(p, st);
    if (mop_accept_kw(p, "begin")) {
        st->kind = ST_BEGIN;
        mop_accept_kw(p, "work");
        return 0;
    }
    if (mop_accept_kw(p, "start")) {
        st->kind = ST_BEGIN;
        if (mop_expect_kw(p, "transaction"))
            return -1;
        skip_rest(p);
        return 0;
    }
    if (mop_accept_kw(p, "commit") || mop_accept_kw(p, "rollback")) {
        st->kind = mop_is_kw(t, "commit") ? ST_COMMIT : ST_ROLLBACK;
        mop_accept_kw(p, "work");
        return 0;
    }
    return mop_syntax_error(p);
}

/* See engine.h. */
mo_stmt *moparse(mo_lex *lx, mo_arena **arena, mo_perr *err)
{
    P p = {lx, 0, arena, err, 0};
    mo_stmt *st = mop_aalloc(&p, sizeof(*st));
    if (!st) {
        mop_oom(&p);
        return NULL;
    }
    if (statement(&p, st))
        return NULL;
    mop_accept_op(&p, ";");
    if (mop_cur(&p)->type != TK_EOF) {
        mop_syntax_error(&p);
        return NULL;
    }
    return st;
}
