/*
** sqlite.c: the named SQLite connections of mopitr_slt.
**
** Usage:
**     slt_sqlite *s = slt_sqlite_new("/path/mo_pitr.so");   (NULL: --no-ext)
**     slt_sqlite_use(s, "other", &err);                      (`connection other`)
**     slt_sqlite_exec(s, "CREATE TABLE t(a); INSERT ...", &err, &code);
**     slt_sqlite_query(s, "SELECT a FROM t", "I", &res, &err);
**     slt_sqlite_free(s, &err);                              (end of the file)
**
** How it works: each name is its own in-memory database (sqlite3_open(":memory:")) with the
** extension loaded through sqlite3_load_extension(db, ext, "sqlite3_mopitr_init") and
** extension loading switched off again afterwards. Connections open on first use; the first
** one, opened by the first SQLite record when no `connection` came before, is `main`. A
** record's SQL may hold several statements: they run in order (sqlite3_prepare_v2 and the
** tail), each stepped to the end, and the first failure stops the record. All connections are
** closed with sqlite3_close() at the end of each file, so the extension's destructors run and
** a statement it forgot to finalize shows up as a close failure.
**
** Return values: SLT_OK, SLT_FAILED (the SQL failed or a close failed; *err says why) or
** SLT_FATAL (a connection could not be opened or the extension not loaded).
*/
#include "slt.h"

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

/* One named connection. */
typedef struct sq_conn {
    char *name;
    sqlite3 *db;
} sq_conn;

struct slt_sqlite {
    char *ext;  /* extension path, NULL for none */
    sq_conn *v; /* open connections */
    size_t n, cap;
    sq_conn *cur; /* the current connection, NULL before the first use */
};

/* Primary result code names, for `statement error [SQLITE_XXX]`. */
static const struct {
    int code;
    const char *name;
} code_names[] = {
    {SQLITE_OK, "SQLITE_OK"},
    {SQLITE_ERROR, "SQLITE_ERROR"},
    {SQLITE_INTERNAL, "SQLITE_INTERNAL"},
    {SQLITE_PERM, "SQLITE_PERM"},
    {SQLITE_ABORT, "SQLITE_ABORT"},
    {SQLITE_BUSY, "SQLITE_BUSY"},
    {SQLITE_LOCKED, "SQLITE_LOCKED"},
    {SQLITE_NOMEM, "SQLITE_NOMEM"},
    {SQLITE_READONLY, "SQLITE_READONLY"},
    {SQLITE_INTERRUPT, "SQLITE_INTERRUPT"},
    {SQLITE_IOERR, "SQLITE_IOERR"},
    {SQLITE_CORRUPT, "SQLITE_CORRUPT"},
    {SQLITE_NOTFOUND, "SQLITE_NOTFOUND"},
    {SQLITE_FULL, "SQLITE_FULL"},
    {SQLITE_CANTOPEN, "SQLITE_CANTOPEN"},
    {SQLITE_PROTOCOL, "SQLITE_PROTOCOL"},
    {SQLITE_EMPTY, "SQLITE_EMPTY"},
    {SQLITE_SCHEMA, "SQLITE_SCHEMA"},
    {SQLITE_TOOBIG, "SQLITE_TOOBIG"},
    {SQLITE_CONSTRAINT, "SQLITE_CONSTRAINT"},
    {SQLITE_MISMATCH, "SQLITE_MISMATCH"},
    {SQLITE_MISUSE, "SQLITE_MISUSE"},
    {SQLITE_NOLFS, "SQLITE_NOLFS"},
    {SQLITE_AUTH, "SQLITE_AUTH"},
    {SQLITE_FORMAT, "SQLITE_FORMAT"},
    {SQLITE_RANGE, "SQLITE_RANGE"},
    {SQLITE_NOTADB, "SQLITE_NOTADB"},
    {SQLITE_NOTICE, "SQLITE_NOTICE"},
    {SQLITE_WARNING, "SQLITE_WARNING"},
    {SQLITE_ROW, "SQLITE_ROW"},
    {SQLITE_DONE, "SQLITE_DONE"},
};

/* Name of a primary result code ("SQLITE_CONSTRAINT"), or "SQLITE_UNKNOWN". Static. */
const char *slt_sqlite_code_name(int primary)
{
    for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
        if (code_names[i].code == primary)
            return code_names[i].name;
    return "SQLITE_UNKNOWN";
}

/* True when name is a primary result code name such as "SQLITE_BUSY". */
bool slt_sqlite_code_known(const char *name)
{
    for (size_t i = 0; i < sizeof code_names / sizeof code_names[0]; i++)
        if (strcmp(code_names[i].name, name) == 0)
            return true;
    return false;
}

/* A connection set that loads ext (NULL: none) into each connection. Free with
** slt_sqlite_free(). */
slt_sqlite *slt_sqlite_new(const char *ext)
{
    slt_sqlite *s = slt_xmalloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->ext = ext ? slt_xstrdup(ext) : NULL;
    return s;
}

/* Open an in-memory database and load the extension into it. Returns the handle, or NULL
** with *err (caller frees). */
static sqlite3 *open_db(const slt_sqlite *s, const char *name, char **err)
{
    sqlite3 *db = NULL;
    char *zerr = NULL;
    int rc;

    rc = sqlite3_open(":memory:", &db);
    if (rc != SQLITE_OK) {
        *err = slt_xprintf("cannot open connection %s: %s", name,
                           db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        goto fail;
    }
    if (!s->ext)
        return db;
    sqlite3_enable_load_extension(db, 1);
    rc = sqlite3_load_extension(db, s->ext, "sqlite3_mopitr_init", &zerr);
    sqlite3_enable_load_extension(db, 0);
    if (rc != SQLITE_OK) {
        *err = slt_xprintf("cannot load extension %s into connection %s: %s", s->ext, name,
                           zerr ? zerr : sqlite3_errstr(rc));
        goto fail;
    }
    return db;
fail:
    sqlite3_free(zerr);
    sqlite3_close(db);
    return NULL;
}

/* Make the connection `name` current, opening it on first use. Returns SLT_OK, or SLT_FATAL
** with *err (caller frees). */
int slt_sqlite_use(slt_sqlite *s, const char *name, char **err)
{
    for (size_t i = 0; i < s->n; i++)
        if (strcmp(s->v[i].name, name) == 0) {
            s->cur = &s->v[i];
            return SLT_OK;
        }
    sqlite3 *db = open_db(s, name, err);
    if (!db)
        return SLT_FATAL;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4;
        s->v = slt_xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n].name = slt_xstrdup(name);
    s->v[s->n].db = db;
    s->cur = &s->v[s->n++];
    return SLT_OK;
}

/* The current connection's handle, opening `main` when none is current. NULL with *err
** when it cannot be opened. */
static sqlite3 *current(slt_sqlite *s, char **err)
{
    if (!s->cur && slt_sqlite_use(s, "main", err) != SLT_OK)
        return NULL;
    return s->cur->db;
}

/*
** Run every statement of sql on the current connection, each stepped to the end (rows are
** discarded). With types != NULL (a query) the rows of every statement that returns columns
** are added to res, and that statement must have strlen(types) columns. Returns SLT_OK, or
** SLT_FAILED with *err and *code (the primary result code), or SLT_FATAL.
*/
static int run_sql(slt_sqlite *s, const char *sql, const char *types, slt_result *res, char **err,
                   int *code)
{
    sqlite3 *db = current(s, err);
    sqlite3_stmt *st = NULL;
    const char *tail = sql;
    bool had_columns = false;
    int rc = SLT_OK, src;

    if (!db)
        return SLT_FATAL;
    while (tail && *tail) {
        src = sqlite3_prepare_v2(db, tail, -1, &st, &tail);
        if (src != SQLITE_OK)
            goto sqlfail;
        if (!st) /* only blanks or comments left */
            break;
        int ncol = sqlite3_column_count(st);
        if (types && ncol > 0) {
            had_columns = true;
            if ((size_t)ncol != strlen(types)) {
                *err = slt_xprintf("query returned %d column%s but the types '%s' name %zu", ncol,
                                   ncol == 1 ? "" : "s", types, strlen(types));
                *code = SQLITE_ERROR;
                rc = SLT_FAILED;
                goto out;
            }
        }
        while ((src = sqlite3_step(st)) == SQLITE_ROW) {
            if (!types || ncol == 0)
                continue;
            for (int c = 0; c < ncol; c++) {
                int t = sqlite3_column_type(st, c);
                enum slt_vkind k = t == SQLITE_NULL      ? SLT_V_NULL
                                   : t == SQLITE_INTEGER ? SLT_V_INT
                                   : t == SQLITE_FLOAT   ? SLT_V_REAL
                                                         : SLT_V_TEXT;
                long long iv = k == SLT_V_INT ? sqlite3_column_int64(st, c) : 0;
                double dv = k == SLT_V_REAL ? sqlite3_column_double(st, c) : 0;
                const char *tv = (const char *)sqlite3_column_text(st, c);
                size_t n = (size_t)sqlite3_column_bytes(st, c);
                slt_result_add(res, types[c], k, iv, dv, tv, n);
            }
        }
        if (src != SQLITE_DONE)
            goto sqlfail;
        sqlite3_finalize(st);
        st = NULL;
    }
    if (types && !had_columns) {
        *err = slt_xstrdup("query returned no columns (not a SELECT?)");
        *code = SQLITE_ERROR;
        rc = SLT_FAILED;
    }
    goto out;
sqlfail:
    *err = slt_xstrdup(sqlite3_errmsg(db));
    *code = src & 0xff;
    rc = SLT_FAILED;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Run the statements of sql on the current connection. Returns SLT_OK, SLT_FAILED with
** *err (caller frees) and *code (primary result code), or SLT_FATAL with *err. */
int slt_sqlite_exec(slt_sqlite *s, const char *sql, char **err, int *code)
{
    *code = SQLITE_OK;
    return run_sql(s, sql, NULL, NULL, err, code);
}

/* Run a query on the current connection and collect its rows into res, rendered for
** types. Returns SLT_OK (type mistakes are in res->type_error), SLT_FAILED with *err, or
** SLT_FATAL with *err. Caller frees *err and res. */
int slt_sqlite_query(slt_sqlite *s, const char *sql, const char *types, slt_result *res, char **err)
{
    int code = SQLITE_OK;
    res->ncols = strlen(types);
    return run_sql(s, sql, types, res, err, &code);
}

/* Close every connection and free s. Returns SLT_OK, or SLT_FAILED with *err (caller frees)
** when a connection would not close (an unfinalized statement). Accepts NULL. */
int slt_sqlite_free(slt_sqlite *s, char **err)
{
    int rc = SLT_OK;

    if (!s)
        return SLT_OK;
    for (size_t i = 0; i < s->n; i++) {
        if (sqlite3_close(s->v[i].db) != SQLITE_OK) {
            if (rc == SLT_OK)
                *err = slt_xprintf("cannot close connection %s: %s", s->v[i].name,
                                   sqlite3_errmsg(s->v[i].db));
            rc = SLT_FAILED;
            sqlite3_close_v2(s->v[i].db);
        }
        free(s->v[i].name);
    }
    free(s->v);
    free(s->ext);
    free(s);
    return rc;
}
