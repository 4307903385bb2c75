/*
** vtab_write.c: the writing half of the mo_pitr virtual table: xUpdate and the
** transaction callbacks.
**
** INSERT -> CREATE PITR, UPDATE of range_value/range_unit -> ALTER PITR, DELETE ->
** DROP PITR. Each row change becomes one mopitr_change, validated before anything is
** sent, and queued in txn.c. Every statement is all-or-nothing (issue 13):
**   - in autocommit mode the queue is the statement's own: SQLite calls xBegin, xSync
**     and xCommit around every writing statement, and xSync sends it with the COMMIT
**     machinery (txn_commit.c: validated by one filtered SHOW PITR, ordered, undone on
**     failure, reported in mo_pitr_last_commit). A statement of one change is sent as
**     it is, without the validation read. A row refused by a local check aborts the
**     statement with nothing sent (xRollback discards the queue);
**   - inside an SQLite transaction (sqlite3_get_autocommit() == 0: BEGIN, or SAVEPOINT
**     outside BEGIN) the queue is the transaction's and COMMIT sends it.
** See vtab.c's manual for the whole table and txn.c / txn_commit.c for the queue.
**
** Conflicts (sqlite3_vtab_on_conflict), decided against the queue's view (the server's
** rows the batch read + what is queued) at once; a conflict with a server PITR the batch
** did not read is decided at the end of the batch (COMMIT, or the end of an autocommit
** statement) by the validation read (txn.c, txn_commit.c):
**     plain INSERT of an existing name      SQLITE_CONSTRAINT, nothing sent
**     a second PITR for the same object     SQLITE_CONSTRAINT, nothing sent
**     INSERT OR IGNORE                      an existing name or object: the row is skipped
**     INSERT OR REPLACE                     same object: ALTER to the new range (nothing if
**                                           equal); another object: refused
** OR IGNORE and OR REPLACE read the row's name and object from the server first (one
** filtered SHOW PITR per row). UPSERT (INSERT ... ON CONFLICT DO ...) is
** refused by SQLite itself for virtual tables ("UPSERT not implemented for virtual
** table").
**
** UPDATE and DELETE take the row the statement's scan just read (vtab_share.c) as the
** server's row, in autocommit and inside a transaction: nothing else is read before the
** batch ends (a row the scan took from the queue is the queue's already).
**
** A lost reply (the connection dropped after the statement left) is checked with SHOW
** PITR WHERE pitr_name = ... on a fresh connection (mopitr_change_run, change.c): an
** applied change counts as applied (the report notes the lost reply), one that did not
** apply fails the statement or COMMIT and undoes what it applied.
*/
#include <string.h>

#include "mo_pitr_int.h"

/* ---- writes ------------------------------------------------------------ */

static const char *const pitr_azCol[MOPITR_NCOL] = {
    "name",        "level",      "account_name", "database_name", "table_name",
    "range_value", "range_unit", "created_time", "modified_time", "connection"};

/* Copy the text of pVal into *pz (NULL stays NULL). A NUL byte inside is refused. */
static int pitr_value_text(sqlite3_value *pVal, int iCol, char **pz, char **pzErr)
{
    const char *z;
    int n;
    *pz = NULL;
    if (sqlite3_value_type(pVal) == SQLITE_NULL)
        return SQLITE_OK;
    if (sqlite3_value_type(pVal) == SQLITE_BLOB) {
        *pzErr = mopitr_errf("%s must be text, got a blob", pitr_azCol[iCol]);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    z = (const char *)sqlite3_value_text(pVal);
    n = sqlite3_value_bytes(pVal);
    if (z == NULL)
        return SQLITE_NOMEM;
    if ((int)strlen(z) != n) {
        *pzErr = mopitr_errf("%s contains a NUL byte, which MatrixOne does not accept",
                             pitr_azCol[iCol]);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    *pz = sqlite3_mprintf("%s", z);
    return *pz ? SQLITE_OK : SQLITE_NOMEM;
}

/* range_value from pVal (see mopitr_val_to_range); MOPITR_RANGE_NULL for NULL. */
static int pitr_value_range(sqlite3_value *pVal, sqlite3_int64 *piOut, char **pzErr)
{
    mopitr_val x;
    memset(&x, 0, sizeof(x));
    x.eType = sqlite3_value_type(pVal);
    if (x.eType == SQLITE_INTEGER) {
        x.i = sqlite3_value_int64(pVal);
    } else if (x.eType == SQLITE_FLOAT) {
        x.r = sqlite3_value_double(pVal);
    } else if (x.eType == SQLITE_TEXT) {
        x.z = (const char *)sqlite3_value_text(pVal);
        x.n = sqlite3_value_bytes(pVal);
        if (x.z == NULL)
            return SQLITE_NOMEM;
    } else if (x.eType == SQLITE_BLOB) {
        x.z = sqlite3_value_blob(pVal);
        x.n = sqlite3_value_bytes(pVal);
    }
    return mopitr_val_to_range(&x, piOut, pzErr);
}

/* db's transaction state (the queue of the statement or the transaction), or NULL with
** *pzErr when the extension's registration failed. */
static mopitr_txn *pitr_txn(pitr_vtab *v, char **pzErr)
{
    mopitr_txn *t = mopitr_txn_of(v->db);
    if (t == NULL)
        *pzErr = mopitr_errf("internal error: no transaction state for this connection");
    return t;
}

/* The server's row named zName that the running statement's scan read from pConn
** (borrowed), or NULL (then the batch's view knows it, or looks the one name up). */
static const mopitr_row *pitr_seen(pitr_vtab *v, mopitr_conn *pConn, const char *zName)
{
    pitr_share *pShare = mopitr_vt_stmt_share(v);
    return pShare ? mopitr_vt_share_row(pShare, pConn, zName) : NULL;
}

/* Do two names (possibly NULL) denote the same object, the way the server compares? */
static int pitr_same(const char *zA, const char *zB)
{
    if (zA == NULL || zB == NULL)
        return zA == zB;
    return sqlite3_stricmp(zA, zB) == 0;
}

/* INSERT: aCol are the new row's values in column order. */
static int pitr_insert(pitr_vtab *v, mopitr_txn *t, sqlite3_value **aCol, char **pzErr)
{
    mopitr_change ch;
    mopitr_conn *pConn;
    const char *zConnName = v->zConn;
    const char *zOwn;
    int rc = SQLITE_OK, i;

    memset(&ch, 0, sizeof(ch));
    if (sqlite3_value_type(aCol[MOPITR_COL_CONNECTION]) != SQLITE_NULL) {
        zConnName = (const char *)sqlite3_value_text(aCol[MOPITR_COL_CONNECTION]);
        if (zConnName == NULL)
            return SQLITE_NOMEM;
    }
    pConn = mopitr_vt_conn(v, zConnName, pzErr);
    if (pConn == NULL)
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    zOwn = mopitr_conn_account(pConn);
    /* created_time and modified_time are the server's: ignored, so that rows read from
    ** another mo_pitr table can be inserted as they are. */
    for (i = MOPITR_COL_NAME; rc == SQLITE_OK && i <= MOPITR_COL_RANGE_UNIT; i++) {
        if (i != MOPITR_COL_RANGE_VALUE)
            rc = pitr_value_text(aCol[i], i, &ch.row.az[i], pzErr);
    }
    if (rc == SQLITE_OK)
        rc = pitr_value_range(aCol[MOPITR_COL_RANGE_VALUE], &ch.row.range_value, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    ch.row.level = MOPITR_LEVEL_NONE; /* from the level column, or inferred */
    rc = mopitr_row_check_create(&ch.row, zOwn, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    ch.op = MOPITR_CHANGE_CREATE;
    ch.bOwnAccount =
        ch.row.level == MOPITR_LEVEL_ACCOUNT && mopitr_row_is_own_account(&ch.row, zOwn);
    rc = mopitr_txn_insert(t, pConn, zConnName, &ch, sqlite3_vtab_on_conflict(v->db), pzErr);
out:
    mopitr_row_clear(&ch.row);
    return rc;
}

/*
** Refuse UPDATE/DELETE when this statement read another connection through v: xUpdate
** gets only the primary key, so it cannot tell which connection a row came from, and
** SQLite may close the scan's cursor before it calls xUpdate (two-pass DELETE). The
** flag is sticky from xFilter until the next xBegin, which SQLite calls at the start
** of every writing statement in autocommit mode (inside BEGIN...COMMIT only at the
** first one, so there a foreign read earlier in the transaction also refuses).
*/
static int pitr_check_target(pitr_vtab *v, const char *zVerb, char **pzErr)
{
    if (!v->bForeignSeen)
        return SQLITE_OK;
    *pzErr = mopitr_errf("%s acts on connection '%s' only, and this statement reads another "
                         "connection through the same table: bind a table to that connection "
                         "with CREATE VIRTUAL TABLE t USING mo_pitr(connection=NAME)",
                         zVerb, v->zConn);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* UPDATE: argv[0] is the old name, argv[2..] the new row (unchanged columns may be
** "no change" values). Only the range may change. */
static int pitr_update_row(pitr_vtab *v, mopitr_txn *t, sqlite3_value **argv, char **pzErr)
{
    sqlite3_value **aCol = argv + 2;
    mopitr_change ch;
    mopitr_row old;
    mopitr_conn *pConn;
    char aClipA[MOPITR_CLIP_SIZE], aClipB[MOPITR_CLIP_SIZE];
    char *zNew = NULL;
    const mopitr_row *pSeen = NULL;
    int rc, i, bLoaded = 0, bFound = 0;

    memset(&ch, 0, sizeof(ch));
    memset(&old, 0, sizeof(old));
    rc = pitr_check_target(v, "UPDATE", pzErr);
    if (rc != SQLITE_OK)
        return rc;
    pConn = mopitr_vt_conn(v, v->zConn, pzErr);
    if (pConn == NULL)
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    rc = pitr_value_text(argv[0], MOPITR_COL_NAME, &ch.row.az[MOPITR_COL_NAME], pzErr);
    if (rc == SQLITE_OK)
        rc = mopitr_name_check(MOPITR_COL_NAME, ch.row.az[MOPITR_COL_NAME], MOPITR_NAME_ALTER,
                               pzErr);
    if (rc == SQLITE_OK)
        rc = pitr_value_text(aCol[MOPITR_COL_NAME], MOPITR_COL_NAME, &zNew, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    pSeen = pitr_seen(v, pConn, ch.row.az[MOPITR_COL_NAME]);
    if (!pitr_same(ch.row.az[MOPITR_COL_NAME], zNew)) {
        *pzErr = mopitr_errf("name cannot be changed by UPDATE ('%s' to '%s'): MatrixOne "
                             "cannot rename a PITR; insert a new one and delete the old one",
                             mopitr_err_clip(aClipA, ch.row.az[MOPITR_COL_NAME], -1),
                             mopitr_err_clip(aClipB, zNew, -1));
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    if (!sqlite3_value_nochange(aCol[MOPITR_COL_CONNECTION]) &&
        sqlite3_value_type(aCol[MOPITR_COL_CONNECTION]) != SQLITE_NULL &&
        sqlite3_stricmp((const char *)sqlite3_value_text(aCol[MOPITR_COL_CONNECTION]), v->zConn) !=
            0) {
        *pzErr = mopitr_errf("connection cannot be changed by UPDATE");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    /* Columns the statement sets (or that SQLite could not mark "no change") must keep
    ** the stored value: read the stored row once and compare. */
    for (i = MOPITR_COL_LEVEL; i <= MOPITR_COL_MODIFIED; i++) {
        char *zVal = NULL;
        const char *zOld;
        int bSame;
        if (i == MOPITR_COL_RANGE_VALUE || i == MOPITR_COL_RANGE_UNIT ||
            sqlite3_value_nochange(aCol[i]))
            continue;
        if (!bLoaded) {
            /* The row as the queue sees it (in autocommit: as this statement read it). */
            rc = mopitr_txn_find(t, pConn, v->zConn, ch.row.az[MOPITR_COL_NAME], 1, pSeen, &old,
                                 &bFound, pzErr);
            if (rc != SQLITE_OK)
                goto out;
            bLoaded = 1;
            if (!bFound) {
                *pzErr = mopitr_errf("pitr '%s' no longer exists",
                                     mopitr_err_clip(aClipA, ch.row.az[MOPITR_COL_NAME], -1));
                rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
                goto out;
            }
        }
        rc = pitr_value_text(aCol[i], i, &zVal, pzErr);
        if (rc != SQLITE_OK)
            goto out;
        zOld = old.az[i];
        bSame = i >= MOPITR_COL_CREATED ? (zOld && zVal ? strcmp(zOld, zVal) == 0 : zOld == zVal)
                                        : pitr_same(zOld, zVal);
        if (!bSame) {
            *pzErr = mopitr_errf("%s cannot be changed by UPDATE (%s%s%s to %s%s%s): only "
                                 "range_value and range_unit can change",
                                 pitr_azCol[i], zOld ? "'" : "", mopitr_err_clip(aClipA, zOld, -1),
                                 zOld ? "'" : "", zVal ? "'" : "",
                                 mopitr_err_clip(aClipB, zVal, -1), zVal ? "'" : "");
            rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        sqlite3_free(zVal);
        if (rc != SQLITE_OK)
            goto out;
    }
    rc = pitr_value_range(aCol[MOPITR_COL_RANGE_VALUE], &ch.row.range_value, pzErr);
    if (rc == SQLITE_OK && ch.row.range_value == MOPITR_RANGE_NULL) {
        *pzErr = mopitr_errf("range_value must be an integer from 1 to 100, got NULL");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK)
        rc = pitr_value_text(aCol[MOPITR_COL_RANGE_UNIT], MOPITR_COL_RANGE_UNIT,
                             &ch.row.az[MOPITR_COL_RANGE_UNIT], pzErr);
    if (rc == SQLITE_OK && ch.row.az[MOPITR_COL_RANGE_UNIT] == NULL) {
        *pzErr = mopitr_errf("range_unit must be one of h, d, mo, y, got NULL");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK)
        rc = mopitr_range_check(ch.row.range_value, ch.row.az[MOPITR_COL_RANGE_UNIT], pzErr);
    if (rc != SQLITE_OK)
        goto out;
    ch.op = MOPITR_CHANGE_ALTER;
    /* Queued: the PITR must exist in the queue's view. */
    if (!bLoaded)
        rc = mopitr_txn_find(t, pConn, v->zConn, ch.row.az[MOPITR_COL_NAME], 1, pSeen, &old,
                             &bFound, pzErr);
    if (rc == SQLITE_OK && !bFound) {
        *pzErr = mopitr_errf("pitr '%s' does not exist",
                             mopitr_err_clip(aClipA, ch.row.az[MOPITR_COL_NAME], -1));
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK)
        rc = mopitr_txn_queue(t, pConn, v->zConn, &ch, pzErr);
out:
    mopitr_row_clear(&ch.row);
    mopitr_row_clear(&old);
    sqlite3_free(zNew);
    return rc;
}

/* Has the DELETE being run a WHERE clause? 1 yes; 0 no; -1 cannot tell (see the guard
** rule in pitr_guard_delete). */
static int pitr_delete_has_where(pitr_vtab *v)
{
    sqlite3_stmt *p;
    int bYes = 0, bNo = 0;
    if (v->bScanFiltered)
        return 1; /* a WHERE term was pushed down to the scan */
    for (p = sqlite3_next_stmt(v->db, NULL); p; p = sqlite3_next_stmt(v->db, p)) {
        if (sqlite3_stmt_busy(p)) {
            int r = mopitr_sql_delete_has_where(sqlite3_sql(p), v->zTable);
            bYes |= r == 1;
            bNo |= r == 0;
        }
    }
    return bNo ? 0 : bYes ? 1 : -1;
}

/* Append the names of up to 3 PITRs of level e among aRow to x: " including the cluster
** PITR 'c1'", " and the account PITRs 'a1', 'a2'". *pn counts the clauses written. */
static void pitr_list_level(sqlite3_str *x, const mopitr_row *aRow, int nRow, mopitr_level e,
                            int *pn)
{
    char aClip[MOPITR_CLIP_SIZE];
    int i, n = 0, nAll = 0;
    for (i = 0; i < nRow; i++)
        nAll += aRow[i].level == e;
    for (i = 0; i < nRow && nAll > 0; i++) {
        if (aRow[i].level != e)
            continue;
        if (n == 0)
            sqlite3_str_appendf(x, "%s the %s PITR%s ", *pn ? " and" : ", including",
                                mopitr_level_name(e), nAll > 1 ? "s" : "");
        if (n < 3)
            sqlite3_str_appendf(x, "%s'%s'", n ? ", " : "",
                                mopitr_err_clip(aClip, aRow[i].az[MOPITR_COL_NAME], -1));
        n++;
    }
    if (n > 3)
        sqlite3_str_appendf(x, " and %d more", n - 3);
    *pn += n > 0;
}

/*
** The guard against DELETE without WHERE (issue 13). A DELETE is refused, before
** anything is sent, unless the table allows it (allow_delete_all=1, or
** mo_pitr_allow_delete_all(table) on this connection) or it has a WHERE clause: a term
** pushed down to its scan, or a WHERE in the text of the statement being run
** (guard.c), even one that matches every row. When neither can be seen (the DELETE is
** in a trigger body: the running statement is another one) and the scan sent no
** filter, it is refused too. The message counts what the table holds as this DELETE
** sees it (the queue of a transaction included) and names cluster and account PITRs.
*/
static int pitr_guard_delete(pitr_vtab *v, mopitr_conn *pConn, char **pzErr)
{
    pitr_cache *pBase = NULL, *pOver = NULL;
    const pitr_cache *pAll;
    sqlite3_str *x;
    int rc, r, n = 0;

    if (v->bAllowDeleteAll || mopitr_registry_allow_delete_all(v->pReg, v->zTable))
        return SQLITE_OK;
    r = pitr_delete_has_where(v);
    if (r == 1)
        return SQLITE_OK;
    rc = mopitr_cache_load(pConn, &pBase, pzErr);
    if (rc == SQLITE_OK)
        rc = mopitr_txn_overlay(v->db, pConn, pBase, &pOver, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    pAll = pOver ? pOver : pBase;
    x = sqlite3_str_new(NULL);
    if (r == 0)
        sqlite3_str_appendf(x,
                            "mo_pitr: DELETE without WHERE refused, nothing was sent: it "
                            "would drop %d PITR%s on connection '%s'",
                            pAll->nRow, pAll->nRow == 1 ? "" : "s", v->zConn);
    else
        sqlite3_str_appendf(x,
                            "mo_pitr: DELETE refused, nothing was sent: its scan sent no "
                            "filter and its WHERE clause cannot be seen (a trigger?); "
                            "the table holds %d PITR%s on connection '%s'",
                            pAll->nRow, pAll->nRow == 1 ? "" : "s", v->zConn);
    pitr_list_level(x, pAll->aRow, pAll->nRow, MOPITR_LEVEL_CLUSTER, &n);
    pitr_list_level(x, pAll->aRow, pAll->nRow, MOPITR_LEVEL_ACCOUNT, &n);
    if (sqlite3_stricmp(v->zTable, "mo_pitr") == 0)
        sqlite3_str_appendf(x, "; to drop every PITR through mo_pitr, first run SELECT "
                               "mo_pitr_allow_delete_all('mo_pitr')");
    else
        sqlite3_str_appendf(x,
                            "; to drop every PITR through %s, create it with "
                            "allow_delete_all=1 or first run SELECT "
                            "mo_pitr_allow_delete_all('%s')",
                            v->zTable, v->zTable);
    *pzErr = sqlite3_str_finish(x);
    rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
out:
    mopitr_cache_unref(pBase);
    mopitr_cache_unref(pOver);
    return rc;
}

/* DELETE of the row named by argv[0] (after pitr_check_target and pitr_guard_delete). */
static int pitr_delete(pitr_vtab *v, mopitr_txn *t, sqlite3_value *pName, char **pzErr)
{
    mopitr_change ch;
    mopitr_row old;
    mopitr_conn *pConn;
    char aClip[MOPITR_CLIP_SIZE];
    int rc, bFound = 0;

    memset(&ch, 0, sizeof(ch));
    memset(&old, 0, sizeof(old));
    pConn = mopitr_vt_conn(v, v->zConn, pzErr); /* the target was checked (xUpdate) */
    if (pConn == NULL)
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    rc = pitr_value_text(pName, MOPITR_COL_NAME, &ch.row.az[MOPITR_COL_NAME], pzErr);
    if (rc != SQLITE_OK || ch.row.az[MOPITR_COL_NAME] == NULL)
        goto out;
    rc = mopitr_name_check(MOPITR_COL_NAME, ch.row.az[MOPITR_COL_NAME], MOPITR_NAME_DROP, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    ch.op = MOPITR_CHANGE_DROP;
    /* Queued: the PITR must exist in the queue's view. */
    rc = mopitr_txn_find(t, pConn, v->zConn, ch.row.az[MOPITR_COL_NAME], 1,
                         pitr_seen(v, pConn, ch.row.az[MOPITR_COL_NAME]), &old, &bFound, pzErr);
    if (rc == SQLITE_OK && !bFound) {
        *pzErr = mopitr_errf("pitr '%s' does not exist",
                             mopitr_err_clip(aClip, ch.row.az[MOPITR_COL_NAME], -1));
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK)
        rc = mopitr_txn_queue(t, pConn, v->zConn, &ch, pzErr);
out:
    mopitr_row_clear(&ch.row);
    mopitr_row_clear(&old);
    return rc;
}

/* xUpdate: argc 1 = DELETE; argv[0] NULL = INSERT; else UPDATE (WITHOUT ROWID: argv[0]
** is the old primary key). Each change is queued (see the manual). */
int mopitr_vt_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    sqlite3_value *pName = argc == 1 ? argv[0] : argv[2 + MOPITR_COL_NAME];
    char *zErr = NULL;
    mopitr_txn *t;
    int rc, eVerb = argc == 1                                    ? MOPITR_VERB_DELETE
                    : sqlite3_value_type(argv[0]) == SQLITE_NULL ? MOPITR_VERB_INSERT
                                                                 : MOPITR_VERB_UPDATE;

    if (v->bReadOnly) {
        zErr = mopitr_errf("table %s is read-only (read_only=1)", v->zTable);
        return mopitr_vt_set_err(pVtab, SQLITE_ERROR, zErr);
    }
    t = pitr_txn(v, &zErr);
    if (t == NULL)
        return mopitr_vt_set_err(pVtab, SQLITE_ERROR, zErr);
    mopitr_txn_row(t, eVerb);
    if (eVerb == MOPITR_VERB_DELETE) {
        /* The guard first: its message is about the statement, not this row. */
        mopitr_conn *pConn = mopitr_vt_conn(v, v->zConn, &zErr);
        rc = pitr_check_target(v, "DELETE", &zErr);
        if (rc == SQLITE_OK && pConn == NULL)
            rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
        if (rc == SQLITE_OK)
            rc = pitr_guard_delete(v, pConn, &zErr);
        if (rc != SQLITE_OK)
            return mopitr_vt_set_err(pVtab, rc, zErr);
        rc = pitr_delete(v, t, argv[0], &zErr);
    } else if (eVerb == MOPITR_VERB_INSERT)
        rc = pitr_insert(v, t, argv + 2, &zErr);
    else
        rc = pitr_update_row(v, t, argv, &zErr);
    if (rc != SQLITE_OK)
        mopitr_txn_row_error(t, (const char *)sqlite3_value_text(pName), rc, &zErr);
    return mopitr_vt_set_err(pVtab, rc, zErr);
}
/* xBegin: a writing statement starts (autocommit) or the first one of a transaction
** touches this table: reset the foreign-read flag (see pitr_check_target). */
int mopitr_vt_begin(sqlite3_vtab *pVtab)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    mopitr_txn *t = mopitr_txn_of(v->db);
    v->bForeignSeen = 0;
    if (t)
        mopitr_txn_begin(t);
    return SQLITE_OK;
}

/* xSync: COMMIT sends the queue (the first table's call sends it all; txn_commit.c).
** An error makes SQLite roll the transaction back. */
int mopitr_vt_sync(sqlite3_vtab *pVtab)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    mopitr_txn *t = mopitr_txn_of(v->db);
    char *zErr = NULL;
    int rc;
    if (t == NULL)
        return SQLITE_OK;
    rc = mopitr_txn_sync(t, &zErr);
    return mopitr_vt_set_err(pVtab, rc, zErr);
}

/* xCommit: the transaction is over: forget the queue. */
int mopitr_vt_commit(sqlite3_vtab *pVtab)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    mopitr_txn *t = mopitr_txn_of(v->db);
    v->bForeignSeen = 0;
    if (t)
        mopitr_txn_commit(t);
    return SQLITE_OK;
}

/* xRollback: discard the queue (nothing was sent), or undo a batch xSync applied when
** a later step of the COMMIT failed. */
int mopitr_vt_rollback(sqlite3_vtab *pVtab)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    mopitr_txn *t = mopitr_txn_of(v->db);
    v->bForeignSeen = 0;
    if (t)
        mopitr_txn_rollback(t);
    return SQLITE_OK;
}

/* xSavepoint: SAVEPOINT (or a statement's own savepoint) at level iSavepoint. */
int mopitr_vt_savepoint(sqlite3_vtab *pVtab, int iSavepoint)
{
    mopitr_txn *t = mopitr_txn_of(((pitr_vtab *)pVtab)->db);
    if (t)
        mopitr_txn_savepoint(t, iSavepoint);
    return SQLITE_OK;
}

/* xRelease: RELEASE of level iSavepoint (and those above it). */
int mopitr_vt_release(sqlite3_vtab *pVtab, int iSavepoint)
{
    mopitr_txn *t = mopitr_txn_of(((pitr_vtab *)pVtab)->db);
    if (t)
        mopitr_txn_release(t, iSavepoint);
    return SQLITE_OK;
}

/* xRollbackTo: ROLLBACK TO level iSavepoint (or a failed statement's own savepoint):
** the changes queued since are discarded. */
int mopitr_vt_rollback_to(sqlite3_vtab *pVtab, int iSavepoint)
{
    mopitr_txn *t = mopitr_txn_of(((pitr_vtab *)pVtab)->db);
    if (t)
        mopitr_txn_rollback_to(t, iSavepoint);
    return SQLITE_OK;
}
