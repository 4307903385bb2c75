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
** How it works: xFilter copies the texts (txn_commit.c keeps the report and may replace
** it at the next COMMIT; the plan is built for the scan), so a scan is stable whatever
** happens meanwhile. Reading either table sends nothing.
*/
#include <string.h>

#include "mo_pitr_int.h"

typedef struct report_vtab {
    sqlite3_vtab base;
    mopitr_txn *pTxn; /* borrowed: lives as long as the module */
    int bPlan;        /* mo_pitr_plan (else mo_pitr_last_commit) */
} report_vtab;

/* A cursor: a copy of the report's rows taken by xFilter. */
typedef struct report_cursor {
    sqlite3_vtab_cursor base;
    char **azCell; /* 4 texts per row: connection, statement, state, error */
    int nRow, iRow;
} report_cursor;

/* xConnect of both tables (eponymous only): argv[0] is the module name. */
static int report_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                          sqlite3_vtab **ppVtab, char **pzErr)
{
    report_vtab *v;
    int bPlan = sqlite3_stricmp(argv[0], "mo_pitr_plan") == 0;
    int rc = sqlite3_declare_vtab(db, bPlan ? "CREATE TABLE x(seq INTEGER, connection TEXT, "
                                              "statement TEXT, kind TEXT, pitr TEXT)"
                                            : "CREATE TABLE x(seq INTEGER, connection TEXT, "
                                              "statement TEXT, state TEXT, error TEXT)");
    if (rc != SQLITE_OK)
        return rc;
    v = sqlite3_malloc64(sizeof(*v));
    if (v == NULL)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof(*v));
    v->pTxn = pAux;
    v->bPlan = bPlan;
    *ppVtab = &v->base;
    return SQLITE_OK;
}

/* xDisconnect. */
static int report_disconnect(sqlite3_vtab *pVtab)
{
    sqlite3_free(pVtab);
    return SQLITE_OK;
}

/* xBestIndex: always a full scan of a few rows. */
static int report_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    pInfo->estimatedCost = 10;
    pInfo->estimatedRows = 10;
    return SQLITE_OK;
}

/* Free a cursor's copy. */
static void report_cursor_clear(report_cursor *c)
{
    int i;
    for (i = 0; i < c->nRow * 4; i++)
        sqlite3_free(c->azCell[i]);
    sqlite3_free(c->azCell);
    c->azCell = NULL;
    c->nRow = c->iRow = 0;
}

/* xOpen. */
static int report_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    report_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* xClose. */
static int report_close(sqlite3_vtab_cursor *pCur)
{
    report_cursor_clear((report_cursor *)pCur);
    sqlite3_free(pCur);
    return SQLITE_OK;
}

/* Copy the 4 texts of each statement of p into c (state and error, or kind and pitr). */
static int report_copy(report_cursor *c, const mopitr_report *p, int bPlan)
{
    const char *zConn, *zSql, *zState, *zError;
    int i, n = mopitr_report_count(p);

    if (n == 0)
        return SQLITE_OK;
    c->azCell = sqlite3_malloc64(sizeof(char *) * 4 * (size_t)n);
    if (c->azCell == NULL)
        return SQLITE_NOMEM;
    memset(c->azCell, 0, sizeof(char *) * 4 * (size_t)n);
    c->nRow = n;
    for (i = 0; i < n; i++) {
        mopitr_report_step(p, i, &zConn, &zSql, &zState, &zError);
        if (bPlan)
            mopitr_report_step_what(p, i, &zState, &zError);
        c->azCell[i * 4] = sqlite3_mprintf("%s", zConn);
        c->azCell[i * 4 + 1] = sqlite3_mprintf("%s", zSql);
        c->azCell[i * 4 + 2] = sqlite3_mprintf("%s", zState);
        c->azCell[i * 4 + 3] = zError ? sqlite3_mprintf("%s", zError) : NULL;
        if (!c->azCell[i * 4] || !c->azCell[i * 4 + 1] || !c->azCell[i * 4 + 2] ||
            (zError && !c->azCell[i * 4 + 3]))
            return SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* xFilter: copy the last report, or the plan of the open transaction. */
static int report_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                         sqlite3_value **argv)
{
    report_cursor *c = (report_cursor *)pCur;
    report_vtab *v = (report_vtab *)pCur->pVtab;
    mopitr_report *pPlan = NULL;
    int rc;

    report_cursor_clear(c);
    if (!v->bPlan)
        return report_copy(c, mopitr_txn_last_report(v->pTxn), 0);
    rc = mopitr_txn_plan(v->pTxn, &pPlan);
    if (rc == SQLITE_OK)
        rc = report_copy(c, pPlan, 1);
    mopitr_report_free(pPlan);
    return rc;
}

/* xNext. */
static int report_next(sqlite3_vtab_cursor *pCur)
{
    ((report_cursor *)pCur)->iRow++;
    return SQLITE_OK;
}

/* xEof. */
static int report_eof(sqlite3_vtab_cursor *pCur)
{
    report_cursor *c = (report_cursor *)pCur;
    return c->iRow >= c->nRow;
}

/* xColumn. */
static int report_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    report_cursor *c = (report_cursor *)pCur;
    if (iCol == 0)
        sqlite3_result_int(ctx, c->iRow + 1);
    else if (iCol >= 1 && iCol <= 4 && c->azCell[c->iRow * 4 + iCol - 1])
        sqlite3_result_text(ctx, c->azCell[c->iRow * 4 + iCol - 1], -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* xRowid. */
static int report_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((report_cursor *)pCur)->iRow + 1;
    return SQLITE_OK;
}

static sqlite3_module report_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = report_connect,
    .xBestIndex = report_best_index,
    .xDisconnect = report_disconnect,
    .xDestroy = report_disconnect,
    .xOpen = report_open,
    .xClose = report_close,
    .xFilter = report_filter,
    .xNext = report_next,
    .xEof = report_eof,
    .xColumn = report_column,
    .xRowid = report_rowid,
};

/* See the header. mo_pitr_last_commit first: it owns t, even when the second fails. */
int mopitr_report_register(sqlite3 *db, mopitr_txn *t, void (*xDestroy)(void *))
{
    int rc = sqlite3_create_module_v2(db, "mo_pitr_last_commit", &report_module, t, xDestroy);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_module_v2(db, "mo_pitr_plan", &report_module, t, NULL);
    return rc;
}
