/*
** pitr.c: CREATE / ALTER / DROP PITR with MatrixOne's checks, in MatrixOne's order.
**
** Usage (from engine.c dispatch): mopitr_create(e, s, st, out) etc.
**
** How it works (spec sections 3.2-3.5, 4, 6.3):
**   CREATE: role -> cluster only for sys -> named account only for sys -> value 1..100 ->
**           unit h/d/mo/y (any case, stored lower) -> reserved name -> invalid characters
**           -> name taken by the caller's account (IF NOT EXISTS: OK) -> per-level target
**           and one-PITR-per-object checks -> insert -> maintain sys_mo_catalog_pitr.
**   ALTER:  role -> value 0..100 -> unit -> invalid characters -> exists (IF EXISTS: OK)
**           -> update length, unit, modified_time.
**   DROP:   role -> exists (IF EXISTS: OK) -> delete -> drop sys_mo_catalog_pitr when it is
**           the last row.
** Every change runs in one SQLite transaction; a failed statement changes nothing.
** Errors are 20101 HY000 "internal error: <text>".
*/
#include <openssl/rand.h>
#include <stdio.h>
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

/* Does the caller's account own a PITR called name? 1 yes, 0 no, -1 error. */
static int pitr_exists(mosim_engine *e, mosim_session *s, const char *name)
{
    return mocat_int(e, NULL,
                     "SELECT 1 FROM mo_pitr WHERE pitr_name = %Q AND create_account = %lld", name,
                     (long long)s->account_id);
}

/* Insert one mo_pitr row. Returns SQLITE_OK or an error code. */
static int insert_row(mosim_engine *e, const char *name, uint64_t creator, int64_t now,
                      const char *level, int64_t acc_id, const char *acc, const char *db,
                      const char *tbl, int64_t obj, int64_t len, const char *unit)
{
    char id[40];
    uuid7(now, id);
    return mocat_execf(e,
                       "INSERT INTO mo_pitr(pitr_id, pitr_name, create_account, create_time,"
                       " modified_time, level, account_id, account_name, database_name,"
                       " table_name, obj_id, pitr_length, pitr_unit, pitr_status,"
                       " pitr_status_changed_time) VALUES(%Q, %Q, %lld, %lld, %lld, %Q, %lld,"
                       " %Q, %Q, %Q, %lld, %lld, %Q, 1, %lld)",
                       id, name, (long long)creator, (long long)now, (long long)now, level,
                       (long long)acc_id, acc, db, tbl, (long long)obj, (long long)len, unit,
                       (long long)now);
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
        sqlite3_finalize(q);
        q = NULL;
        rc = insert_row(e, MO_SYS_PITR, 0, now, "database", 0, "sys", "mo_catalog", "",
                        mocat_sys_db_id("mo_catalog"), len, unit);
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

/* Level-specific checks and insert (spec 3.3). Returns 0 when the reply was sent (error)
** or the row was inserted (*done = 0), -1 on a catalog failure. */
static int create_level(mosim_engine *e, mosim_session *s, mo_stmt *st, const char *unit,
                        const mosim_sink *out, int *sent)
{
    long long me = (long long)s->account_id;
    int64_t now = mocat_now_ns(e), id;
    int r;
    *sent = 1;
    switch (st->level) {
    case LV_CLUSTER:
        r = mocat_int(e, NULL, "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND obj_id = -1",
                      me);
        if (r < 0)
            return -1;
        if (r) {
            mo_ierr(out, "cluster level pitr already exists");
            return 0;
        }
        r = insert_row(e, st->name, s->account_id, now, "cluster", 0, "", "", "", MO_CLUSTER_OBJ_ID,
                       (int64_t)st->value, unit);
        break;
    case LV_ACCOUNT: {
        const char *acc = st->acc ? st->acc : s->account;
        id = st->acc ? mocat_account_id(e, acc) : (int64_t)s->account_id;
        if (id < 0) {
            mo_ierr(out, "account %s does not exist", acc);
            return 0;
        }
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND account_name = %Q"
                      " AND level = 'account' AND pitr_status = 1",
                      me, acc);
        if (r < 0)
            return -1;
        if (r) {
            mo_ierr(out, "account `%s` already has a pitr", acc);
            return 0;
        }
        r = insert_row(e, st->name, s->account_id, now, "account", id, acc, "", "", id,
                       (int64_t)st->value, unit);
        break;
    }
    case LV_DATABASE:
        if (mocat_is_sys_db(st->db)) {
            mo_ierr(out, "can not create pitr for current database %s", st->db);
            return 0;
        }
        id = mocat_db_id(e, s->account_id, st->db);
        if (id < 0) {
            mo_ierr(out, "database %s does not exist", st->db);
            return 0;
        }
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND database_name = %Q"
                      " AND level = 'database' AND pitr_status = 1",
                      me, st->db);
        if (r < 0)
            return -1;
        if (r) {
            mo_ierr(out, "database `%s` already has a pitr", st->db);
            return 0;
        }
        r = insert_row(e, st->name, s->account_id, now, "database", (int64_t)s->account_id,
                       s->account, st->db, "", id, (int64_t)st->value, unit);
        break;
    case LV_TABLE:
        if (mocat_is_sys_db(st->db)) {
            mo_ierr(out, "can not create pitr for current table %s.%s", st->db, st->tbl);
            return 0;
        }
        id = mocat_table_id(e, s->account_id, st->db, st->tbl);
        if (id < 0) {
            mo_ierr(out, "table %s.%s does not exist", st->db, st->tbl);
            return 0;
        }
        r = mocat_int(e, NULL,
                      "SELECT 1 FROM mo_pitr WHERE create_account = %lld AND database_name = %Q"
                      " AND table_name = %Q AND level = 'table' AND pitr_status = 1",
                      me, st->db, st->tbl);
        if (r < 0)
            return -1;
        if (r) {
            mo_ierr(out, "database `%s` table `%s` already has a pitr", st->db, st->tbl);
            return 0;
        }
        r = insert_row(e, st->name, s->account_id, now, "table", (int64_t)s->account_id, s->account,
                       st->db, st->tbl, id, (int64_t)st->value, unit);
        break;
    default:
        return -1;
    }
    if (r != SQLITE_OK || update_sys_row(e, now, (int64_t)st->value, unit) != SQLITE_OK)
        return -1;
    *sent = 0;
    return 0;
}

/* See engine.h. */
void mopitr_create(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char unit[64];
    int r, sent = 0;
    if (mopitr_check_role(s, out))
        return;
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
    r = pitr_exists(e, s, st->name);
    if (r < 0)
        goto fail;
    if (r) {
        mocat_rollback(e);
        if (st->if_not_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s already exists", st->name);
        return;
    }
    if (create_level(e, s, st, unit, out, &sent))
        goto fail;
    if (sent) {
        mocat_rollback(e);
        return;
    }
    if (mocat_commit(e) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    return;
fail:
    mo_dberr(e, out);
    mocat_rollback(e);
}

/* See engine.h. */
void mopitr_alter(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char unit[64];
    int r;
    if (mopitr_check_role(s, out))
        return;
    if (st->value_big || st->value > 100) {
        mo_ierr(out, "invalid pitr value %s", st->value_txt);
        return;
    }
    if (check_unit(st->unit, unit, sizeof(unit), out) || check_name_chars(st->name, out))
        return;
    r = pitr_exists(e, s, st->name);
    if (r < 0)
        goto fail;
    if (!r) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s does not exist", st->name);
        return;
    }
    if (mocat_execf(e,
                    "UPDATE mo_pitr SET pitr_length = %lld, pitr_unit = %Q, modified_time = %lld"
                    " WHERE pitr_name = %Q AND create_account = %lld",
                    (long long)st->value, unit, (long long)mocat_now_ns(e), st->name,
                    (long long)s->account_id) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    return;
fail:
    mo_dberr(e, out);
}

/* See engine.h. */
void mopitr_drop(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int r;
    if (mopitr_check_role(s, out))
        return;
    r = pitr_exists(e, s, st->name);
    if (r < 0)
        goto fail;
    if (!r) {
        if (st->if_exists)
            mo_ok(out);
        else
            mo_ierr(out, "pitr %s does not exist", st->name);
        return;
    }
    if (mocat_begin(e) != SQLITE_OK ||
        mocat_execf(e, "DELETE FROM mo_pitr WHERE pitr_name = %Q AND create_account = %lld",
                    st->name, (long long)s->account_id) != SQLITE_OK ||
        mocat_execf(e, "DELETE FROM mo_pitr WHERE pitr_name = 'sys_mo_catalog_pitr' AND"
                       " create_account = 0 AND NOT EXISTS (SELECT 1 FROM mo_pitr WHERE"
                       " pitr_name != 'sys_mo_catalog_pitr')") != SQLITE_OK ||
        mocat_commit(e) != SQLITE_OK)
        goto fail;
    mo_ok(out);
    return;
fail:
    mo_dberr(e, out);
    mocat_rollback(e);
}
