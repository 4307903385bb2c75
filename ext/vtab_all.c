/*
** vtab_all.c: the mo_pitr_all table: the PITRs of every connection (or of a chosen
** list), asked of all their servers at once (issue 16).
**
** Usage:
**     SELECT mo_connect_all();                              -- or several mo_connect()
**     SELECT connection, name, level FROM mo_pitr_all ORDER BY connection, name;
**     SELECT * FROM mo_pitr_all WHERE level = 'account';    -- pushed down on each server
**     SELECT * FROM mo_pitr_all('prod,dr');                 -- only these connections
**     SELECT connection, error FROM mo_pitr_all(NULL, 'report') WHERE error IS NOT NULL;
**     SELECT * FROM mo_pitr_all WHERE connection IN ('prod', 'dr');   -- also a choice
**
** Schema (eponymous only, read-only):
**     name, level, account_name, database_name, table_name, range_value INTEGER,
**     range_unit, created_time, modified_time,
**     earliest_restorable                        -- as mo_pitr, same collation
**     connection   the connection the row came from
**     error        NULL; in report mode, the reason a connection failed (see below)
**     connections  HIDDEN argument 1: a comma-separated list of connection names (blanks
**                  around names ignored, case-insensitive); NULL or omitted: every
**                  connection, oldest first
**     on_error     HIDDEN argument 2: 'fail' (default) or 'report'
**
** Failures: by default the first connection that fails (cannot connect, times out,
** loses its connection, answers an error) fails the statement: "mo_pitr: connection
** 'NAME': <reason>". With on_error 'report' the statement goes on: each failed
** connection yields one row with every PITR column NULL, `connection` set and `error`
** saying why (rows it sent before failing stay in the result). An unknown connection
** name, an interrupt and out-of-memory always fail the statement.
**
** How it works:
**   - xBestIndex: the two arguments (EQ on the hidden columns; unusable -> not a plan),
**     `connection = ?` or `connection IN (...)` (the list is narrowed to those names;
**     SQLite still checks the constraint), then the data-column pushdown of mo_pitr
**     (vtab_args.c). idxNum bits: 1 connections, 2 on_error, 4 connection =/IN; argv
**     holds them in that order, then the data terms. idxStr is the SHOW PITR template.
**   - xFilter renders the SHOW PITR for each connection and hands them all to the
**     fan-out (conn_fanout.c), which sends them at once on its own non-blocking handles
**     and streams the rows as they come, in no particular order across connections.
**   - A connection with changes queued in the current transaction is read as mo_pitr
**     reads it (txn.c, mopitr_txn_read_*): the queue's rows that satisfy the scan come
**     first, then the fan-out's rows of that connection (its own filtered SHOW PITR)
**     without those of the names the queue changed. A failure to read such a connection
**     fails the statement whatever on_error says (its queued rows were shown already).
*/
#include <string.h>

#include "mo_pitr_int.h"

enum {
    ALL_COL_EARLIEST = MOPITR_NDATA, /* after the nine data columns of mo_pitr, as there */
    ALL_COL_CONNECTION,
    ALL_COL_ERROR,
    ALL_COL_CONNECTIONS, /* HIDDEN argument */
    ALL_COL_ON_ERROR     /* HIDDEN argument */
};

#define ALL_IDX_CONNECTIONS 1
#define ALL_IDX_ON_ERROR    2
#define ALL_IDX_CONNECTION  4

typedef mopitr_reg_vtab all_vtab; /* the registry (connections) and the database */

/* One row of a transaction's queue (a connection with queued changes), borrowed from
** the read of that connection. */
typedef struct all_over {
    const mopitr_row *pRow;
    int iConn;
} all_over;

typedef struct all_cursor {
    sqlite3_vtab_cursor base;
    char **azName; /* the connections of this scan */
    int nName;
    all_over *aOver; /* queued rows of connections with queued changes, served first */
    int nOver, iOver;
    mopitr_txn_read **apRead; /* per name: the read of its queue, or NULL */
    mopitr_fanout *pFan;      /* the other connections */
    int *aFanName;            /* the fan-out's connection i is azName[aFanName[i]] */
    mopitr_row row;           /* the fan-out's current row */
    int iConn;                /* its connection (the fan-out's index) */
    char *zError;             /* report mode: the current row says this connection failed */
    int bEof;
    sqlite3_int64 iRowid;
    sqlite3_int64 nowSec; /* the scan's "now", for earliest_restorable */
    int nowNsec;
} all_cursor;

/* xConnect (eponymous only). */
static int all_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                       sqlite3_vtab **ppVtab, char **pzErr)
{
    return mopitr_reg_vtab_connect(
        db, pAux,
        "CREATE TABLE x(name TEXT COLLATE " MOPITR_COLLATION
        ", level TEXT COLLATE " MOPITR_COLLATION ", account_name TEXT COLLATE " MOPITR_COLLATION
        ", database_name TEXT COLLATE " MOPITR_COLLATION
        ", table_name TEXT COLLATE " MOPITR_COLLATION
        ", range_value INTEGER, range_unit TEXT COLLATE " MOPITR_COLLATION
        ", created_time TEXT, modified_time TEXT, earliest_restorable TEXT, "
        "connection TEXT COLLATE NOCASE, "
        "error TEXT, connections HIDDEN, on_error HIDDEN)",
        sizeof(all_vtab), ppVtab);
}

/* xBestIndex: see the file comment. */
static int all_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    int aIdx[3] = {-1, -1, -1}, abUnusable[3] = {0, 0, 0}, i, k, nArg = 0;

    for (i = 0; i < pInfo->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
        if (c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        k = c->iColumn == ALL_COL_CONNECTIONS  ? 0
            : c->iColumn == ALL_COL_ON_ERROR   ? 1
            : c->iColumn == ALL_COL_CONNECTION ? 2
                                               : -1;
        if (k < 0)
            continue;
        if (!c->usable)
            abUnusable[k] = 1;
        else if (aIdx[k] < 0)
            aIdx[k] = i;
    }
    /* An argument whose value is not known yet: not a plan. */
    if ((abUnusable[0] && aIdx[0] < 0) || (abUnusable[1] && aIdx[1] < 0))
        return SQLITE_CONSTRAINT;
    for (k = 0; k < 3; k++) {
        if (aIdx[k] < 0)
            continue;
        pInfo->aConstraintUsage[aIdx[k]].argvIndex = ++nArg;
        pInfo->aConstraintUsage[aIdx[k]].omit = k < 2; /* SQLite checks `connection` too */
        pInfo->idxNum |= 1 << k;
        if (k == 2 && sqlite3_vtab_in(pInfo, aIdx[k], -1))
            sqlite3_vtab_in(pInfo, aIdx[k], 1);
    }
    return mopitr_vt_plan(pInfo, nArg, 0);
}

/* xOpen. */
static int all_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    all_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    c->bEof = 1;
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* End the current scan. */
static void all_scan_clear(all_cursor *c)
{
    int i;
    mopitr_fanout_free(c->pFan);
    c->pFan = NULL;
    sqlite3_free(c->aFanName);
    c->aFanName = NULL;
    sqlite3_free(c->aOver);
    c->aOver = NULL;
    c->nOver = c->iOver = 0;
    for (i = 0; c->apRead && i < c->nName; i++)
        mopitr_txn_read_free(c->apRead[i]);
    sqlite3_free(c->apRead);
    c->apRead = NULL;
    for (i = 0; i < c->nName; i++)
        sqlite3_free(c->azName[i]);
    sqlite3_free(c->azName);
    c->azName = NULL;
    c->nName = 0;
    mopitr_row_clear(&c->row);
    sqlite3_free(c->zError);
    c->zError = NULL;
    c->bEof = 1;
}

/* xClose. */
static int all_close(sqlite3_vtab_cursor *pCur)
{
    all_cursor *c = (all_cursor *)pCur;
    all_scan_clear(c);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Add a copy of z[0..n) to c->azName unless it is there already (case-insensitive). */
static int all_name_add(all_cursor *c, const char *z, int n)
{
    char **azNew;
    int i;
    for (i = 0; i < c->nName; i++) {
        if ((int)strlen(c->azName[i]) == n && sqlite3_strnicmp(c->azName[i], z, n) == 0)
            return SQLITE_OK;
    }
    azNew = sqlite3_realloc64(c->azName, sizeof(char *) * (size_t)(c->nName + 1));
    if (azNew == NULL)
        return SQLITE_NOMEM;
    c->azName = azNew;
    c->azName[c->nName] = sqlite3_mprintf("%.*s", n, z);
    if (c->azName[c->nName] == NULL)
        return SQLITE_NOMEM;
    c->nName++;
    return SQLITE_OK;
}

/* The names of a `connections` argument: comma-separated, blanks around names ignored,
** empty items skipped. */
static int all_names_from_list(all_cursor *c, const char *z)
{
    int rc = SQLITE_OK;
    while (rc == SQLITE_OK && *z) {
        const char *zEnd = strchr(z, ',');
        int n = zEnd ? (int)(zEnd - z) : (int)strlen(z);
        while (n > 0 && (z[0] == ' ' || z[0] == '\t'))
            z++, n--;
        while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t'))
            n--;
        if (n > 0)
            rc = all_name_add(c, z, n);
        if (zEnd == NULL)
            break;
        z = zEnd + 1;
    }
    return rc;
}

/* Keep only the names of c that the `connection = ?` / IN (...) value pVal allows. */
static void all_names_narrow(all_cursor *c, sqlite3_value *pVal)
{
    sqlite3_value *pIn = NULL;
    int i, j = 0, rc = sqlite3_vtab_in_first(pVal, &pIn);
    int bList = rc == SQLITE_OK || rc == SQLITE_DONE; /* else one value (not an IN list) */

    for (i = 0; i < c->nName; i++) {
        int bKeep = 0;
        if (bList) {
            for (rc = sqlite3_vtab_in_first(pVal, &pIn); rc == SQLITE_OK && pIn && !bKeep;
                 rc = sqlite3_vtab_in_next(pVal, &pIn)) {
                const char *z = (const char *)sqlite3_value_text(pIn);
                bKeep = z && sqlite3_stricmp(z, c->azName[i]) == 0;
            }
        } else {
            const char *z = (const char *)sqlite3_value_text(pVal);
            bKeep = z && sqlite3_stricmp(z, c->azName[i]) == 0;
        }
        if (bKeep)
            c->azName[j++] = c->azName[i];
        else
            sqlite3_free(c->azName[i]);
    }
    c->nName = j;
}

/* Connection iConn has changes queued in this transaction: open its read (mo_pitr's
** mechanism) and append the queue's rows that satisfy a to c->aOver. */
static int all_read_queue(all_cursor *c, all_vtab *v, mopitr_conn *pConn, int iConn,
                          const mopitr_vt_args *a)
{
    const mopitr_row *aRow;
    all_over *aNew;
    int i, n, rc = mopitr_txn_read_open(v->db, pConn, a->aArg, a->nArg, &c->apRead[iConn]);
    if (rc != SQLITE_OK || c->apRead[iConn] == NULL)
        return rc;
    n = mopitr_txn_read_rows(c->apRead[iConn], &aRow);
    if (n == 0)
        return SQLITE_OK;
    aNew = sqlite3_realloc64(c->aOver, sizeof(all_over) * (size_t)(c->nOver + n));
    if (aNew == NULL)
        return SQLITE_NOMEM;
    c->aOver = aNew;
    for (i = 0; i < n; i++) {
        c->aOver[c->nOver].pRow = &aRow[i];
        c->aOver[c->nOver++].iConn = iConn;
    }
    return SQLITE_OK;
}

/* Step to the next row: the queued rows first, then the fan-out's (those of a
** connection with queued changes through its read: mopitr_txn_read_keep). */
static int all_step(all_cursor *c, char **pzErr)
{
    const char *zFail = NULL;
    int rc = SQLITE_DONE, bKeep;

    sqlite3_free(c->zError);
    c->zError = NULL;
    c->iRowid++;
    if (c->iOver < c->nOver) {
        c->iOver++;
        if (c->iOver < c->nOver)
            return SQLITE_OK;
    }
    while (c->pFan) {
        mopitr_txn_read *r;
        rc = mopitr_fanout_next(c->pFan, &c->row, &c->iConn, &zFail, pzErr);
        if (rc != SQLITE_ROW)
            break;
        r = c->apRead[c->aFanName[c->iConn]];
        if (r && zFail) {
            /* A connection with queued changes must be read whole: fail the statement. */
            *pzErr = mopitr_errf("connection '%s': %s", c->azName[c->aFanName[c->iConn]],
                                 mopitr_err_body(zFail));
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        if (zFail) {
            if ((c->zError = sqlite3_mprintf("%s", zFail)) == NULL)
                return SQLITE_NOMEM;
            return SQLITE_OK;
        }
        if (r == NULL)
            return SQLITE_OK;
        rc = mopitr_txn_read_keep(r, &c->row, &bKeep, pzErr);
        if (rc != SQLITE_OK) {
            if (*pzErr) {
                char *z = mopitr_errf("connection '%s': %s", c->azName[c->aFanName[c->iConn]],
                                      mopitr_err_body(*pzErr));
                sqlite3_free(*pzErr);
                *pzErr = z;
            }
            return rc;
        }
        if (bKeep)
            return SQLITE_OK;
    }
    if (c->pFan == NULL) {
        c->bEof = 1;
        return SQLITE_OK;
    }
    mopitr_fanout_free(c->pFan);
    c->pFan = NULL;
    c->bEof = 1;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* xFilter: see the file comment. */
static int all_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                      sqlite3_value **argv)
{
    all_cursor *c = (all_cursor *)pCur;
    all_vtab *v = (all_vtab *)pCur->pVtab;
    mopitr_term aTerm[PITR_MAX_TERMS];
    mopitr_vt_args args;
    mopitr_conn **apConn = NULL;
    const char **azFan = NULL;
    char *zErr = NULL;
    int rc = SQLITE_OK, iArg = 0, bReport = 0, nTerm, i, nFan = 0;

    memset(&args, 0, sizeof(args));
    all_scan_clear(c);
    c->iRowid = 0;
    mopitr_clock_now(&c->nowSec, &c->nowNsec); /* earliest_restorable of this scan */
    if ((idxNum & ALL_IDX_CONNECTIONS) && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        const char *zList = (const char *)sqlite3_value_text(argv[0]);
        rc = zList ? all_names_from_list(c, zList) : SQLITE_NOMEM;
    } else {
        rc = mopitr_registry_names(v->pReg, &c->azName, &c->nName);
    }
    if (rc != SQLITE_OK)
        goto out;
    if (idxNum & ALL_IDX_CONNECTIONS)
        iArg++;
    if (idxNum & ALL_IDX_ON_ERROR) {
        const char *z = (const char *)sqlite3_value_text(argv[iArg++]);
        if (z && sqlite3_stricmp(z, "report") == 0) {
            bReport = 1;
        } else if (z == NULL || sqlite3_stricmp(z, "fail") != 0) {
            char aClip[MOPITR_CLIP_SIZE];
            zErr = mopitr_errf("on_error must be 'fail' or 'report', got '%s'",
                               mopitr_err_clip(aClip, z, -1));
            rc = SQLITE_ERROR;
            goto out;
        }
    }
    if (c->nName == 0 && (idxNum & ALL_IDX_CONNECTIONS) &&
        sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        char aClip[MOPITR_CLIP_SIZE];
        zErr = mopitr_errf("the connections argument '%s' names no connection (a "
                           "comma-separated list of names; NULL for all)",
                           mopitr_err_clip(aClip, (const char *)sqlite3_value_text(argv[0]), -1));
        rc = SQLITE_ERROR;
        goto out;
    }
    if (c->nName == 0) {
        zErr = mopitr_errf("mo_pitr_all has no connection to read: call mo_connect(dsn, name) "
                           "or mo_connect_all() first");
        rc = SQLITE_ERROR;
        goto out;
    }
    if (idxNum & ALL_IDX_CONNECTION)
        all_names_narrow(c, argv[iArg++]);
    nTerm = mopitr_plan_parse(idxStr ? idxStr : "SHOW PITR", aTerm, PITR_MAX_TERMS);
    if (nTerm < 0 || nTerm != argc - iArg) {
        zErr = mopitr_errf("internal error: cannot parse the plan '%s'", idxStr ? idxStr : "");
        rc = SQLITE_ERROR;
        goto out;
    }
    rc = mopitr_vt_args_collect(&args, aTerm, nTerm, argv + iArg);
    apConn = sqlite3_malloc64(sizeof(mopitr_conn *) * (size_t)(c->nName + 1));
    azFan = sqlite3_malloc64(sizeof(char *) * (size_t)(c->nName + 1));
    c->aFanName = sqlite3_malloc64(sizeof(int) * (size_t)(c->nName + 1));
    c->apRead = sqlite3_malloc64(sizeof(mopitr_txn_read *) * (size_t)(c->nName + 1));
    if (c->apRead)
        memset(c->apRead, 0, sizeof(mopitr_txn_read *) * (size_t)(c->nName + 1));
    if (rc == SQLITE_OK &&
        (apConn == NULL || azFan == NULL || c->aFanName == NULL || c->apRead == NULL))
        rc = SQLITE_NOMEM;
    /* Every name must be a connection before anything is sent. */
    for (i = 0; rc == SQLITE_OK && i < c->nName; i++) {
        if (mopitr_registry_get(v->pReg, c->azName[i]) == NULL) {
            char aClip[MOPITR_CLIP_SIZE];
            zErr = mopitr_errf("no connection named '%s': connect it with mo_connect first",
                               mopitr_err_clip(aClip, c->azName[i], -1));
            rc = SQLITE_ERROR;
        }
    }
    for (i = 0; rc == SQLITE_OK && i < c->nName; i++) {
        mopitr_conn *pConn = mopitr_registry_get(v->pReg, c->azName[i]);
        rc = all_read_queue(c, v, pConn, i, &args);
        c->aFanName[nFan] = i;
        apConn[nFan] = pConn;
        azFan[nFan++] = c->azName[i];
    }
    if (rc == SQLITE_OK && nFan > 0)
        rc = mopitr_fanout_start(v->db, apConn, azFan, nFan, args.aArg, args.nArg, bReport,
                                 &c->pFan, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    c->bEof = 0;
    c->iOver = -1;
    rc = all_step(c, &zErr);
out:
    mopitr_vt_args_clear(&args);
    sqlite3_free(apConn);
    sqlite3_free(azFan);
    if (rc != SQLITE_OK)
        c->bEof = 1;
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xNext. */
static int all_next(sqlite3_vtab_cursor *pCur)
{
    char *zErr = NULL;
    int rc = all_step((all_cursor *)pCur, &zErr);
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xEof. */
static int all_eof(sqlite3_vtab_cursor *pCur)
{
    return ((all_cursor *)pCur)->bEof;
}

/* xColumn: the data columns of the current row (NULL on a failure row), its connection,
** its error; the hidden arguments read as NULL. */
static int all_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    all_cursor *c = (all_cursor *)pCur;
    int bOver = c->iOver >= 0 && c->iOver < c->nOver;
    const mopitr_row *r = bOver ? c->aOver[c->iOver].pRow : &c->row;
    const char *z = NULL;

    if (iCol == ALL_COL_CONNECTION) {
        z = c->azName[bOver ? c->aOver[c->iOver].iConn : c->aFanName[c->iConn]];
    } else if (iCol == ALL_COL_ERROR) {
        z = bOver ? NULL : c->zError;
    } else if (iCol == ALL_COL_EARLIEST) {
        char aBuf[MOPITR_TIME_SIZE];
        if ((bOver || c->zError == NULL) && mopitr_row_earliest(r, c->nowSec, c->nowNsec, aBuf))
            sqlite3_result_text(ctx, aBuf, -1, SQLITE_TRANSIENT);
        return SQLITE_OK;
    } else if (iCol == MOPITR_COL_RANGE_VALUE) {
        if (bOver || c->zError == NULL)
            sqlite3_result_int64(ctx, r->range_value);
        return SQLITE_OK;
    } else if (iCol >= 0 && iCol < MOPITR_NDATA && (bOver || c->zError == NULL)) {
        z = r->az[iCol];
    }
    if (z)
        sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* xRowid: the position in the scan. */
static int all_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((all_cursor *)pCur)->iRowid;
    return SQLITE_OK;
}

static sqlite3_module all_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = all_connect,
    .xBestIndex = all_best_index,
    .xDisconnect = mopitr_reg_vtab_disconnect,
    .xDestroy = mopitr_reg_vtab_disconnect,
    .xOpen = all_open,
    .xClose = all_close,
    .xFilter = all_filter,
    .xNext = all_next,
    .xEof = all_eof,
    .xColumn = all_column,
    .xRowid = all_rowid,
};

/* Register mo_pitr_all on db; the module holds a reference to the registry. */
int mopitr_vtab_all_register(sqlite3 *db, mopitr_registry *p)
{
    mopitr_registry_ref(p); /* dropped by the module's destructor, also on failure */
    return sqlite3_create_module_v2(db, "mo_pitr_all", &all_module, p, mopitr_registry_unref);
}
