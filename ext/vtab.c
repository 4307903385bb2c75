/*
** vtab.c: the mo_pitr virtual table: MatrixOne PITRs as rows.
**
** Usage:
**     SELECT mo_connect('mysql://root@127.0.0.1:6001');
**     SELECT name, level, range_value, range_unit FROM mo_pitr WHERE level = 'database';
**     SELECT * FROM mo_pitr('dr');                       -- connection 'dr', table-valued
**     CREATE VIRTUAL TABLE dr_pitr USING mo_pitr(connection=dr, read_only=1);
**     INSERT INTO mo_pitr(name, database_name, range_value, range_unit)
**         VALUES ('db1_pitr', 'db1', 7, 'd');            -- CREATE PITR ... FOR DATABASE
**     UPDATE mo_pitr SET range_value = 2, range_unit = 'mo' WHERE name = 'db1_pitr';
**     DELETE FROM mo_pitr WHERE name = 'db1_pitr';       -- DROP PITR
**
** Arguments of CREATE VIRTUAL TABLE (the eponymous mo_pitr takes none):
**     connection=NAME   the mo_connect() name to use            default: default
**     read_only=0|1     refuse INSERT, UPDATE and DELETE        default: 0
**     allow_delete_all=0|1  allow DELETE without WHERE          default: 0
**                       (vtab_write.c; the eponymous table: mo_pitr_allow_delete_all())
** SQLite keeps these arguments in clear in the schema, so an argument that looks like
** a password or a DSN (password=, dsn=, anything with '@' or "://") is refused.
**
** Schema (WITHOUT ROWID, name is the primary key):
**     name, level, account_name, database_name, table_name, range_value INTEGER,
**     range_unit, created_time, modified_time (UTC text), connection HIDDEN,
**     earliest_restorable (UTC text, computed here: see below)
** The text columns use the collation mo_nocase (entry.c): MatrixOne lower-cases names
** (Go's strings.ToLower), and mo_nocase compares after the same folding
** (mopitr_fold), so 'MyPitr' and 'ÄPFEL' find what the server stored as 'mypitr' and
** 'äpfel'. SQLite's NOCASE would fold ASCII only.
**
** How it works:
**   - xBestIndex offers every constraint plan.c can send (mopitr_plan_usable_coll) and
**     marks it omitted when the server's answer is exact. Text comparisons are sent
**     only under the column's own collation; xFilter folds their values first, so the
**     server's binary comparison with the stored names is exactly mo_nocase. EQ
**     constraints that SQLite can hand over all at once become one IN (...)
**     (sqlite3_vtab_in). idxStr is the SHOW PITR template (EXPLAIN QUERY PLAN shows
**     it); idxNum bit 0 says argv[0] is the connection name (an EQ on the HIDDEN
**     column, always consumed; unusable -> SQLITE_CONSTRAINT, not a plan).
**   - Reads are shared within a statement (vtab_share.c). The first read of a plan sends its own
**     filtered SHOW PITR and streams the rows; a second read of the same plan (the
**     inner side of a join, a correlated subquery reopening its cursor per outer row)
**     fetches the whole table once, and every later read in the statement is answered
**     from that copy with mopitr_plan_match. So a join from N local rows costs at
**     most 2 remote queries. The copy is dropped when the connection's write
**     generation moves (any write on that connection). The statement is recognised
**     as the one busy sqlite3_stmt (pointer, run count, and an epoch bumped by each
**     xBestIndex so a new statement at a reused address is never confused with the
**     old one); when several statements are busy, sharing is per cursor instead.
**   - xUpdate (vtab_write.c) turns each row change into one mopitr_change: INSERT ->
**     CREATE PITR, UPDATE of the range -> ALTER PITR, DELETE -> DROP PITR. Everything
**     is validated before the first write. Changes are queued and sent at the end of
**     the statement (autocommit: all-or-nothing) or at COMMIT (txn.c, txn_commit.c).
**   - Read-your-writes: a scan of a connection with queued changes reads the server as
**     above (its own filtered query, or the statement's copy), leaves out the rows of the
**     names the queue changed, and first returns the queue's current rows of those names
**     that satisfy every term (mopitr_txn_read_*: the omitted terms included, which
**     SQLite does not re-check). A scan filtered to names the queue changed and read
**     sends nothing.
**   - INSERT: level may be omitted when the identity columns imply it; range defaults
**     to 1 'd'; created_time/modified_time are ignored (the server sets them, so rows
**     read from another mo_pitr table insert as they are); a non-NULL connection
**     column creates on that connection. Text columns refuse blobs and NUL bytes.
**   - Conflicts (SQLITE_VTAB_CONSTRAINT_SUPPORT): a duplicate name or a second PITR for
**     the same object is SQLITE_CONSTRAINT. INSERT OR IGNORE looks the name up first and
**     sends nothing when it exists; INSERT OR REPLACE alters the range when the existing
**     PITR protects the same object and refuses when it protects another one.
**   - earliest_restorable: the first whole second a RESTORE from the PITR is accepted for
**     now, max(created_time + 1 s, now - range) with MatrixOne's calendar arithmetic
**     (window.c, spec 8.4); NULL for a CREATE queued in a transaction. Computed locally
**     (never sent to the server), with the clock read once per scan. INSERT ignores it
**     like the times; UPDATE refuses to set it.
**   - UPDATE may change only range_value and range_unit. Identity columns come to
**     xUpdate as "no change" values (sqlite3_vtab_nochange) unless the statement sets
**     them; then they are compared with the row as this statement read it (or, if it
**     cannot be found, as the server has it) and a real change is refused before any
**     write. UPDATE and DELETE act on the table's own connection: a writing statement
**     that read another connection through the same table is refused (xUpdate gets
**     only the primary key, so it could not tell where a row came from).
*/
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* The computed column, declared after the HIDDEN connection column so that it is the
** last column of SELECT * and the table-valued argument stays the connection. */
#define PITR_COL_EARLIEST MOPITR_NCOL

/* Replace pVtab->zErrMsg with zErr (owned). Returns rc, SQLITE_NOMEM if zErr is NULL. */
int mopitr_vt_set_err(sqlite3_vtab *pVtab, int rc, char *zErr)
{
    if (zErr == NULL)
        return rc == SQLITE_OK ? SQLITE_OK : SQLITE_NOMEM;
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = zErr;
    return rc == SQLITE_OK ? SQLITE_ERROR : rc;
}

/* The connection zName of v's registry, or an error naming what to do. */
mopitr_conn *mopitr_vt_conn(pitr_vtab *v, const char *zName, char **pzErr)
{
    mopitr_conn *p = mopitr_registry_get(v->pReg, zName);
    if (p == NULL) {
        if (sqlite3_stricmp(zName, MOPITR_DEFAULT_CONNECTION) == 0)
            *pzErr = mopitr_errf("not connected: call mo_connect(dsn) first");
        else
            *pzErr = mopitr_errf("no connection named '%s': call mo_connect(dsn, '%s') first",
                                 zName, zName);
    }
    return p;
}

/* ---- arguments ---------------------------------------------------------- */

/* Copy of z[0..n) with surrounding blanks and one level of quotes removed. */
static char *pitr_arg_dup(const char *z, size_t n)
{
    while (n > 0 && (z[0] == ' ' || z[0] == '\t'))
        z++, n--;
    while (n > 0 && (z[n - 1] == ' ' || z[n - 1] == '\t'))
        n--;
    if (n >= 2 && (z[0] == '\'' || z[0] == '"' || z[0] == '`') && z[n - 1] == z[0])
        z++, n -= 2;
    return sqlite3_mprintf("%.*s", (int)n, z);
}

/* Is zName a valid connection name (same rule as mo_connect)? */
static int pitr_name_ok(const char *zName)
{
    size_t i, n = strlen(zName);
    if (n < 1 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = zName[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Parse one CREATE VIRTUAL TABLE argument into v. SQLITE_OK or an error in *pzErr. */
static int pitr_parse_arg(pitr_vtab *v, const char *zArg, int *pbSeen, char **pzErr)
{
    const char *zEq = strchr(zArg, '=');
    char *zKey = NULL, *zVal = NULL;
    int rc = SQLITE_ERROR;

    if (strchr(zArg, '@') || strstr(zArg, "://") || sqlite3_strnicmp(zArg, "password", 8) == 0 ||
        sqlite3_strnicmp(zArg, "dsn", 3) == 0 || sqlite3_strnicmp(zArg, "passwd", 6) == 0) {
        *pzErr = mopitr_errf("CREATE VIRTUAL TABLE arguments are stored in clear in the database "
                             "schema, so they may not hold a password or a DSN: connect with "
                             "mo_connect(dsn, name) and pass connection=name");
        goto out;
    }
    if (zEq == NULL) {
        zKey = pitr_arg_dup(zArg, strlen(zArg));
        *pzErr = zKey ? mopitr_errf("argument '%s' is not key=value; valid arguments: "
                                    "connection, read_only, allow_delete_all",
                                    zKey)
                      : NULL;
        goto out;
    }
    zKey = pitr_arg_dup(zArg, (size_t)(zEq - zArg));
    zVal = pitr_arg_dup(zEq + 1, strlen(zEq + 1));
    if (zKey == NULL || zVal == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    if (sqlite3_stricmp(zKey, "connection") == 0) {
        if (pbSeen[0]++) {
            *pzErr = mopitr_errf("argument connection given twice");
            goto out;
        }
        if (!pitr_name_ok(zVal)) {
            *pzErr = mopitr_errf("connection name '%s' is not valid: use 1 to 64 letters, "
                                 "digits, '_', '-' or '.'",
                                 zVal);
            goto out;
        }
        sqlite3_free(v->zConn);
        v->zConn = zVal;
        zVal = NULL;
    } else if (sqlite3_stricmp(zKey, "read_only") == 0 ||
               sqlite3_stricmp(zKey, "allow_delete_all") == 0) {
        int iArg = sqlite3_stricmp(zKey, "read_only") == 0 ? 1 : 2;
        const char *zName = iArg == 1 ? "read_only" : "allow_delete_all";
        int *pb = iArg == 1 ? &v->bReadOnly : &v->bAllowDeleteAll;
        if (pbSeen[iArg]++) {
            *pzErr = mopitr_errf("argument %s given twice", zName);
            goto out;
        }
        if (strcmp(zVal, "1") == 0 || sqlite3_stricmp(zVal, "true") == 0 ||
            sqlite3_stricmp(zVal, "on") == 0 || sqlite3_stricmp(zVal, "yes") == 0) {
            *pb = 1;
        } else if (strcmp(zVal, "0") == 0 || sqlite3_stricmp(zVal, "false") == 0 ||
                   sqlite3_stricmp(zVal, "off") == 0 || sqlite3_stricmp(zVal, "no") == 0) {
            *pb = 0;
        } else {
            *pzErr = mopitr_errf("%s must be 0 or 1, got '%s'", zName, zVal);
            goto out;
        }
    } else {
        *pzErr = mopitr_errf("unknown argument '%s'; valid arguments: connection, read_only, "
                             "allow_delete_all",
                             zKey);
        goto out;
    }
    rc = SQLITE_OK;
out:
    if (rc == SQLITE_ERROR && *pzErr == NULL)
        rc = SQLITE_NOMEM;
    sqlite3_free(zKey);
    sqlite3_free(zVal);
    return rc;
}

/* ---- table ------------------------------------------------------------- */

/* xDisconnect / xDestroy: nothing remote to drop. */
static int pitr_disconnect(sqlite3_vtab *pVtab)
{
    pitr_vtab *v = (pitr_vtab *)pVtab;
    mopitr_share_clear(&v->share);
    mopitr_registry_unref(v->pReg);
    sqlite3_free(v->zConn);
    sqlite3_free(v->zTable);
    sqlite3_free(v);
    return SQLITE_OK;
}

/* xCreate and xConnect (the same: the table stores nothing of its own). */
static int pitr_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr)
{
    pitr_vtab *v;
    int rc = SQLITE_OK, i;
    int aSeen[3] = {0, 0, 0};

    *ppVtab = NULL;
    v = sqlite3_malloc64(sizeof(*v));
    if (v == NULL)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof(*v));
    v->db = db;
    v->pReg = pAux;
    mopitr_registry_ref(v->pReg);
    v->zConn = sqlite3_mprintf("%s", MOPITR_DEFAULT_CONNECTION);
    v->zTable = sqlite3_mprintf("%s", argc > 2 ? argv[2] : "mo_pitr");
    if (v->zConn == NULL || v->zTable == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    for (i = 3; rc == SQLITE_OK && i < argc; i++)
        rc = pitr_parse_arg(v, argv[i], aSeen, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_declare_vtab(
        db, "CREATE TABLE x(name TEXT COLLATE " MOPITR_COLLATION " PRIMARY KEY NOT NULL, "
            "level TEXT COLLATE " MOPITR_COLLATION ", account_name TEXT COLLATE " MOPITR_COLLATION
            ", database_name TEXT COLLATE " MOPITR_COLLATION
            ", table_name TEXT COLLATE " MOPITR_COLLATION
            ", range_value INTEGER, range_unit TEXT COLLATE " MOPITR_COLLATION
            ", created_time TEXT, modified_time TEXT, connection HIDDEN,"
            " earliest_restorable TEXT) WITHOUT ROWID");
    if (rc != SQLITE_OK)
        goto out;
    sqlite3_vtab_config(db, SQLITE_VTAB_CONSTRAINT_SUPPORT, 1);
    *ppVtab = &v->base;
    v = NULL;
out:
    if (v)
        pitr_disconnect(&v->base);
    return rc;
}

/* xBestIndex: see the file comment. */
static int pitr_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    int i, iConn = -1, bConnUnusable = 0, nArg = 0;

    ((pitr_vtab *)pVtab)->epoch++;
    for (i = 0; i < pInfo->nConstraint; i++) {
        const struct sqlite3_index_constraint *c = &pInfo->aConstraint[i];
        if (c->iColumn != MOPITR_COL_CONNECTION || c->op != SQLITE_INDEX_CONSTRAINT_EQ)
            continue;
        if (!c->usable)
            bConnUnusable = 1;
        else if (iConn < 0)
            iConn = i;
    }
    /* A connection argument whose value is not known yet: not a plan. */
    if (iConn < 0 && bConnUnusable)
        return SQLITE_CONSTRAINT;
    if (iConn >= 0) {
        pInfo->aConstraintUsage[iConn].argvIndex = ++nArg;
        pInfo->aConstraintUsage[iConn].omit = 1;
        pInfo->idxNum = 1;
    }
    return mopitr_vt_plan(pInfo, nArg, 1);
}

/* ---- scans ------------------------------------------------------------- */

/* xOpen. */
static int pitr_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    pitr_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* End the current scan. */
static void pitr_scan_clear(pitr_cursor *c)
{
    mopitr_result_free(c->pRes);
    c->pRes = NULL;
    mopitr_txn_read_free(c->pRead);
    c->pRead = NULL;
    c->aQueued = NULL;
    c->nQueued = c->iQueued = 0;
    mopitr_row_clear(&c->row);
    mopitr_cache_unref(c->pCache);
    c->pCache = NULL;
    c->nMatch = c->iMatch = 0; /* aMatch is kept for the next scan (freed by xClose) */
    c->bEof = 1;
}

/* xClose. */
static int pitr_close(sqlite3_vtab_cursor *pCur)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    pitr_scan_clear(c);
    sqlite3_free(c->aMatch);
    mopitr_share_clear(&c->own);
    sqlite3_free(c->zScanConn);
    sqlite3_free(c);
    return SQLITE_OK;
}

/* Step a streaming scan to its next row (or EOF): the next server row the queue of the
** scan's connection (if any) does not replace. */
static int pitr_stream_next(pitr_cursor *c, char **pzErr)
{
    int bKeep = 0, rc;
    while ((rc = mopitr_result_next(c->pRes, &c->row, pzErr)) == SQLITE_ROW && c->pRead) {
        rc = mopitr_txn_read_keep(c->pRead, &c->row, &bKeep, pzErr);
        if (rc != SQLITE_OK || bKeep)
            break;
    }
    if (rc == SQLITE_ROW || (rc == SQLITE_OK && bKeep)) {
        c->iRowid++;
        if (c->pShare && c->pShare->bKeepRows)
            return mopitr_share_keep(c->pShare, &c->row);
        return SQLITE_OK;
    }
    /* Done or failed: release the stream so the handle is free at once. */
    mopitr_result_free(c->pRes);
    c->pRes = NULL;
    c->bEof = 1;
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Append row index i to the current scan's rows, unless the queue of the scan's
** connection replaces it. SQLITE_OK, SQLITE_NOMEM, or a collision with a queued INSERT
** (mopitr_txn_read_keep). */
static int pitr_match_add(pitr_cursor *c, int i, char **pzErr)
{
    int bKeep = 1, rc;
    if (c->pRead) {
        rc = mopitr_txn_read_keep(c->pRead, &c->pCache->aRow[i], &bKeep, pzErr);
        if (rc != SQLITE_OK || !bKeep)
            return rc;
    }
    if (c->nMatch == c->nMatchAlloc) {
        int nNew = c->nMatchAlloc ? c->nMatchAlloc * 2 : 16;
        int *aNew = sqlite3_realloc64(c->aMatch, sizeof(int) * (size_t)nNew);
        if (aNew == NULL)
            return SQLITE_NOMEM;
        c->aMatch = aNew;
        c->nMatchAlloc = nNew;
    }
    c->aMatch[c->nMatch++] = i;
    return SQLITE_OK;
}

/* qsort order of row indexes. */
static int pitr_int_cmp(const void *pA, const void *pB)
{
    int a = *(const int *)pA, b = *(const int *)pB;
    return a < b ? -1 : a > b;
}

/* The argument of a whose values can be looked up in a column index (= or IN on a text
** identity column, every value TEXT or NULL), or -1: then every row is checked. */
static int pitr_index_arg(const mopitr_vt_args *a)
{
    int i, j;
    for (i = 0; i < a->nArg; i++) {
        const mopitr_arg *p = &a->aArg[i];
        int bOk = p->term.op == SQLITE_INDEX_CONSTRAINT_EQ && p->term.iCol >= MOPITR_COL_NAME &&
                  p->term.iCol <= MOPITR_COL_TABLE;
        for (j = 0; bOk && j < p->nVal; j++)
            bOk = p->aVal[j].eType == SQLITE_TEXT || p->aVal[j].eType == SQLITE_NULL;
        if (bOk)
            return i;
    }
    return -1;
}

/* Collect the rows of c->pCache that satisfy a into c->aMatch, in row order: through a
** column index when a has an indexable = or IN (candidates only, then every term is
** checked with mopitr_plan_match as for a full scan), else by checking every row. */
static int pitr_match_rows(pitr_cursor *c, const mopitr_vt_args *a, char **pzErr)
{
    pitr_cache *p = c->pCache;
    const mopitr_rowindex *pIdx = NULL;
    int i, j, rc = SQLITE_OK, iArg = pitr_index_arg(a);

    if (iArg >= 0)
        pIdx = mopitr_cache_index(p, a->aArg[iArg].term.iCol);
    if (pIdx == NULL) {
        for (i = 0; rc == SQLITE_OK && i < p->nRow; i++) {
            if (mopitr_plan_match(&p->aRow[i], a->aArg, a->nArg))
                rc = pitr_match_add(c, i, pzErr);
        }
        return rc;
    }
    for (j = 0; rc == SQLITE_OK && j < a->aArg[iArg].nVal; j++) {
        const mopitr_val *pVal = &a->aArg[iArg].aVal[j];
        unsigned h, it;
        if (pVal->eType != SQLITE_TEXT)
            continue; /* NULL: equal to nothing */
        h = mopitr_hash_nocase(pVal->z, pVal->n);
        it = mopitr_rowindex_begin(pIdx, h);
        while (rc == SQLITE_OK && (i = mopitr_rowindex_next(pIdx, h, &it)) >= 0) {
            if (mopitr_plan_match(&p->aRow[i], a->aArg, a->nArg))
                rc = pitr_match_add(c, i, pzErr);
        }
    }
    if (rc == SQLITE_OK && a->aArg[iArg].nVal > 1 && c->nMatch > 1) {
        /* An IN list: several values may find the same row. Row order, no repeats. */
        qsort(c->aMatch, (size_t)c->nMatch, sizeof(int), pitr_int_cmp);
        for (i = j = 1; i < c->nMatch; i++) {
            if (c->aMatch[i] != c->aMatch[j - 1])
                c->aMatch[j++] = c->aMatch[i];
        }
        c->nMatch = j;
    }
    return rc;
}

/* xFilter: see the file comment. */
static int pitr_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    pitr_vtab *v = (pitr_vtab *)pCur->pVtab;
    mopitr_term aTerm[PITR_MAX_TERMS];
    mopitr_vt_args args;
    const char *zConnName = v->zConn;
    mopitr_conn *pConn;
    pitr_share *pShare;
    char *zErr = NULL, *zSql = NULL;
    int rc = SQLITE_OK, nTerm, iFirst = 0;

    memset(&args, 0, sizeof(args));
    pitr_scan_clear(c);
    c->iRowid = 0;
    mopitr_clock_now(&c->nowSec, &c->nowNsec); /* earliest_restorable of this scan */
    if (idxNum & 1) {
        iFirst = 1;
        zConnName = (const char *)sqlite3_value_text(argv[0]);
        if (zConnName == NULL)
            goto out; /* connection = NULL: no rows */
    }
    sqlite3_free(c->zScanConn);
    c->zScanConn = sqlite3_mprintf("%s", zConnName);
    if (c->zScanConn == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    if (sqlite3_stricmp(zConnName, v->zConn) != 0)
        v->bForeignSeen = 1;
    pConn = mopitr_vt_conn(v, zConnName, &zErr);
    if (pConn == NULL) {
        rc = SQLITE_ERROR;
        goto out;
    }
    nTerm = mopitr_plan_parse(idxStr ? idxStr : "SHOW PITR", aTerm, PITR_MAX_TERMS);
    if (nTerm < 0 || nTerm != argc - iFirst) {
        zErr = mopitr_errf("internal error: cannot parse the plan '%s'", idxStr ? idxStr : "");
        rc = SQLITE_ERROR;
        goto out;
    }
    rc = mopitr_vt_args_collect(&args, aTerm, nTerm, argv + iFirst);
    if (rc != SQLITE_OK)
        goto out;
    v->bScanFiltered = nTerm > 0 || iFirst > 0; /* a WHERE term reached us (vtab_write.c) */
    pShare = mopitr_vt_stmt_share(v);
    if (pShare == NULL)
        pShare = &c->own;
    c->pShare = pShare;
    c->pCache = mopitr_share_find(pShare, pConn);
    /* Read-your-writes: with changes queued for this connection, the queue's rows that
    ** satisfy the scan come first and the server's rows of the names it changed are left
    ** out (txn.c); the server is read as without them. */
    rc = mopitr_txn_read_open(v->db, pConn, args.aArg, args.nArg, &c->pRead);
    if (rc != SQLITE_OK)
        goto out;
    if (c->pRead) {
        c->nQueued = mopitr_txn_read_rows(c->pRead, &c->aQueued);
        if (mopitr_txn_read_covered(c->pRead, args.aArg, args.nArg))
            goto out; /* only names the queue changed: nothing to ask the server */
    }
    if (c->pCache == NULL &&
        !mopitr_share_plan_seen(pShare, idxStr ? idxStr : "SHOW PITR", pConn)) {
        /* The first read of this plan in this statement: send its own filtered query. */
        zSql = mopitr_plan_render(args.aArg, args.nArg, mopitr_conn_no_backslash_escapes(pConn));
        if (zSql == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
        rc = mopitr_conn_query(pConn, zSql, &c->pRes, &zErr);
        if (rc != SQLITE_OK)
            goto out;
        c->bEof = 0;
        rc = pitr_stream_next(c, &zErr);
        goto out;
    }
    if (c->pCache == NULL) {
        /* A repeated read of a plan (a join's inner side, a correlated subquery): copy
        ** the whole table once and answer this and every later read from the copy. */
        rc = mopitr_cache_load(pConn, &c->pCache, &zErr);
        if (rc != SQLITE_OK)
            goto out;
        mopitr_share_add(pShare, c->pCache);
    }
    c->pCache->nRef++; /* the scan's own reference */
    rc = pitr_match_rows(c, &args, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    c->bEof = c->nMatch == 0;
    c->iRowid = 1;
out:
    mopitr_vt_args_clear(&args);
    sqlite3_free(zSql);
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xNext. */
static int pitr_next(sqlite3_vtab_cursor *pCur)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    char *zErr = NULL;
    int rc;
    if (c->iQueued < c->nQueued) {
        c->iQueued++; /* the queue's rows first; the server's is positioned already */
        return SQLITE_OK;
    }
    if (c->pCache) {
        c->iMatch++;
        c->iRowid++;
        c->bEof = c->iMatch >= c->nMatch;
        return SQLITE_OK;
    }
    if (c->pRes == NULL) {
        c->bEof = 1;
        return SQLITE_OK;
    }
    rc = pitr_stream_next(c, &zErr);
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xEof. */
static int pitr_eof(sqlite3_vtab_cursor *pCur)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    return c->iQueued >= c->nQueued && c->bEof;
}

/* The cursor's current row: a queued one, then the server's. */
static const mopitr_row *pitr_current(pitr_cursor *c)
{
    if (c->iQueued < c->nQueued)
        return &c->aQueued[c->iQueued];
    return c->pCache ? &c->pCache->aRow[c->aMatch[c->iMatch]] : &c->row;
}

/* The columns whose xColumn honours sqlite3_vtab_nochange(): all but the PK and the
** range (see pitr_column). */
#define PITR_NOCHANGE_COLS                                                                         \
    (~((1u << MOPITR_COL_NAME) | (1u << MOPITR_COL_RANGE_VALUE) | (1u << MOPITR_COL_RANGE_UNIT)))

/* xColumn. Identity columns, times and the connection honour sqlite3_vtab_nochange()
** (xUpdate then knows the statement does not set them); the PK and the range are
** always real, ALTER needs both range columns. Called once per column and row of a
** scan: the text columns, the common case, are tested first. */
static int pitr_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    const mopitr_row *r;
    const char *z;
    if (((PITR_NOCHANGE_COLS >> (iCol & 31)) & 1) && sqlite3_vtab_nochange(ctx))
        return SQLITE_OK;
    r = pitr_current(c);
    if ((unsigned)iCol < MOPITR_NDATA && iCol != MOPITR_COL_RANGE_VALUE) {
        z = r->az[iCol];
    } else if (iCol == MOPITR_COL_RANGE_VALUE) {
        sqlite3_result_int64(ctx, r->range_value);
        return SQLITE_OK;
    } else if (iCol == MOPITR_COL_CONNECTION) {
        z = c->zScanConn;
    } else if (iCol == PITR_COL_EARLIEST) {
        char aBuf[MOPITR_TIME_SIZE];
        if (mopitr_row_earliest(r, c->nowSec, c->nowNsec, aBuf))
            sqlite3_result_text(ctx, aBuf, -1, SQLITE_TRANSIENT);
        return SQLITE_OK;
    } else {
        z = NULL;
    }
    /* -1, not the known length: SQLite then marks the copy NUL-terminated, and a
    ** caller's sqlite3_column_text() needs no realloc (measured: passing the length
    ** cost 30% more instructions for SELECT * in the sqlite3 shell). */
    if (z)
        sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
    else
        sqlite3_result_null(ctx);
    return SQLITE_OK;
}

/* xRowid: position within the scan (WITHOUT ROWID: SQLite does not use it). */
static int pitr_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    pitr_cursor *c = (pitr_cursor *)pCur;
    *pRowid = c->iQueued < c->nQueued ? c->iQueued + 1 : c->nQueued + c->iRowid;
    return SQLITE_OK;
}

/* xUpdate: an UPDATE that sets earliest_restorable is refused (it is computed); the rest
** is vtab_write.c's. */
static int pitr_update(sqlite3_vtab *pVtab, int argc, sqlite3_value **argv, sqlite3_int64 *pRowid)
{
    if (argc > 2 + PITR_COL_EARLIEST && sqlite3_value_type(argv[0]) != SQLITE_NULL &&
        !sqlite3_value_nochange(argv[2 + PITR_COL_EARLIEST]))
        return mopitr_vtab_err(pVtab, "earliest_restorable cannot be set: it is computed from "
                                      "created_time and the range");
    return mopitr_vt_update(pVtab, argc, argv, pRowid);
}

static sqlite3_module pitr_module = {
    .iVersion = 2, /* xSavepoint, xRelease, xRollbackTo (issue 6, vtab_write.c) */
    .xCreate = pitr_connect,
    .xConnect = pitr_connect,
    .xBestIndex = pitr_best_index,
    .xDisconnect = pitr_disconnect,
    .xDestroy = pitr_disconnect,
    .xOpen = pitr_open,
    .xClose = pitr_close,
    .xFilter = pitr_filter,
    .xNext = pitr_next,
    .xEof = pitr_eof,
    .xColumn = pitr_column,
    .xRowid = pitr_rowid,
    .xUpdate = pitr_update,
    .xBegin = mopitr_vt_begin,
    .xSync = mopitr_vt_sync,
    .xCommit = mopitr_vt_commit,
    .xRollback = mopitr_vt_rollback,
    .xSavepoint = mopitr_vt_savepoint,
    .xRelease = mopitr_vt_release,
    .xRollbackTo = mopitr_vt_rollback_to,
};

/* Register the mo_pitr module on db; the module holds a reference to the registry. */
int mopitr_vtab_register(sqlite3 *db, mopitr_registry *p)
{
    mopitr_registry_ref(p); /* dropped by the module's destructor, also on failure */
    return sqlite3_create_module_v2(db, "mo_pitr", &pitr_module, p, mopitr_registry_unref);
}
