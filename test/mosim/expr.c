/*
** expr.c: expression parser of mosim's engine (SHOW PITR WHERE, SELECT items, SET values).
**
** Usage (from parser.c): mop_expr(p, &e) parses one expression at the current token.
**
** How it works: precedence climbing, lowest first:
**     OR / ||  <  AND / &&  <  NOT / !  <  predicates (= <> != < <= > >= <=>, IS [NOT] NULL,
**     [NOT] IN (...), [NOT] LIKE x [ESCAPE c])  <  + -  <  * / % DIV MOD  <  unary - +
**     <  primary (literal, @var, @@var, (expr), column, f(args)).
** Nodes live in the statement's arena; a syntax error is raised at the first token that
** does not fit (parser.c's mop_syntax_error).
*/
#include <string.h>

#include "engine.h"

/* New node. */
static mo_expr *node(P *p, int op, mo_expr *a, mo_expr *b)
{
    mo_expr *e = mop_aalloc(p, sizeof(*e));
    if (!e) {
        mop_oom(p);
        return NULL;
    }
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

static int or_expr(P *p, mo_expr **out);

/* Slots allocated for a list of n items: 0 for none, else the power of two >= n (at least
** 4). A list is full when n equals it. */
static int list_cap(int n)
{
    int c = 4;
    if (n == 0)
        return 0;
    while (c < n)
        c *= 2;
    return c;
}

/* Parse a comma list of expressions up to ')' (consumed). */
static int expr_list(P *p, mo_expr *e)
{
    if (mop_accept_op(p, ")"))
        return 0;
    for (;;) {
        mo_expr *x, **l;
        if (or_expr(p, &x))
            return -1;
        if (e->nlist == list_cap(e->nlist)) { /* full: double (linear, not quadratic) */
            l = mop_aalloc(p, sizeof(*l) * (size_t)list_cap(e->nlist + 1));
            if (!l)
                return mop_oom(p);
            if (e->nlist)
                memcpy(l, e->list, sizeof(*l) * (size_t)e->nlist);
            e->list = l;
        }
        e->list[e->nlist++] = x;
        if (mop_accept_op(p, ")"))
            return 0;
        if (mop_expect_op(p, ","))
            return -1;
    }
}

/* primary: literal, variable, (expr), column, function call */
static int primary(P *p, mo_expr **out)
{
    mo_tok *t = mop_cur(p);
    mo_expr *e = NULL;
    if (t->type == TK_INT || t->type == TK_NUM || t->type == TK_STR) {
        e = node(p, t->type == TK_STR ? E_STR : (t->type == TK_INT ? E_INT : E_NUM), 0, 0);
        if (!e || !(e->s = mop_adup(p, t->s, t->n)))
            return mop_oom(p);
        e->i = (int)t->n;
        p->i++;
    } else if (t->type == TK_VAR) {
        e = node(p, E_VAR, 0, 0);
        if (!e || !(e->s = mop_adup(p, t->s, t->n)))
            return mop_oom(p);
        e->i = t->sysvar;
        p->i++;
    } else if (mop_is_op(t, "(")) {
        p->i++;
        if (or_expr(p, &e) || mop_expect_op(p, ")"))
            return -1;
    } else if (mop_is_kw(t, "null")) {
        e = node(p, E_NULL, 0, 0);
        if (!e)
            return -1;
        p->i++;
    } else if (mop_is_kw(t, "true") || mop_is_kw(t, "false")) {
        e = node(p, E_INT, 0, 0);
        if (!e || !(e->s = mop_adup(p, mop_is_kw(t, "true") ? "1" : "0", 1)))
            return mop_oom(p);
        p->i++;
    } else if ((t->type == TK_ID || t->type == TK_QID) && mop_is_op(mop_ahead(p, 1), "(")) {
        e = node(p, E_FUNC, 0, 0);
        if (!e || !(e->s = mop_alower(p, t->s, t->n)))
            return mop_oom(p);
        p->i += 2;
        if (mop_is_op(mop_cur(p), "*") && mop_is_op(mop_ahead(p, 1), ")")) {
            e->i = 1;
            p->i += 2;
        } else if (expr_list(p, e)) {
            return -1;
        }
    } else if ((t->type == TK_ID && !mop_is_reserved(t->s)) || t->type == TK_QID) {
        char *n;
        if (mop_ident(p, &n))
            return -1;
        while (mop_accept_op(p, ".")) {
            if (mop_ident(p, &n))
                return -1;
        }
        e = node(p, E_COL, 0, 0);
        if (!e)
            return -1;
        e->s = n;
    } else {
        return mop_syntax_error(p);
    }
    *out = e;
    return 0;
}

/* unary: -x | +x | primary */
static int unary(P *p, mo_expr **out)
{
    if (mop_accept_op(p, "-")) {
        mo_expr *a;
        if (unary(p, &a))
            return -1;
        return (*out = node(p, E_NEG, a, 0)) ? 0 : -1;
    }
    if (mop_accept_op(p, "+"))
        return unary(p, out);
    return primary(p, out);
}

/* term: unary (* / % DIV MOD unary)* */
static int term(P *p, mo_expr **out)
{
    mo_expr *a;
    if (unary(p, &a))
        return -1;
    for (;;) {
        mo_tok *t = mop_cur(p);
        const char *op = NULL;
        mo_expr *b;
        if (mop_is_op(t, "*") || mop_is_op(t, "/") || mop_is_op(t, "%"))
            op = t->s;
        else if (mop_is_kw(t, "div"))
            op = "/";
        else if (mop_is_kw(t, "mod"))
            op = "%";
        if (!op)
            break;
        p->i++;
        if (unary(p, &b) || !(a = node(p, E_ARITH, a, b)))
            return -1;
        a->s = (char *)op;
    }
    *out = a;
    return 0;
}

/* arith: term (+ - term)* */
static int arith(P *p, mo_expr **out)
{
    mo_expr *a;
    if (term(p, &a))
        return -1;
    while (mop_is_op(mop_cur(p), "+") || mop_is_op(mop_cur(p), "-")) {
        char *op = mop_cur(p)->s;
        mo_expr *b;
        p->i++;
        if (term(p, &b) || !(a = node(p, E_ARITH, a, b)))
            return -1;
        a->s = op;
    }
    *out = a;
    return 0;
}

/* predicate: arith [cmp arith | IS [NOT] NULL | [NOT] IN (...) | [NOT] LIKE arith] */
static int predicate(P *p, mo_expr **out)
{
    static const char *const cmps[] = {"=", "<>", "!=", "<", "<=", ">", ">=", "<=>", NULL};
    mo_expr *a, *b;
    int k, neg = 0;
    if (arith(p, &a))
        return -1;
    for (;;) {
        mo_tok *t = mop_cur(p);
        for (k = 0; cmps[k]; k++)
            if (mop_is_op(t, cmps[k]))
                break;
        if (cmps[k]) {
            p->i++;
            if (arith(p, &b) || !(a = node(p, E_CMP, a, b)))
                return -1;
            a->s = (char *)(strcmp(cmps[k], "!=") == 0 ? "<>" : cmps[k]);
            continue;
        }
        if (mop_is_kw(t, "is")) {
            p->i++;
            neg = mop_accept_kw(p, "not");
            if (mop_expect_kw(p, "null") || !(a = node(p, E_ISNULL, a, 0)))
                return -1;
            a->i = neg;
            continue;
        }
        neg = 0;
        if (mop_is_kw(t, "not") &&
            (mop_is_kw(mop_ahead(p, 1), "in") || mop_is_kw(mop_ahead(p, 1), "like"))) {
            neg = 1;
            p->i++;
        }
        if (mop_accept_kw(p, "in")) {
            if (mop_expect_op(p, "(") || !(a = node(p, E_IN, a, 0)))
                return -1;
            a->i = neg;
            if (expr_list(p, a))
                return -1;
            if (a->nlist == 0)
                return mop_syntax_error(p);
            continue;
        }
        if (mop_accept_kw(p, "like")) {
            mo_expr *esc = NULL;
            if (arith(p, &b))
                return -1;
            if (mop_accept_kw(p, "escape") && primary(p, &esc))
                return -1;
            if (!(a = node(p, E_LIKE, a, b)))
                return -1;
            a->i = neg;
            if (esc) {
                a->list = mop_aalloc(p, sizeof(*a->list));
                if (!a->list)
                    return mop_oom(p);
                a->list[0] = esc;
                a->nlist = 1;
            }
            continue;
        }
        break;
    }
    *out = a;
    return 0;
}

/* not_expr: NOT not_expr | ! not_expr | predicate */
static int not_expr(P *p, mo_expr **out)
{
    if (mop_accept_kw(p, "not") || mop_accept_op(p, "!")) {
        mo_expr *a;
        if (not_expr(p, &a))
            return -1;
        return (*out = node(p, E_NOT, a, 0)) ? 0 : -1;
    }
    return predicate(p, out);
}

/* and_expr: not_expr (AND not_expr)* */
static int and_expr(P *p, mo_expr **out)
{
    mo_expr *a, *b;
    if (not_expr(p, &a))
        return -1;
    while (mop_accept_kw(p, "and") || mop_accept_op(p, "&&")) {
        if (not_expr(p, &b) || !(a = node(p, E_AND, a, b)))
            return -1;
    }
    *out = a;
    return 0;
}

/* or_expr: and_expr (OR and_expr)* */
static int or_expr(P *p, mo_expr **out)
{
    mo_expr *a, *b;
    if (and_expr(p, &a))
        return -1;
    while (mop_accept_kw(p, "or") || mop_accept_op(p, "||")) {
        if (and_expr(p, &b) || !(a = node(p, E_OR, a, b)))
            return -1;
    }
    *out = a;
    return 0;
}

/* See engine.h. */
int mop_expr(P *p, mo_expr **out)
{
    return or_expr(p, out);
}
