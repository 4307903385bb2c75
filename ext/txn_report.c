/*
** txn_report.c: the tables of a connection's writes: mo_pitr_plan, what the open
** transaction would send at COMMIT (issue 13, "see before"), and mo_pitr_last_commit,
** what the last COMMIT or autocommit statement sent (issues 6 and 13).
**
** Usage:
**     BEGIN; ...writes to mo_pitr...
**     SELECT seq, connection, statement, kind, pitr FROM mo_pitr_plan;   -- before
**     COMMIT;
**     SELECT seq, connection, statement, state, error FROM mo_pitr_last_commit;
**
** Both eponymous only, read-only, one per database connection (pAux is the connection's
** transaction state, txn.c). mo_pitr_plan: one row per statement COMMIT would send now,
** in COMMIT's order (txn_commit.c: creates and range increases, range decreases, drops,
** creates that need a dropped name or object), worked out from what the transaction
** has read without asking the server (COMMIT validates first and may still refuse, or
** order a CREATE after a DROP of an object it learns of then); empty outside a
** transaction or when the queue nets to nothing:
**     seq         1, 2, ...
**     connection  the mo_connect() name
**     statement   the CREATE / ALTER / DROP PITR text
**     kind        create | alter | drop
**     pitr        the PITR's name
** mo_pitr_last_commit: one row per statement of the last COMMIT (or autocommit
** statement) that wrote to mo_pitr, in the order they were (or would have been) sent:
**     seq         1, 2, ...
**     connection  the mo_connect() name
**     statement   the CREATE / ALTER / DROP PITR text
**     state       applied | undone | failed | not_sent | unknown
**     error       NULL, or why: the server's error, a failed undo, a lost reply
**
** How it works: both are snapshot tables (snaptab.c): each scan copies the texts
** (txn_commit.c keeps the report and may replace it at the next COMMIT; the plan is
** built for the scan), so a scan is stable whatever happens meanwhile. Reading either
** table sends nothing.
*/
#include "mo_pitr_int.h"

/* Append the statements of p: seq, connection, statement, then state and error (or, for
** the plan, kind and pitr). */
static void report_rows(mopitr_snap *s, const mopitr_report *p, int bPlan)
{
    const char *zConn, *zSql, *zA, *zB;
    int i, n = mopitr_report_count(p);
    for (i = 0; i < n; i++) {
        mopitr_report_step(p, i, &zConn, &zSql, &zA, &zB);
        if (bPlan)
            mopitr_report_step_what(p, i, &zA, &zB);
        mopitr_snap_int(s, i + 1);
        mopitr_snap_text(s, zConn);
        mopitr_snap_text(s, zSql);
        mopitr_snap_text(s, zA);
        mopitr_snap_text(s, zB);
    }
}

/* mo_pitr_last_commit's rows: the last report. */
static int report_last_fill(void *pAux, mopitr_snap *s)
{
    report_rows(s, mopitr_txn_last_report(pAux), 0);
    return SQLITE_OK;
}

/* mo_pitr_plan's rows: the plan of the open transaction, built now. */
static int report_plan_fill(void *pAux, mopitr_snap *s)
{
    mopitr_report *pPlan = NULL;
    int rc = mopitr_txn_plan(pAux, &pPlan);
    if (rc == SQLITE_OK)
        report_rows(s, pPlan, 1);
    mopitr_report_free(pPlan);
    return rc;
}

/* See the header. mo_pitr_last_commit first: it owns t, even when the second fails. */
int mopitr_report_register(sqlite3 *db, mopitr_txn *t, void (*xDestroy)(void *))
{
    int rc = mopitr_snap_register(db, "mo_pitr_last_commit",
                                  "CREATE TABLE x(seq INTEGER, connection TEXT, statement TEXT, "
                                  "state TEXT, error TEXT)",
                                  5, report_last_fill, t, xDestroy);
    if (rc == SQLITE_OK)
        rc = mopitr_snap_register(db, "mo_pitr_plan",
                                  "CREATE TABLE x(seq INTEGER, connection TEXT, statement TEXT, "
                                  "kind TEXT, pitr TEXT)",
                                  5, report_plan_fill, t, NULL);
    return rc;
}
