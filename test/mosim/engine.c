/*
** engine.c: mosim's engine entry points (mosim.h): open/close, the engine lock,
** statement dispatch, the transaction rules of spec 5, login-name lookup (spec 7).
**
** Usage (by the wire half):
**     mosim_engine *e; char err[256];
**     mosim_engine_open(&e, NULL, NULL, "111", err, sizeof err);
**     mosim_engine_lookup(e, "acc01:admin", &sess, h2, &haspw, &code, msg, sizeof msg);
**     mosim_engine_exec(e, &sess, "show pitr", 9, &sink);
**     mosim_engine_close(e);
**
** How it works: every call takes e->mu, so the engine is safe to call from any number of
** connection threads; SQLite runs in one connection owned by the engine. exec lexes and
** parses the text, checks the admin role of PITR statements, applies the uncommitted-
** transaction rules (a PITR statement inside a transaction fails with 20101 "unclassified
** statement appears in uncommitted transaction" and is not run), then hands the statement
** to its module (pitr.c, show.c, restore.c, tenancy.c, select.c), recording for ROLLBACK
** what a database/table statement inside a transaction changes (undo.c). Exactly one
** answer goes to the sink per statement.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

/* See engine.h. */
void mo_err(const mosim_sink *out, uint16_t code, const char *fmt, ...)
{
    char buf[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    /* SQLSTATE HY000 but for 1054 (42S22), as a real MatrixOne sends them */
    out->err(out->ctx, code, code == MO_ER_BAD_FIELD ? "42S22" : MO_SQLSTATE, buf);
}

/* See engine.h. */
void mo_ierr(const mosim_sink *out, const char *fmt, ...)
{
    char buf[2048];
    int n = snprintf(buf, sizeof(buf), "internal error: ");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
    va_end(ap);
    out->err(out->ctx, MO_ER_INTERNAL, MO_SQLSTATE, buf);
}

/* See engine.h. */
void mo_ok(const mosim_sink *out)
{
    out->ok(out->ctx, 0, NULL);
}

/* See engine.h. */
void mo_dberr(mosim_engine *e, const mosim_sink *out)
{
    mo_ierr(out, "mosim catalog: %s", sqlite3_errmsg(e->db));
}

/* Replace the content of db with a copy of the catalog file path (opened read-only; the
** benchmark's bulk load: a catalog loaded once through the wire starts every later run).
** Returns 0, or -1 with a message in err. */
static int engine_copy_from(sqlite3 *db, const char *path, char *err, size_t nerr)
{
    sqlite3 *src = NULL;
    sqlite3_backup *b = NULL;
    int rc = sqlite3_open_v2(path, &src, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        b = sqlite3_backup_init(db, "main", src, "main");
        rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(db);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
        if (b && sqlite3_backup_finish(b) != SQLITE_OK && rc == SQLITE_OK)
            rc = sqlite3_errcode(db);
    }
    if (rc != SQLITE_OK)
        snprintf(err, nerr, "mosim: cannot copy the catalog from %s: %s", path,
                 src ? sqlite3_errstr(rc) : "out of memory");
    sqlite3_close(src);
    return rc == SQLITE_OK ? 0 : -1;
}

/* See mosim.h. */
int mosim_engine_open(mosim_engine **pp, const char *data_path, const char *copy_from,
                      const char *root_password, char *err, size_t nerr)
{
    mosim_engine *e = calloc(1, sizeof(*e));
    int rc = -1;
    *pp = NULL;
    if (!e) {
        snprintf(err, nerr, "mosim: out of memory");
        goto out;
    }
    pthread_mutex_init(&e->mu, NULL);
    if (sqlite3_open_v2(data_path ? data_path : ":memory:", &e->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK) {
        snprintf(err, nerr, "mosim: cannot open %s: %s", data_path ? data_path : ":memory:",
                 e->db ? sqlite3_errmsg(e->db) : "out of memory");
        goto out;
    }
    if (copy_from && engine_copy_from(e->db, copy_from, err, nerr))
        goto out;
    sqlite3_exec(e->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (mocat_register_functions(e->db) != SQLITE_OK) {
        snprintf(err, nerr, "mosim: cannot register functions: %s", sqlite3_errmsg(e->db));
        goto out;
    }
    if (mocat_init(e, root_password, err, nerr))
        goto out;
    *pp = e;
    e = NULL;
    rc = 0;
out:
    mosim_engine_close(e);
    return rc;
}

/* See mosim.h. */
int mosim_engine_save(mosim_engine *e, const char *path, char *err, size_t nerr)
{
    char *sql = sqlite3_mprintf("VACUUM INTO %Q", path);
    int rc = SQLITE_NOMEM;
    pthread_mutex_lock(&e->mu);
    if (sql)
        rc = sqlite3_exec(e->db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        snprintf(err, nerr, "mosim: cannot save the catalog to %s: %s", path,
                 sqlite3_errmsg(e->db));
    pthread_mutex_unlock(&e->mu);
    sqlite3_free(sql);
    return rc == SQLITE_OK ? 0 : -1;
}

/* See mosim.h. Accepts NULL. */
void mosim_engine_close(mosim_engine *e)
{
    if (!e)
        return;
    sqlite3_close(e->db);
    pthread_mutex_destroy(&e->mu);
    free(e);
}

/* See mosim.h. */
int mosim_engine_lookup(mosim_engine *e, const char *login, mosim_session *s, uint8_t h2[20],
                        int *has_password, uint16_t *code, char *msg, size_t nmsg)
{
    char name[768], acc[256], user[256], role[256] = "";
    const char *parts[3];
    size_t lens[3];
    int nparts = 0, ret = -1;
    size_t i, j = 0;
    char delim;
    sqlite3_stmt *st = NULL;

    pthread_mutex_lock(&e->mu);
    /* "?label" is a proxy label; %3A is an encoded ':' */
    for (i = 0; login[i] && login[i] != '?' && j + 1 < sizeof(name); i++) {
        if (login[i] == '%' && strncasecmp(login + i, "%3A", 3) == 0) {
            name[j++] = ':';
            i += 2;
        } else {
            name[j++] = login[i];
        }
    }
    name[j] = 0;
    delim = strchr(name, ':') ? ':' : (strchr(name, '#') ? '#' : 0);
    parts[0] = name;
    lens[0] = strlen(name);
    nparts = 1;
    if (delim) {
        char *p = name, *q;
        nparts = 0;
        while (nparts < 3) {
            q = nparts < 2 ? strchr(p, delim) : NULL;
            parts[nparts] = p;
            lens[nparts] = q ? (size_t)(q - p) : strlen(p);
            nparts++;
            if (!q)
                break;
            p = q + 1;
        }
        if (lens[0] == 0) {
            *code = MO_ER_INTERNAL;
            snprintf(msg, nmsg, "internal error: invalid tenant name ''");
            goto out;
        }
        if (nparts < 2 || lens[1] == 0) {
            *code = MO_ER_INTERNAL;
            snprintf(msg, nmsg, "internal error: invalid user name ''");
            goto out;
        }
        if (nparts == 3 && lens[2] == 0) {
            *code = MO_ER_INTERNAL;
            snprintf(msg, nmsg, "internal error: invalid role name ''");
            goto out;
        }
        mo_lower_buf(acc, sizeof(acc), parts[0], lens[0]);
        mo_lower_buf(user, sizeof(user), parts[1], lens[1]);
        if (nparts == 3)
            mo_lower_buf(role, sizeof(role), parts[2], lens[2]);
    } else {
        snprintf(acc, sizeof(acc), "sys");
        mo_lower_buf(user, sizeof(user), parts[0], lens[0]);
    }
    /* As a real MatrixOne answers (seen on a server built from source): an unknown account
    ** `there is no tenant A`, an unknown user `there is no user U`, a role that is neither
    ** the user's default role nor public `there is no role R` (20101 each; a wrong
    ** password is 1045, checked by the wire half). */
    if (mocat_account_id(e, acc) < 0) {
        *code = MO_ER_INTERNAL;
        snprintf(msg, nmsg, "internal error: there is no tenant %s", acc);
        goto out;
    }
    if (sqlite3_prepare_v2(e->db,
                           "SELECT a.account_id, u.h2, u.default_role FROM mo_account a"
                           " JOIN mo_user u ON u.account_id = a.account_id"
                           " WHERE a.account_name = ?1 AND u.user_name = ?2",
                           -1, &st, NULL) != SQLITE_OK) {
        *code = MO_ER_INTERNAL;
        snprintf(msg, nmsg, "internal error: %s", sqlite3_errmsg(e->db));
        goto out;
    }
    sqlite3_bind_text(st, 1, acc, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, user, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        *code = MO_ER_INTERNAL;
        snprintf(msg, nmsg, "internal error: there is no user %s", user);
        goto out;
    }
    {
        const char *defrole = (const char *)sqlite3_column_text(st, 2);
        int n = sqlite3_column_bytes(st, 1);
        if (role[0] && strcmp(role, defrole) != 0 && strcmp(role, "public") != 0) {
            /* assumed: an admin role of the account not granted to this user is 1045 */
            int admin_role =
                strcmp(role, strcmp(acc, "sys") == 0 ? "moadmin" : "accountadmin") == 0;
            *code = admin_role ? MO_ER_ACCESS : MO_ER_INTERNAL;
            if (admin_role)
                snprintf(msg, nmsg, "Access denied for user %s", user);
            else
                snprintf(msg, nmsg, "internal error: there is no role %s", role);
            goto out;
        }
        s->account_id = (uint64_t)sqlite3_column_int64(st, 0);
        snprintf(s->account, sizeof(s->account), "%s", acc);
        snprintf(s->user, sizeof(s->user), "%s", user);
        snprintf(s->role, sizeof(s->role), "%s", role[0] ? role : defrole);
        *has_password = n == 20;
        memset(h2, 0, 20);
        if (n == 20)
            memcpy(h2, sqlite3_column_blob(st, 1), 20);
    }
    ret = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&e->mu);
    return ret;
}

/* Statements that MatrixOne refuses inside an uncommitted transaction, with the reason
** (spec 5); NULL when allowed. CREATE/DROP DATABASE and DROP TABLE are allowed there
** (spec 7 [Real]) and undone by ROLLBACK (undo.c). */
static const char *txn_refusal(int kind)
{
    switch (kind) {
    case ST_CREATE_PITR:
    case ST_ALTER_PITR:
    case ST_DROP_PITR:
    case ST_SHOW_PITR:
    case ST_SHOW_RW:
    case ST_RESTORE:
        return "unclassified statement appears in uncommitted transaction";
    case ST_CREATE_ACCOUNT:
    case ST_DROP_ACCOUNT:
    case ST_CREATE_USER:
    case ST_DROP_USER:
        return "administrative command is unsupported in transactions";
    default:
        return NULL;
    }
}

/* Statements that need the admin role (spec 4), checked before the transaction rules: a
** real MatrixOne answers a `public` user inside BEGIN with the privilege error, not the
** transaction one, for these (and RESTORE too) [Real]. A `public` user may not list,
** create or drop databases and tables either [Real] (mosim has no GRANT, so every other
** role is a `public` one). */
static int needs_admin_role(int kind)
{
    return kind == ST_CREATE_PITR || kind == ST_ALTER_PITR || kind == ST_DROP_PITR ||
           kind == ST_SHOW_PITR || kind == ST_RESTORE || kind == ST_CREATE_DB ||
           kind == ST_DROP_DB || kind == ST_CREATE_TABLE || kind == ST_DROP_TABLE ||
           kind == ST_SHOW_DBS || kind == ST_SHOW_TABLES;
}

/* Catalog statements whose changes ROLLBACK takes back. */
static int undoable(int kind)
{
    return kind == ST_CREATE_DB || kind == ST_DROP_DB || kind == ST_CREATE_TABLE ||
           kind == ST_DROP_TABLE;
}

/* Run one parsed statement. Transactions: BEGIN opens one (committing an open one);
** with autocommit off every statement but SET, BEGIN, COMMIT and ROLLBACK opens one
** (USE too) and it stays open until COMMIT, ROLLBACK or SET autocommit=1; a PITR
** statement that opens it runs on its own and is not undone (spec 7 [Real]). */
static void dispatch(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *why;
    void *cap = NULL;
    if (needs_admin_role(st->kind) && mopitr_check_role(s, out))
        return;
    why = s->in_txn ? txn_refusal(st->kind) : NULL;
    if (why) {
        mo_ierr(out, "%s", why);
        return;
    }
    if (undoable(st->kind) && (s->in_txn || !s->autocommit))
        cap = moundo_capture(e);
    switch (st->kind) {
    case ST_EMPTY:
        mo_ok(out);
        return;
    case ST_CREATE_PITR:
        mopitr_create(e, s, st, out);
        break;
    case ST_ALTER_PITR:
        mopitr_alter(e, s, st, out);
        break;
    case ST_DROP_PITR:
        mopitr_drop(e, s, st, out);
        break;
    case ST_SHOW_PITR:
        moshow_pitr(e, s, st, out);
        break;
    case ST_SHOW_RW:
        moshow_recovery_window(e, s, st, out);
        break;
    case ST_RESTORE:
        morestore(e, s, st, out);
        break;
    case ST_CREATE_ACCOUNT:
        moten_create_account(e, s, st, out);
        break;
    case ST_DROP_ACCOUNT:
        moten_drop_account(e, s, st, out);
        break;
    case ST_CREATE_USER:
        moten_create_user(e, s, st, out);
        break;
    case ST_DROP_USER:
        moten_drop_user(e, s, st, out);
        break;
    case ST_CREATE_DB:
        moten_create_db(e, s, st, out);
        break;
    case ST_DROP_DB:
        moten_drop_db(e, s, st, out);
        break;
    case ST_USE:
        moten_use(e, s, st->name, out);
        break;
    case ST_CREATE_TABLE:
        moten_create_table(e, s, st, out);
        break;
    case ST_DROP_TABLE:
        moten_drop_table(e, s, st, out);
        break;
    case ST_SHOW_DBS:
        moten_show_dbs(e, s, st, out);
        break;
    case ST_SHOW_TABLES:
        moten_show_tables(e, s, st, out);
        break;
    case ST_SHOW_VARS:
        mosel_show_vars(e, s, st, out);
        break;
    case ST_SET:
        mosel_set(e, s, st, out);
        return;
    case ST_BEGIN:
        moundo_forget(s); /* assumed: BEGIN commits an open transaction, as in MySQL */
        s->in_txn = 1;
        mo_ok(out);
        return;
    case ST_COMMIT:
        moundo_forget(s);
        s->in_txn = 0;
        mo_ok(out);
        return;
    case ST_ROLLBACK:
        moundo_rollback(e, s);
        s->in_txn = 0;
        mo_ok(out);
        return;
    case ST_SELECT:
        mosel_select(e, s, st, out);
        break;
    default:
        mo_ierr(out, "unsupported statement");
        return;
    }
    moundo_keep(s, cap);
    if (!s->autocommit)
        s->in_txn = 1;
}

/* See mosim.h. */
void mosim_engine_end_session(mosim_engine *e, mosim_session *s)
{
    pthread_mutex_lock(&e->mu);
    moundo_rollback(e, s);
    pthread_mutex_unlock(&e->mu);
}

/* See mosim.h. */
void mosim_engine_exec(mosim_engine *e, mosim_session *s, const char *sql, size_t len,
                       const mosim_sink *out)
{
    mo_lex lx = {0};
    mo_arena *ar = NULL;
    mo_perr perr;
    mo_stmt *st;
    pthread_mutex_lock(&e->mu);
    if (molex_run(&lx, sql, len)) {
        mo_ierr(out, "out of memory");
        goto out;
    }
    st = moparse(&lx, &ar, &perr);
    if (!st) {
        mo_err(out, perr.code, "%s", perr.msg);
        goto out;
    }
    dispatch(e, s, st, out);
out:
    mocat_rollback(e); /* no-op unless a handler left a transaction open */
    moarena_free(ar);
    molex_free(&lx);
    pthread_mutex_unlock(&e->mu);
}

/* See mosim.h. */
void mosim_engine_use(mosim_engine *e, mosim_session *s, const char *db, size_t len,
                      const mosim_sink *out)
{
    char name[256];
    mo_lower_buf(name, sizeof(name), db, len);
    pthread_mutex_lock(&e->mu);
    moten_use(e, s, name, out);
    pthread_mutex_unlock(&e->mu);
}

/* See mosim.h. mosim keeps no column definitions: the answer is an empty column list. */
void mosim_engine_field_list(mosim_engine *e, mosim_session *s, const char *table, size_t len,
                             const mosim_sink *out)
{
    (void)e;
    (void)s;
    (void)table;
    (void)len;
    if (out->columns(out->ctx, 0, NULL) == 0)
        out->done(out->ctx);
}
