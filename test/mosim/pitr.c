/*
** pitr.c: CREATE / ALTER / DROP PITR with MatrixOne's checks, in MatrixOne's order.
**
** Usage (from engine.c dispatch): mopitr_create(e, s, st, out) etc.
**
** How it works (spec sections 3.2-3.5, 4, 6.3; the role check of spec 4 is made by
** engine.c before the transaction rules, as a real MatrixOne does):
**   CREATE: cluster only for sys -> named account only for sys -> value 1..100 -> unit
**           h/d/mo/y (any case, stored lower) -> reserved name -> invalid characters -> name
**           taken by the caller's account (IF NOT EXISTS: OK) -> per-level target and
**           one-PITR-per-object checks -> insert -> maintain sys_mo_catalog_pitr.
**   ALTER:  value 0..100 -> unit -> invalid characters -> exists (IF EXISTS: OK) -> update
**           length, unit, modified_time.
**   DROP:   invalid characters -> exists (IF EXISTS: OK) -> delete -> drop
**           sys_mo_catalog_pitr when it is the last row.
** Backslashes (spec 1.1 [Real]): the existence check, the named-account look-up and the
** insert splice names into MatrixOne's internal SQL (splice.c), so those see a name with
** its MySQL string escapes applied (`x\y` finds and stores `xy`, `x\\y` means `x\y`) and a
** name ending in an odd number of backslashes fails there with 1105. The target look-ups
** (database, table existence) and the one-PITR-per-object checks see the name as typed,
** as MatrixOne's escaped queries do; messages quote the name as typed.
** Every change runs in one SQLite transaction; a failed statement changes nothing.
** Errors are 20101 HY000 "internal error: <text>".
*/
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

/* See engine.h. */
int mopitr_check_role(mosim_session *s, const mosim_sink *out)
{
    const char *need = s->account_id == 0 ? "moadmin" : "accountadmin";
    if (strcmp(s->role, need) == 0)
        return 0;
    mo_ierr(out, "do not have privilege to execute the statement");
    return -1;
}

/* Lower-case the unit into buf and check it; 0 if valid, else -1 after the error. */
static int check_unit(const char *unit, char *buf, size_t n, const mosim_sink *out)
{
    snprintf(buf, n, "%s", unit);
    mo_lower(buf);
    if (strcmp(buf, "h") && strcmp(buf, "d") && strcmp(buf, "mo") && strcmp(buf, "y")) {
        mo_ierr(out, "invalid pitr unit %s", buf);
        return -1;
    }
    return 0;
}

/* Name with a space, tab, backquote or quote: "invalid input" (spec 3.2 step 7). */
static int check_name_chars(const char *name, const mosim_sink *out)
{
    if (strpbrk(name, " \t`\"'")) {
        mo_ierr(out, "invalid input");
        return -1;
    }
    return 0;
}

/* Fill buf (37 bytes) with a fresh UUIDv7. */
static void uuid7(int64_t now_ns, char *buf)
{
    uint8_t b[16];
    uint64_t ms = (uint64_t)(now_ns / 1000000);
    int i;
    if (RAND_bytes(b, sizeof(b)) != 1)
        memset(b, 0x5a, sizeof(b));
    for (i = 0; i < 6; i++)
        b[i] = (uint8_t)(ms >> (8 * (5 - i)));
    b[6] = (uint8_t)(0x70 | (b[6] & 0x0f));
    b[8] = (uint8_t)(0x80 | (b[8] & 0x3f));
    snprintf(buf, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

/* The existence check of MatrixOne's checkPitrExistOrNot: name spliced into
** `... pitr_name = "<name>" ...`. Returns 1 / 0 (does the caller's account own the PITR
** MatrixOne reads, whose stored name goes to *stored, malloc'd), -1 on a catalog error
** (nothing sent), -2 after sending the internal statement's syntax error. */
static int pitr_exists(mosim_engine *e, mosim_session *s, const char *name, char **stored,
                       const mosim_sink *out)
{
    mo_isql q;
    int r = -2;
    *stored = NULL;
    moisql_init(&q);
    moisql_text(&q, "select pitr_id from mo_catalog.mo_pitr where pitr_name = ");
    moisql_name(&q, '"', name);
    moisql_text(&q, " and create_account = %llu order by pitr_id;",
                (unsigned long long)s->account_id);
    if (moisql_check(&q, out) == 0) {
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE pitr_name = %Q AND create_account = %lld",
                      q.val[0], (long long)s->account_id);
        *stored = q.val[0];
        q.val[0] = NULL;
    }
    moisql_free(&q);
    return r;
}

/* The target of a new PITR: what the row will hold (names as typed). */
typedef struct target {
    const char *level;
    int64_t acc_id;
    const char *acc, *db, *tbl;
    int64_t obj;
} target;

/* Insert one mo_pitr row the way MatrixOne's insert statement does: the four names are
** spliced into it, so they are stored as its lexer reads them (splice.c). Returns
** SQLITE_OK, -1 after sending the internal statement's syntax error, or an SQLite error. */
static int insert_row(mosim_engine *e, const char *name, uint64_t creator, int64_t now,
                      const target *t, int64_t len, const char *unit, const mosim_sink *out)
{
    char id[40];
    mo_isql q;
    int rc = -1;
    uuid7(now, id);
    moisql_init(&q);
    moisql_text(&q,
                "insert into mo_catalog.mo_pitr(\n\t\tpitr_id,\n\t\tpitr_name,\n\t\t"
                "create_account,\n\t\tcreate_time,\n\t\tmodified_time,\n\t\tlevel,\n\t\t"
                "account_id,\n\t\taccount_name,\n\t\tdatabase_name,\n\t\ttable_name,\n\t\t"
                "obj_id,\n\t\tpitr_length,\n\t\tpitr_unit,\n        pitr_status_changed_time)"
                " values ('%s', ",
                id);
    moisql_name(&q, '\'', name);
    moisql_text(&q, ", %llu, %lld, %lld, '%s', %llu, ", (unsigned long long)creator, (long long)now,
                (long long)now, t->level, (unsigned long long)t->acc_id);
    moisql_name(&q, '\'', t->acc);
    moisql_text(&q, ", ");
    moisql_name(&q, '\'', t->db);
    moisql_text(&q, ", ");
    moisql_name(&q, '\'', t->tbl);
    moisql_text(&q, ", %llu, %lld, '%s', %lld);", (unsigned long long)t->obj, (long long)len, unit,
                (long long)now);
    if (moisql_check(&q, out) != 0)
        goto out;
    rc = mocat_execf(e,
                     "INSERT INTO mo_pitr(pitr_id, pitr_name, create_account, create_time,"
                     " modified_time, level, account_id, account_name, database_name,"
                     " table_name, obj_id, pitr_length, pitr_unit, pitr_status,"
                     " pitr_status_changed_time) VALUES(%Q, %Q, %lld, %lld, %lld, %Q, %lld,"
                     " %Q, %Q, %Q, %lld, %lld, %Q, 1, %lld)",
                     id, q.val[0], (long long)creator, (long long)now, (long long)now, t->level,
                     (long long)t->acc_id, q.val[1], q.val[2], q.val[3], (long long)t->obj,
                     (long long)len, unit, (long long)now);
out:
    moisql_free(&q);
    return rc;
}

/* Keep sys_mo_catalog_pitr at the longest range created so far (spec 6.3). */
static int update_sys_row(mosim_engine *e, int64_t now, int64_t len, const char *unit)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(e->db,
                                "SELECT pitr_length, pitr_unit FROM mo_pitr WHERE pitr_name ="
                                " 'sys_mo_catalog_pitr' AND create_account = 0",
                                -1, &q, NULL);
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE) {
        char id[40];
        sqlite3_finalize(q);
        q = NULL;
        uuid7(now, id);
        rc = mocat_execf(e,
                         "INSERT INTO mo_pitr(pitr_id, pitr_name, create_account, create_time,"
                         " modified_time, level, account_id, account_name, database_name,"
                         " table_name, obj_id, pitr_length, pitr_unit, pitr_status,"
                         " pitr_status_changed_time) VALUES(%Q, %Q, 0, %lld, %lld, 'database',"
                         " 0, 'sys', 'mo_catalog', '', %lld, %lld, %Q, 1, %lld)",
                         id, MO_SYS_PITR, (long long)now, (long long)now,
                         (long long)mocat_sys_db_id("mo_catalog"), (long long)len, unit,
                         (long long)now);
    } else if (rc == SQLITE_ROW) {
        int64_t olen = sqlite3_column_int64(q, 0), now_s = now / 1000000000;
        char ounit[16];
        snprintf(ounit, sizeof(ounit), "%s", (const char *)sqlite3_column_text(q, 1));
        sqlite3_finalize(q);
        q = NULL;
        rc = SQLITE_OK;
        if (mocat_range_start(now_s, len, unit) < mocat_range_start(now_s, olen, ounit))
            rc = mocat_execf(e,
                             "UPDATE mo_pitr SET pitr_length = %lld, pitr_unit = %Q WHERE"
                             " pitr_name = 'sys_mo_catalog_pitr' AND create_account = 0",
                             (long long)len, unit);
    }
out:
    sqlite3_finalize(q);
    return rc;
}

/* The named account of `FOR ACCOUNT acc`, looked up as MatrixOne's checkTenant does (the
** name spliced into `... account_name = "<acc>" ...`). Returns its id, -1 after sending
** `account ACC does not exist` (acc as typed) or the internal statement's error. */
static int64_t named_account(mosim_engine *e, const char *acc, const mosim_sink *out)
{
    mo_isql q;
    int64_t id = -1;
    moisql_init(&q);
    moisql_text(&q, "select account_id,account_name,status,version,suspended_time,create_version"
                    " from mo_catalog.mo_account where account_name = ");
    moisql_name(&q, '"', acc);
    moisql_text(&q, " order by account_id;");
    if (moisql_check(&q, out) == 0) {
        id = mocat_account_id(e, q.val[0]);
        if (id < 0)
            mo_ierr(out, "account %s does not exist", acc);
    }
    moisql_free(&q);
    return id;
}

/* Level-specific target checks (spec 3.3) into *t. Returns 1 when the target is fine, 0
** after sending the error, -1 on a catalog failure. */
static int check_target(mosim_engine *e, mosim_session *s, mo_stmt *st, target *t,
                        const mosim_sink *out)
{
    long long me = (long long)s->account_id;
    int64_t id;
    int r;
    memset(t, 0, sizeof(*t));
    t->acc = t->db = t->tbl = "";
    switch (st->level) {
    case LV_CLUSTER:
        t->level = "cluster";
        t->obj = MO_CLUSTER_OBJ_ID;
        r = mocat_int(e, NULL, "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND obj_id = -1",
                      me);
        if (r > 0)
            mo_ierr(out, "cluster level pitr already exists");
        return r < 0 ? -1 : !r;
    case LV_ACCOUNT:
        t->level = "account";
        t->acc = st->acc ? st->acc : s->account;
        if (st->acc) {
            if (check_name_chars(st->acc, out))
                return 0;
            t->acc_id = named_account(e, st->acc, out);
            if (t->acc_id < 0)
                return 0;
        } else {
            t->acc_id = (int64_t)s->account_id;
        }
        t->obj = t->acc_id;
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND account_name = %Q"
                      " AND level = 'account' AND pitr_status = 1",
                      me, t->acc);
        if (r > 0)
            mo_ierr(out, "account `%s` already has a pitr", t->acc);
        return r < 0 ? -1 : !r;
    case LV_DATABASE:
        t->level = "database";
        t->acc_id = (int64_t)s->account_id;
        t->acc = s->account;
        t->db = st->db;
        if (mocat_is_sys_db(st->db)) {
            mo_ierr(out, "can not create pitr for current database %s", st->db);
            return 0;
        }
        t->obj = mocat_db_id(e, s->account_id, st->db);
        /* MatrixOne looks the database up without an account filter, and sys reads every
        ** account's mo_database rows: sys passes for another account's database of that
        ** name (seen on a real server). Which id it then records is the last row read. */
        if (t->obj < 0 && s->account_id == 0 &&
            mocat_int(e, &id,
                      "SELECT dat_id FROM mo_database WHERE datname = %Q"
                      " ORDER BY dat_id DESC LIMIT 1",
                      st->db) == 1)
            t->obj = id;
        if (t->obj < 0) {
            mo_ierr(out, "database %s does not exist", st->db);
            return 0;
        }
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND database_name = %Q"
                      " AND level = 'database' AND pitr_status = 1",
                      me, st->db);
        if (r > 0)
            mo_ierr(out, "database `%s` already has a pitr", st->db);
        return r < 0 ? -1 : !r;
    case LV_TABLE:
        t->level = "table";
        t->acc_id = (int64_t)s->account_id;
        t->acc = s->account;
        t->db = st->db;
        t->tbl = st->tbl;
        if (mocat_is_sys_db(st->db)) {
            mo_ierr(out, "can not create pitr for current table %s.%s", st->db, st->tbl);
            return 0;
        }
        t->obj = mocat_table_id(e, s->account_id, st->db, st->tbl);
        if (t->obj < 0) {
            mo_ierr(out, "table %s.%s does not exist", st->db, st->tbl);
            return 0;
        }
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND database_name = %Q"
                      " AND table_name = %Q AND level = 'table' AND pitr_status = 1",
                      me, st->db, st->tbl);
        if (r > 0)
            mo_ierr(out, "database `%s` table `%s` already has a pitr", st->db, st->tbl);
        return r < 0 ? -1 : !r;
    default:
        return -1;
    }
}

/* See engine.h. */
void mopitr_create(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char unit[64], *stored = NULL;
    int64_t now;
    target t;
    int r;
    if (st->level == LV_CLUSTER && s->account_id != 0) {
        mo_ierr(out, "only sys tenant can create cluster level pitr");
        return;
    }
    if (st->acc && s->account_id != 0) {
        mo_ierr(out, "only sys tenant can create tenant level pitr for other tenant");
        return;
    }
    if (st->value_big || st->value == 0 || st->value > 100) {
        mo_ierr(out, "invalid pitr value %s", st->value_txt);
        return;
    }
    if (check_unit(st->unit, unit, sizeof(unit), out))
        return;
    if (strcmp(st->name, MO_SYS_PITR) == 0) {
        mo_ierr(out, "pitr name is reserved");
        return;
    }
    if (check_name_chars(st->name, out))
        return;
    if (mocat_begin(e) != SQLITE_OK)
        goto fail;
    r = pitr_exists(e, s, st->name, &stored, out);
    if (r == -2)
        goto sent;
    if (r < 0)
        goto fail;
    if (r) {
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s already exists", st->name);
        goto sent;
    }
    r = check_target(e, s, st, &t, out);
    if (r < 0)
        goto fail;
    if (r == 0)
        goto sent;
    now = mocat_now_ns(e);
    r = insert_row(e, st->name, s->account_id, now, &t, (int64_t)st->value, unit, out);
    if (r == -1)
        goto sent;
    if (r != SQLITE_OK || update_sys_row(e, now, (int64_t)st->value, unit) != SQLITE_OK ||
        mocat_commit(e) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    free(stored);
    return;
fail:
    mo_dberr(e, out);
sent:
    mocat_rollback(e);
    free(stored);
}

/* See engine.h. */
void mopitr_alter(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char unit[64], *stored = NULL;
    int r;
    if (st->value_big || st->value > 100) {
        mo_ierr(out, "invalid pitr value %s", st->value_txt);
        return;
    }
    if (check_unit(st->unit, unit, sizeof(unit), out) || check_name_chars(st->name, out))
        return;
    r = pitr_exists(e, s, st->name, &stored, out);
    if (r == -2)
        goto out;
    if (r < 0)
        goto fail;
    if (!r) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s does not exist", st->name);
        goto out;
    }
    if (mocat_execf(e,
                    "UPDATE mo_pitr SET pitr_length = %lld, pitr_unit = %Q, modified_time = %lld"
                    " WHERE pitr_name = %Q AND create_account = %lld",
                    (long long)st->value, unit, (long long)mocat_now_ns(e), stored,
                    (long long)s->account_id) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    goto out;
fail:
    mo_dberr(e, out);
out:
    free(stored);
}

/* See engine.h. */
void mopitr_drop(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char *stored = NULL;
    int r;
    if (check_name_chars(st->name, out))
        return;
    r = pitr_exists(e, s, st->name, &stored, out);
    if (r == -2)
        goto out;
    if (r < 0)
        goto fail;
    if (!r) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s does not exist", st->name);
        goto out;
    }
    if (mocat_begin(e) != SQLITE_OK ||
        mocat_execf(e, "DELETE FROM mo_pitr WHERE pitr_name = %Q AND create_account = %lld", stored,
                    (long long)s->account_id) != SQLITE_OK ||
        mocat_execf(e, "DELETE FROM mo_pitr WHERE pitr_name = 'sys_mo_catalog_pitr' AND"
                       " create_account = 0 AND NOT EXISTS (SELECT 1 FROM mo_pitr WHERE"
                       " pitr_name != 'sys_mo_catalog_pitr')") != SQLITE_OK ||
        mocat_commit(e) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    goto out;
fail:
    mo_dberr(e, out);
    mocat_rollback(e);
out:
    free(stored);
}
