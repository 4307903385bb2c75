/*
** tenancy.c: accounts, users, databases and tables of mosim's catalog, with the PITR
** cascades of spec 6.2.
**
** Usage (from engine.c dispatch): moten_create_account(e, s, st, out) etc.
**
** How it works: each statement is one SQLite transaction over mo_account / mo_user /
** mo_database / mo_tables. CREATE ACCOUNT (sys only) adds the account and its admin user
** with default role accountadmin; CREATE USER adds a user with role public to the caller's
** account. Cascades:
**   DROP ACCOUNT  deletes the PITRs the account created, marks sys's account-level PITRs
**                 for it inactive (pitr_status 0), drops its users/databases/tables;
**   DROP DATABASE marks database-level PITRs of that database (obj_id = db id) inactive;
**   DROP TABLE    marks table-level PITRs of that table (obj_id = table id) inactive.
** System databases (mo_catalog, information_schema, ...) exist in every account.
*/
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "engine.h"

/* See engine.h. */
void moten_hash2(const char *pw, uint8_t h2[20])
{
    uint8_t h1[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(pw, strlen(pw), h1, &n, EVP_sha1(), NULL);
    EVP_Digest(h1, 20, h2, &n, EVP_sha1(), NULL);
}

/* Admin check for administrative statements (assumed: same rule as doCheckRole). */
static int need_admin(mosim_session *s, int sys_only, const mosim_sink *out)
{
    if ((sys_only && s->account_id != 0) || mopitr_check_role(s, out)) {
        if (sys_only && s->account_id != 0)
            mo_ierr(out, "do not have privilege to execute the statement");
        return -1;
    }
    return 0;
}

/* Commit and answer OK, or report the failure. */
static void finish(mosim_engine *e, int rc, const mosim_sink *out)
{
    if (rc == SQLITE_OK)
        rc = mocat_commit(e);
    if (rc == SQLITE_OK) {
        mo_ok(out);
        return;
    }
    mo_dberr(e, out);
    mocat_rollback(e);
}

/* Insert a user; empty password stores an empty hash (no password). */
static int add_user(mosim_engine *e, int64_t acc, const char *user, const char *pw,
                    const char *role)
{
    uint8_t h2[20];
    sqlite3_stmt *q = NULL;
    int rc;
    moten_hash2(pw, h2);
    rc = sqlite3_prepare_v2(e->db,
                            "INSERT INTO mo_user(account_id, user_name, h2, default_role)"
                            " VALUES(?1, ?2, ?3, ?4)",
                            -1, &q, NULL);
    if (rc != SQLITE_OK)
        goto out;
    sqlite3_bind_int64(q, 1, acc);
    sqlite3_bind_text(q, 2, user, -1, SQLITE_STATIC);
    sqlite3_bind_blob(q, 3, h2, pw[0] ? 20 : 0, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, role, -1, SQLITE_STATIC);
    rc = sqlite3_step(q);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
out:
    sqlite3_finalize(q);
    return rc;
}

/* See engine.h. */
void moten_create_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int rc;
    if (need_admin(s, 1, out))
        return;
    if (mocat_account_id(e, st->name) >= 0) {
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_ierr(out, "the tenant %s exists", st->name);
        return;
    }
    rc = mocat_begin(e);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "INSERT INTO mo_account(account_name, admin_name, created_time)"
                         " VALUES(%Q, %Q, %lld)",
                         st->name, st->admin, (long long)(mocat_now_ns(e) / 1000000000));
    if (rc == SQLITE_OK)
        rc = add_user(e, sqlite3_last_insert_rowid(e->db), st->admin, st->password, "accountadmin");
    finish(e, rc, out);
}

/* See engine.h. */
void moten_drop_account(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int64_t id;
    long long now;
    int rc;
    if (need_admin(s, 1, out))
        return;
    if (strcmp(st->name, "sys") == 0) {
        mo_ierr(out, "can not delete the account %s", st->name);
        return;
    }
    id = mocat_account_id(e, st->name);
    if (id < 0) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "there is no account %s", st->name);
        return;
    }
    now = (long long)mocat_now_ns(e);
    rc = mocat_begin(e);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e, "DELETE FROM mo_pitr WHERE create_account = %lld", (long long)id);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "UPDATE mo_pitr SET pitr_status = 0, pitr_status_changed_time = %lld"
                         " WHERE account_name = %Q AND pitr_status = 1 AND obj_id = %lld",
                         now, st->name, (long long)id);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "DELETE FROM mo_user WHERE account_id = %lld;"
                         "DELETE FROM mo_database WHERE account_id = %lld;"
                         "DELETE FROM mo_tables WHERE account_id = %lld;"
                         "DELETE FROM mo_account WHERE account_id = %lld;",
                         (long long)id, (long long)id, (long long)id, (long long)id);
    finish(e, rc, out);
}

/* See engine.h. */
void moten_create_user(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int64_t x;
    int r;
    if (need_admin(s, 0, out))
        return;
    r = mocat_int(e, &x, "SELECT 1 FROM mo_user WHERE account_id = %lld AND user_name = %Q",
                  (long long)s->account_id, st->name);
    if (r < 0) {
        mo_dberr(e, out);
        return;
    }
    if (r) {
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_ierr(out, "the user %s exists", st->name);
        return;
    }
    r = mocat_begin(e);
    if (r == SQLITE_OK)
        r = add_user(e, (int64_t)s->account_id, st->name, st->password, "public");
    finish(e, r, out);
}

/* See engine.h. */
void moten_drop_user(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int r;
    if (need_admin(s, 0, out))
        return;
    r = mocat_int(e, NULL, "SELECT 1 FROM mo_user WHERE account_id = %lld AND user_name = %Q",
                  (long long)s->account_id, st->name);
    if (r < 0) {
        mo_dberr(e, out);
        return;
    }
    if (!r) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "there is no user %s", st->name);
        return;
    }
    r = mocat_begin(e);
    if (r == SQLITE_OK)
        r = mocat_execf(e, "DELETE FROM mo_user WHERE account_id = %lld AND user_name = %Q",
                        (long long)s->account_id, st->name);
    finish(e, r, out);
}

/* A database name with a space, tab, quote, double quote or backquote: `internal error:
** invalid input` for CREATE and DROP DATABASE (spec 1.1 [Real]). Table names are not
** checked: a real MatrixOne creates `t 1` and `t'1`. Returns 0, or -1 after the error. */
static int check_db_chars(const char *name, const mosim_sink *out)
{
    if (strpbrk(name, " \t`\"'")) {
        mo_ierr(out, "invalid input");
        return -1;
    }
    return 0;
}

/* See engine.h. */
void moten_create_db(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int64_t id;
    int rc;
    if (check_db_chars(st->name, out))
        return;
    if (mocat_db_id(e, s->account_id, st->name) >= 0) {
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_err(out, MO_ER_DB_EXISTS, "database %s already exists", st->name);
        return;
    }
    rc = mocat_begin(e);
    id = rc == SQLITE_OK ? mocat_next_obj_id(e) : -1;
    if (id < 0)
        rc = rc == SQLITE_OK ? SQLITE_ERROR : rc;
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "INSERT INTO mo_database(dat_id, account_id, datname)"
                         " VALUES(%lld, %lld, %Q)",
                         (long long)id, (long long)s->account_id, st->name);
    finish(e, rc, out);
}

/* See engine.h. */
void moten_drop_db(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    long long acc = (long long)s->account_id;
    int64_t id;
    int rc;
    if (check_db_chars(st->name, out))
        return;
    if (mocat_is_sys_db(st->name)) {
        /* assumed text */
        mo_ierr(out, "can not drop database %s", st->name);
        return;
    }
    id = mocat_db_id(e, s->account_id, st->name);
    if (id < 0) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_err(out, MO_ER_DB_DROP, "Can't drop database '%s'; database doesn't exist",
                   st->name);
        return;
    }
    rc = mocat_begin(e);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "UPDATE mo_pitr SET pitr_status = 0, pitr_status_changed_time = %lld"
                         " WHERE account_id = %lld AND database_name = %Q AND pitr_status = 1"
                         " AND obj_id = %lld AND level = 'database'",
                         (long long)mocat_now_ns(e), acc, st->name, (long long)id);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "DELETE FROM mo_tables WHERE account_id = %lld AND reldatabase = %Q;"
                         "DELETE FROM mo_database WHERE dat_id = %lld",
                         acc, st->name, (long long)id);
    if (rc == SQLITE_OK && strcmp(s->db, st->name) == 0)
        s->db[0] = 0;
    finish(e, rc, out);
}

/* See engine.h. */
void moten_use(mosim_engine *e, mosim_session *s, const char *db, const mosim_sink *out)
{
    if (mocat_db_id(e, s->account_id, db) < 0) {
        mo_err(out, MO_ER_BAD_DB, "Unknown database %s", db);
        return;
    }
    snprintf(s->db, sizeof(s->db), "%s", db);
    mo_ok(out);
}

/* Resolve the database of a table statement; NULL after sending the error. */
static const char *table_db(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *db = st->db ? st->db : s->db;
    if (!db[0]) {
        mo_err(out, MO_ER_NO_DB, "No database selected");
        return NULL;
    }
    if (mocat_db_id(e, s->account_id, db) < 0) {
        mo_err(out, MO_ER_BAD_DB, "Unknown database %s", db);
        return NULL;
    }
    return db;
}

/* See engine.h. */
void moten_create_table(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *db = table_db(e, s, st, out);
    int64_t id;
    int rc;
    if (!db)
        return;
    if (mocat_table_id(e, s->account_id, db, st->tbl) >= 0) {
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_err(out, MO_ER_TABLE_EXISTS, "table %s already exists", st->tbl);
        return;
    }
    rc = mocat_begin(e);
    id = rc == SQLITE_OK ? mocat_next_obj_id(e) : -1;
    if (id < 0)
        rc = rc == SQLITE_OK ? SQLITE_ERROR : rc;
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "INSERT INTO mo_tables(rel_id, account_id, reldatabase, relname)"
                         " VALUES(%lld, %lld, %Q, %Q)",
                         (long long)id, (long long)s->account_id, db, st->tbl);
    finish(e, rc, out);
}

/* See engine.h. */
void moten_drop_table(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *db = st->db ? st->db : s->db;
    int64_t id;
    int rc;
    if (!db[0]) {
        mo_err(out, MO_ER_NO_DB, "No database selected");
        return;
    }
    id = mocat_table_id(e, s->account_id, db, st->tbl);
    if (id < 0) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_err(out, MO_ER_NO_TABLE, "no such table %s.%s", db, st->tbl);
        return;
    }
    rc = mocat_begin(e);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e,
                         "UPDATE mo_pitr SET pitr_status = 0, pitr_status_changed_time = %lld"
                         " WHERE account_id = %lld AND database_name = %Q AND table_name = %Q"
                         " AND pitr_status = 1 AND obj_id = %lld AND level = 'table'",
                         (long long)mocat_now_ns(e), (long long)s->account_id, db, st->tbl,
                         (long long)id);
    if (rc == SQLITE_OK)
        rc = mocat_execf(e, "DELETE FROM mo_tables WHERE rel_id = %lld", (long long)id);
    finish(e, rc, out);
}

/* Send a one-column text result from an SQL query. */
static void one_col(mosim_engine *e, const char *name, char *sql, const mosim_sink *out)
{
    /* as a real MatrixOne sends SHOW DATABASES / SHOW TABLES */
    mosim_col c = {name,
                   MOSIM_TYPE_VAR_STRING,
                   MOSIM_CHARSET_UTF8MB4,
                   5000 * 4,
                   MOSIM_FLAG_NOT_NULL | MOSIM_FLAG_PRI_KEY,
                   0};
    sqlite3_stmt *q = NULL;
    if (!sql || sqlite3_prepare_v2(e->db, sql, -1, &q, NULL) != SQLITE_OK) {
        mo_dberr(e, out);
        goto out;
    }
    if (out->columns(out->ctx, 1, &c) == 0)
        moshow_stream(q, 1, out);
    else
        sqlite3_finalize(q);
    q = NULL;
out:
    sqlite3_finalize(q);
    sqlite3_free(sql);
}

/* See engine.h. */
void moten_show_dbs(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char *sql = sqlite3_mprintf(
        "SELECT n FROM (SELECT column1 AS n FROM (VALUES('mo_catalog'), ('information_schema'),"
        " ('mysql'), ('system'), ('system_metrics'), ('mo_task'), ('mo_debug'))"
        " UNION ALL SELECT datname FROM mo_database WHERE account_id = %lld)"
        " WHERE %Q IS NULL OR like(lower(%Q), lower(n)) ORDER BY n",
        (long long)s->account_id, st->like, st->like);
    one_col(e, "Database", sql, out);
}

/* See engine.h. */
void moten_show_tables(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    const char *db = table_db(e, s, st, out);
    char name[300];
    char *sql;
    if (!db)
        return;
    snprintf(name, sizeof(name), "Tables_in_%s", db);
    sql = sqlite3_mprintf(
        "SELECT n FROM (SELECT relname AS n FROM mo_tables WHERE account_id = %lld AND"
        " reldatabase = %Q UNION ALL SELECT 'mo_pitr' WHERE %lld = 0 AND %Q = 'mo_catalog')"
        " WHERE %Q IS NULL OR like(lower(%Q), lower(n)) ORDER BY n",
        (long long)s->account_id, db, (long long)s->account_id, db, st->like, st->like);
    one_col(e, name, sql, out);
}
