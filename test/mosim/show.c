/*
** show.c: SHOW PITR [WHERE expr] (spec 2) and the raw `SELECT ... FROM mo_catalog.mo_pitr`
** and `mo_catalog.mo_account` (sys only).
**
** Usage (from engine.c / select.c): moshow_pitr(e, s, st, out); moshow_raw_pitr(...);
** moshow_raw_account(...).
**
** How it works: SHOW PITR is one SQLite query over mo_pitr filtered on create_account =
** caller and pitr_name != 'sys_mo_catalog_pitr', ordered by create_time DESC (served by
** the (create_account, create_time) index, so rows stream without a sort). Times go
** through mo_fmt_time(ns, session time_zone). With WHERE, the query becomes
**     SELECT <9 cols> FROM (<query with output-column aliases>) WHERE <translated expr>
** (spec 2.3). The WHERE AST is translated to SQLite
** text: column names are checked against the output columns (unknown ->
** 1054 "invalid input: column x does not exist"), string literals are re-quoted, LIKE goes
** through the engine's case-sensitive like(), '=' on text is binary (case-sensitive).
** Headers are upper case and the column types the same with and without WHERE (spec 2.1,
** 2.3 [Real]).
** Rows are streamed straight from sqlite3_step to the sink, never materialised (a sort
** SQLite needs for a filtered query is its own); the first step, taken before the column
** definitions go out so that its error can still be the reply, is kept, not redone.
**
** Indexes for filtered queries (the extension's COMMIT checks a batch with one
** `pitr_name IN (...) OR pitr_level IN (...) OR database_name IN (...)`): SQLite flattens
** the subquery, so pitr_name and pitr_level tests reach the raw columns (key (pitr_name,
** create_account), index mo_pitr_by_level). database_name is shown through a CASE ('' ->
** '*'), so `database_name = 'lit'` / `IN ('lit', ...)` with only string literals other than
** '' and '*' is written on the raw column (mo_db; index mo_pitr_by_database), which selects
** exactly the same rows; anything else keeps the CASE. Without statistics SQLite would take
** `create_account = caller` for very selective and walk mo_pitr_by_creator (no sort) for
** every filter, so with WHERE that term is likelihood(..., 0.9375) and level terms get
** likelihood(..., 0.01) (below names and databases, see emit); these are planner hints, the
** values are unchanged. Matching rows are then sorted by create_time DESC, rowid DESC, the
** order of the index walk (ties included). A filter with any unindexable OR branch still
** walks mo_pitr_by_creator in order. Semantics are pinned by tests/show_where.sh.
*/
#include <stdio.h>
#include <string.h>

#include "engine.h"

typedef struct colmap {
    const char *name; /* lower-case name usable in WHERE / select lists */
    const char *sql;  /* SQLite expression */
} colmap;

static const colmap show_cols[] = {
    {"pitr_name", "\"pitr_name\""},         {"created_time", "\"created_time\""},
    {"modified_time", "\"modified_time\""}, {"pitr_level", "\"pitr_level\""},
    {"account_name", "\"account_name\""},   {"database_name", "\"database_name\""},
    {"table_name", "\"table_name\""},       {"pitr_length", "\"pitr_length\""},
    {"pitr_unit", "\"pitr_unit\""},         {NULL, NULL}};

static const colmap raw_cols[] = {
    {"pitr_id", "pitr_id"},
    {"pitr_name", "pitr_name"},
    {"create_account", "create_account"},
    {"create_time", "create_time"},
    {"modified_time", "modified_time"},
    {"level", "level"},
    {"account_id", "account_id"},
    {"account_name", "account_name"},
    {"database_name", "database_name"},
    {"table_name", "table_name"},
    {"obj_id", "(CASE obj_id WHEN -1 THEN '" MO_CLUSTER_OBJ_TXT "' ELSE obj_id END)"},
    {"pitr_length", "pitr_length"},
    {"pitr_unit", "pitr_unit"},
    {"pitr_status", "pitr_status"},
    {"pitr_status_changed_time", "pitr_status_changed_time"},
    {"kind", "kind"},
    {NULL, NULL}};

/* Wire types of the raw columns, same order as raw_cols. */
static const mosim_col raw_defs[] = {
    {"pitr_id", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 144, 0, 0},
    {"pitr_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 20000, 0, 0},
    {"create_account", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20,
     MOSIM_FLAG_UNSIGNED | MOSIM_FLAG_BINARY, 0},
    {"create_time", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20, MOSIM_FLAG_BINARY, 0},
    {"modified_time", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20, MOSIM_FLAG_BINARY, 0},
    {"level", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 40, 0, 0},
    {"account_id", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20,
     MOSIM_FLAG_UNSIGNED | MOSIM_FLAG_BINARY, 0},
    {"account_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 1200, 0, 0},
    {"database_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 20000, 0, 0},
    {"table_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 20000, 0, 0},
    {"obj_id", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20,
     MOSIM_FLAG_UNSIGNED | MOSIM_FLAG_BINARY, 0},
    {"pitr_length", MOSIM_TYPE_TINY, MOSIM_CHARSET_BINARY, 3,
     MOSIM_FLAG_UNSIGNED | MOSIM_FLAG_BINARY, 0},
    {"pitr_unit", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 40, 0, 0},
    {"pitr_status", MOSIM_TYPE_TINY, MOSIM_CHARSET_BINARY, 3,
     MOSIM_FLAG_UNSIGNED | MOSIM_FLAG_BINARY, 0},
    {"pitr_status_changed_time", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20, MOSIM_FLAG_BINARY,
     0},
    {"kind", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 128, 0, 0}};

/* Wire types of SHOW PITR's columns, with and without WHERE, as a real MatrixOne sends them
** (spec 2.1 [Real]): PITR_NAME VAR_STRING NOT NULL (and PRI_KEY), the times DATETIME,
** PITR_LEVEL VAR_STRING NOT NULL, the names and the unit VAR_STRING nullable, PITR_LENGTH
** TINY UNSIGNED; lengths and charsets as observed there. */
static const mosim_col show_defs[] = {
    {"pitr_name", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 20000,
     MOSIM_FLAG_NOT_NULL | MOSIM_FLAG_PRI_KEY, 0},
    {"created_time", MOSIM_TYPE_DATETIME, MOSIM_CHARSET_BINARY, 64, 0, 0},
    {"modified_time", MOSIM_TYPE_DATETIME, MOSIM_CHARSET_BINARY, 64, 0, 0},
    {"pitr_level", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 40, MOSIM_FLAG_NOT_NULL, 0},
    {"account_name", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 1200, 0, 0},
    {"database_name", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 20000, 0, 0},
    {"table_name", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 20000, 0, 0},
    {"pitr_length", MOSIM_TYPE_TINY, MOSIM_CHARSET_BINARY, 8, MOSIM_FLAG_UNSIGNED, 0},
    {"pitr_unit", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 40, 0, 0}};

/* Functions the WHERE translation accepts (name, SQLite name, arg count or -1). */
static const struct {
    const char *name, *sql;
    int nargs;
} funcs[] = {{"cast_range_value_unit", "cast_range_value_unit", 2},
             {"lower", "lower", 1},
             {"lcase", "lower", 1},
             {"upper", "upper", 1},
             {"ucase", "upper", 1},
             {"length", "length", 1},
             {"char_length", "length", 1},
             {"ifnull", "ifnull", 2},
             {"coalesce", "coalesce", -1},
             {"abs", "abs", 1},
             {"count", "count", -1},
             {NULL, NULL, 0}};

typedef struct xl {
    sqlite3_str *out;
    const colmap *cols;
    char bad[300]; /* first error: message */
    uint16_t code;
    int in_level; /* emitting the term inside a level hint (see emit) */
} xl;

/* Is e a string literal that the raw database_name can be compared with in place of the
** shown one? The shown value is the raw one except '' -> '*', so any literal but '' and
** '*' matches the same rows. Non-strings are refused: the raw column has TEXT affinity
** (5 would match '5'), the shown CASE expression has none. Returns 1 or 0. */
static int raw_db_literal(const mo_expr *e)
{
    return e && e->op == E_STR && e->s[0] && strcmp(e->s, "*") != 0;
}

/* Is e the column database_name of SHOW PITR? Returns 1 or 0. */
static int is_show_db(const xl *x, const mo_expr *e)
{
    return x->cols == show_cols && e && e->op == E_COL && strcmp(e->s, "database_name") == 0;
}

/* If e is `database_name = 'lit'` (either side) or `database_name IN ('lit', ...)` over
** SHOW PITR's columns with only literals raw_db_literal accepts, write it as the same test
** on the raw column (mo_db, which the mo_pitr_by_database index serves) and return 1;
** else write nothing and return 0. Exactly equivalent; see raw_db_literal. */
static int emit_raw_db(xl *x, const mo_expr *e)
{
    int k;
    if (e->op == E_CMP && strcmp(e->s, "=") == 0) {
        const mo_expr *lit = is_show_db(x, e->a) ? e->b : is_show_db(x, e->b) ? e->a : NULL;
        if (!raw_db_literal(lit))
            return 0;
        sqlite3_str_appendf(x->out, "(mo_db = %Q)", lit->s);
        return 1;
    }
    if (e->op != E_IN || e->i || !is_show_db(x, e->a))
        return 0;
    for (k = 0; k < e->nlist; k++)
        if (!raw_db_literal(e->list[k]))
            return 0;
    sqlite3_str_appendall(x->out, "(mo_db IN (");
    for (k = 0; k < e->nlist; k++)
        sqlite3_str_appendf(x->out, "%s%Q", k ? ", " : "", e->list[k]->s);
    sqlite3_str_appendall(x->out, "))");
    return 1;
}

/* Is e `pitr_level = 'lit'` (either side) or `pitr_level IN ('lit', ...)` over SHOW PITR's
** columns (served by the mo_pitr_by_level index)? Returns 1 or 0. */
static int is_level_term(const xl *x, const mo_expr *e)
{
    const mo_expr *col = NULL, *lit = NULL;
    int k;
    if (x->cols != show_cols)
        return 0;
    if (e->op == E_CMP && strcmp(e->s, "=") == 0) {
        col = e->a->op == E_COL ? e->a : e->b;
        lit = col == e->a ? e->b : e->a;
    } else if (e->op == E_IN && !e->i) {
        col = e->a;
        for (k = 0; k < e->nlist; k++)
            if (e->list[k]->op != E_STR)
                return 0;
    } else {
        return 0;
    }
    if (col->op != E_COL || strcmp(col->s, "pitr_level") != 0)
        return 0;
    return !lit || lit->op == E_STR;
}

/* Translate e into x->out; sets x->bad on an unknown column / function. */
static void emit(xl *x, const mo_expr *e)
{
    int k;
    if (x->bad[0] || emit_raw_db(x, e))
        return;
    if (is_level_term(x, e) && !x->in_level) {
        /* A hint only (likelihood(X, p) is X): without statistics SQLite takes one level
        ** for as selective as one database name and, for `database_name = 'd' AND
        ** pitr_level = 'database'`, would walk every database-level PITR in order rather
        ** than sort the few of 'd'. Saying a level is 1% keeps level terms indexed (alone,
        ** and in ORs of indexable terms) but below names and databases. */
        x->in_level = 1;
        sqlite3_str_appendall(x->out, "likelihood(");
        emit(x, e);
        sqlite3_str_appendall(x->out, ", 0.01)");
        x->in_level = 0;
        return;
    }
    switch (e->op) {
    case E_COL:
        for (k = 0; x->cols[k].name; k++)
            if (strcmp(x->cols[k].name, e->s) == 0)
                break;
        if (!x->cols[k].name) {
            x->code = MO_ER_BAD_FIELD;
            snprintf(x->bad, sizeof(x->bad), "invalid input: column %s does not exist", e->s);
            return;
        }
        sqlite3_str_appendall(x->out, x->cols[k].sql);
        break;
    case E_STR:
        sqlite3_str_appendf(x->out, "%Q", e->s);
        break;
    case E_INT:
    case E_NUM:
        sqlite3_str_appendall(x->out, e->s);
        break;
    case E_NULL:
    case E_VAR:
        sqlite3_str_appendall(x->out, "NULL");
        break;
    case E_AND:
    case E_OR:
        sqlite3_str_appendall(x->out, "(");
        emit(x, e->a);
        sqlite3_str_appendall(x->out, e->op == E_AND ? " AND " : " OR ");
        emit(x, e->b);
        sqlite3_str_appendall(x->out, ")");
        break;
    case E_NOT:
    case E_NEG:
        sqlite3_str_appendall(x->out, e->op == E_NOT ? "(NOT " : "(-");
        emit(x, e->a);
        sqlite3_str_appendall(x->out, ")");
        break;
    case E_CMP:
    case E_ARITH:
        sqlite3_str_appendall(x->out, "(");
        if (e->op == E_ARITH && strcmp(e->s, "/") == 0)
            sqlite3_str_appendall(x->out, "1.0 * ");
        emit(x, e->a);
        sqlite3_str_appendf(x->out, " %s ", strcmp(e->s, "<=>") == 0 ? "IS" : e->s);
        emit(x, e->b);
        sqlite3_str_appendall(x->out, ")");
        break;
    case E_IN:
        sqlite3_str_appendall(x->out, "(");
        emit(x, e->a);
        sqlite3_str_appendall(x->out, e->i ? " NOT IN (" : " IN (");
        for (k = 0; k < e->nlist; k++) {
            if (k)
                sqlite3_str_appendall(x->out, ", ");
            emit(x, e->list[k]);
        }
        sqlite3_str_appendall(x->out, "))");
        break;
    case E_LIKE:
        sqlite3_str_appendall(x->out, e->i ? "(NOT like(" : "(like(");
        emit(x, e->b);
        sqlite3_str_appendall(x->out, ", ");
        emit(x, e->a);
        if (e->nlist) {
            sqlite3_str_appendall(x->out, ", ");
            emit(x, e->list[0]);
        }
        sqlite3_str_appendall(x->out, "))");
        break;
    case E_ISNULL:
        sqlite3_str_appendall(x->out, "(");
        emit(x, e->a);
        sqlite3_str_appendall(x->out, e->i ? " IS NOT NULL)" : " IS NULL)");
        break;
    case E_FUNC:
        for (k = 0; funcs[k].name; k++)
            if (strcmp(funcs[k].name, e->s) == 0)
                break;
        if (!funcs[k].name || (funcs[k].nargs >= 0 && funcs[k].nargs != e->nlist)) {
            x->code = MO_ER_INTERNAL;
            snprintf(x->bad, sizeof(x->bad),
                     "internal error: function %s is not supported by mosim", e->s);
            return;
        }
        sqlite3_str_appendf(x->out, "%s(", funcs[k].sql);
        if (e->i)
            sqlite3_str_appendall(x->out, "*");
        for (int j = 0; j < e->nlist; j++) {
            if (j)
                sqlite3_str_appendall(x->out, ", ");
            emit(x, e->list[j]);
        }
        sqlite3_str_appendall(x->out, ")");
        break;
    default:
        x->code = MO_ER_INTERNAL;
        snprintf(x->bad, sizeof(x->bad), "internal error: unsupported expression");
    }
}

/* Stream stmt's rows then done (or ERR) to out; rc is the result of the step already taken
** (SQLITE_ROW: its row is sent first). The columns must already be out. Finalizes stmt. */
static void stream_rows(sqlite3_stmt *stmt, int rc, int ncol, const mosim_sink *out)
{
    const char *vals[64];
    size_t lens[64];
    int i;
    for (; rc == SQLITE_ROW; rc = sqlite3_step(stmt)) {
        for (i = 0; i < ncol && i < 64; i++) {
            vals[i] = (const char *)sqlite3_column_text(stmt, i);
            lens[i] = (size_t)sqlite3_column_bytes(stmt, i);
        }
        if (out->row(out->ctx, ncol, vals, lens))
            goto out;
    }
    if (rc != SQLITE_DONE)
        mo_ierr(out, "%s", sqlite3_errmsg(sqlite3_db_handle(stmt)));
    else
        out->done(out->ctx);
out:
    sqlite3_finalize(stmt);
}

/* See engine.h. Sends columns must already be out; streams rows then done. */
void moshow_stream(sqlite3_stmt *stmt, int ncol, const mosim_sink *out)
{
    stream_rows(stmt, sqlite3_step(stmt), ncol, out);
}

/* Prepare sql and take its first step, so that an error there can still be sent as the
** reply (nothing was sent yet): on error send it and return NULL. Else return the statement
** (the caller finalizes it, or hands it with *prc to stream_rows) with *prc = SQLITE_ROW
** (the first row is ready) or SQLITE_DONE. The first step is kept, not redone: for a
** sorted query it is all the work. */
static sqlite3_stmt *prepare_checked(mosim_engine *e, const char *sql, int *prc,
                                     const mosim_sink *out)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK) {
        mo_dberr(e, out);
        return NULL;
    }
    *prc = sqlite3_step(st);
    if (*prc != SQLITE_ROW && *prc != SQLITE_DONE) {
        mo_ierr(out, "%s", sqlite3_errmsg(e->db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

/* See engine.h. */
void moshow_pitr(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    static const char *const upper[] = {"PITR_NAME",  "CREATED_TIME", "MODIFIED_TIME",
                                        "PITR_LEVEL", "ACCOUNT_NAME", "DATABASE_NAME",
                                        "TABLE_NAME", "PITR_LENGTH",  "PITR_UNIT"};
    mosim_col cols[9];
    sqlite3_str *q = sqlite3_str_new(e->db);
    sqlite3_stmt *stmt = NULL;
    char *sql = NULL;
    const char *tz = s->time_zone[0] ? s->time_zone : "SYSTEM";
    int i, rc = SQLITE_DONE;
    xl x;
    sqlite3_str_appendf(q,
                        "SELECT pitr_name AS \"pitr_name\","
                        " mo_fmt_time(create_time, %Q) AS \"created_time\","
                        " mo_fmt_time(modified_time, %Q) AS \"modified_time\","
                        " level AS \"pitr_level\","
                        " CASE account_name WHEN '' THEN '*' ELSE account_name END AS "
                        "\"account_name\","
                        " CASE database_name WHEN '' THEN '*' ELSE database_name END AS "
                        "\"database_name\","
                        " CASE table_name WHEN '' THEN '*' ELSE table_name END AS \"table_name\","
                        " pitr_length AS \"pitr_length\", pitr_unit AS \"pitr_unit\","
                        " create_time AS mo_ct",
                        tz, tz);
    if (!st->where)
        sqlite3_str_appendf(q, " FROM mo_pitr WHERE create_account = %lld",
                            (long long)s->account_id);
    else
        sqlite3_str_appendf(q,
                            ", database_name AS mo_db, rowid AS mo_rid FROM mo_pitr"
                            " WHERE likelihood(create_account = %lld, 0.9375)",
                            (long long)s->account_id);
    sqlite3_str_appendall(q, " AND pitr_name != 'sys_mo_catalog_pitr'");
    if (st->where) {
        char *inner = sqlite3_str_finish(q);
        q = sqlite3_str_new(e->db);
        sqlite3_str_appendf(q,
                            "SELECT \"pitr_name\", \"created_time\", \"modified_time\","
                            " \"pitr_level\", \"account_name\", \"database_name\", \"table_name\","
                            " \"pitr_length\", \"pitr_unit\" FROM (%s) WHERE ",
                            inner ? inner : "");
        sqlite3_free(inner);
        memset(&x, 0, sizeof(x));
        x.out = q;
        x.cols = show_cols;
        emit(&x, st->where);
        if (x.bad[0]) {
            mo_err(out, x.code, "%s", x.bad);
            goto out;
        }
    }
    sqlite3_str_appendall(q,
                          st->where ? " ORDER BY mo_ct DESC, mo_rid DESC" : " ORDER BY mo_ct DESC");
    sql = sqlite3_str_finish(q);
    q = NULL;
    if (!sql) {
        mo_ierr(out, "out of memory");
        goto out;
    }
    stmt = prepare_checked(e, sql, &rc, out);
    if (!stmt)
        goto out;
    for (i = 0; i < 9; i++) {
        cols[i] = show_defs[i];
        cols[i].name = upper[i];
    }
    if (out->columns(out->ctx, 9, cols) == 0)
        stream_rows(stmt, rc, 9, out);
    else
        sqlite3_finalize(stmt);
    stmt = NULL;
out:
    sqlite3_free(sqlite3_str_finish(q));
    sqlite3_free(sql);
    sqlite3_finalize(stmt);
}

/* The columns mosim keeps of mo_catalog.mo_account (a real MatrixOne has a few more:
** version, suspended_time, create_version). */
static const colmap account_cols[] = {{"account_id", "account_id"},
                                      {"account_name", "account_name"},
                                      {"admin_name", "admin_name"},
                                      {"status", "status"},
                                      {"created_time", "created_time"},
                                      {"comments", "comments"},
                                      {NULL, NULL}};
static const mosim_col account_defs[] = {
    {"account_id", MOSIM_TYPE_LONG, MOSIM_CHARSET_BINARY, 11, MOSIM_FLAG_BINARY, 0},
    {"account_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 1200, 0, 0},
    {"admin_name", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 1200, 0, 0},
    {"status", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 1200, 0, 0},
    {"created_time", MOSIM_TYPE_DATETIME, MOSIM_CHARSET_BINARY, 64, 0, 0},
    {"comments", MOSIM_TYPE_VARCHAR, MOSIM_CHARSET_UTF8MB4, 1024, 0, 0}};

/* SELECT items FROM <zFrom> [WHERE] [LIMIT] over the columns cols (wire types defs), for a
** sys session only (zTable names the table in the error of others). */
static void raw_select(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out,
                       const char *zTable, const char *zFrom, const colmap *cmap,
                       const mosim_col *cdefs)
{
    mosim_col cols[64];
    int ncol = 0, i, k, rc = SQLITE_DONE;
    sqlite3_str *q = NULL;
    sqlite3_stmt *stmt = NULL;
    char *sql = NULL;
    xl x;
    if (s->account_id != 0) {
        /* what a real MatrixOne answers another account (issue 12 check-server run) */
        mo_err(out, MO_ER_NO_TABLE, "SQL parser error: table \"%s\" does not exist", zTable);
        return;
    }
    q = sqlite3_str_new(e->db);
    memset(&x, 0, sizeof(x));
    x.out = q;
    x.cols = cmap;
    sqlite3_str_appendall(q, "SELECT ");
    for (i = 0; i < st->nitems && ncol < 64; i++) {
        mo_expr *it = st->items[i];
        if (it->op == E_COL && strcmp(it->s, "*") == 0) {
            for (k = 0; cmap[k].name && ncol < 64; k++) {
                sqlite3_str_appendf(q, "%s%s", ncol ? ", " : "", cmap[k].sql);
                cols[ncol++] = cdefs[k];
            }
            continue;
        }
        if (ncol)
            sqlite3_str_appendall(q, ", ");
        emit(&x, it);
        cols[ncol] = cdefs[0];
        if (it->op == E_COL) {
            for (k = 0; cmap[k].name; k++)
                if (strcmp(cmap[k].name, it->s) == 0)
                    cols[ncol] = cdefs[k];
        } else if (it->op == E_FUNC && strcmp(it->s, "count") == 0) {
            cols[ncol] = raw_defs[3]; /* BIGINT, as create_time */
        }
        cols[ncol].name = st->aliases[i] ? st->aliases[i] : st->texts[i];
        ncol++;
    }
    sqlite3_str_appendf(q, " FROM %s", zFrom);
    if (st->where) {
        sqlite3_str_appendall(q, " WHERE ");
        emit(&x, st->where);
    }
    if (x.bad[0]) {
        mo_err(out, x.code, "%s", x.bad);
        goto out;
    }
    if (st->limit >= 0)
        sqlite3_str_appendf(q, " LIMIT %lld", (long long)st->limit);
    sql = sqlite3_str_finish(q);
    q = NULL;
    if (!sql) {
        mo_ierr(out, "out of memory");
        goto out;
    }
    stmt = prepare_checked(e, sql, &rc, out);
    if (!stmt)
        goto out;
    if (out->columns(out->ctx, ncol, cols) == 0)
        stream_rows(stmt, rc, ncol, out);
    else
        sqlite3_finalize(stmt);
    stmt = NULL;
out:
    sqlite3_free(sqlite3_str_finish(q));
    sqlite3_free(sql);
    sqlite3_finalize(stmt);
}

/* See engine.h: SELECT items FROM mo_catalog.mo_pitr [WHERE] [LIMIT] (sys only). */
void moshow_raw_pitr(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    raw_select(e, s, st, out, "mo_pitr", "mo_pitr", raw_cols, raw_defs);
}

/* See engine.h: SELECT items FROM mo_catalog.mo_account [WHERE] [LIMIT] (sys only). */
void moshow_raw_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *tz = s->time_zone[0] ? s->time_zone : "SYSTEM";
    char *from = sqlite3_mprintf("(SELECT account_id, account_name, admin_name, 'open' AS status,"
                                 " mo_fmt_time(created_time * 1000000000, %Q) AS created_time,"
                                 " '' AS comments FROM mo_account)",
                                 tz);
    if (!from) {
        mo_ierr(out, "out of memory");
        return;
    }
    raw_select(e, s, st, out, "mo_account", from, account_cols, account_defs);
    sqlite3_free(from);
}
