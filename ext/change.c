/*
** change.c: one PITR change on one MatrixOne connection: look a PITR up, the statement
** text of a change, run it (and find out after a lost reply whether it applied), the
** INSERT OR REPLACE decision, and how a PITR's object is described in messages.
**
** The layer between the writers and the connection: the virtual table's write path
** (vtab_write.c), the transaction code (txn.c, txn_view.c, txn_commit.c) all use it,
** and it uses only the connection (conn.c), the pure SQL builders (sqlgen.c, plan.c)
** and values (value.c). Nothing here knows a virtual table or a transaction.
**
** Usage:
**     mopitr_change ch = {MOPITR_CHANGE_DROP};  ch.row.az[MOPITR_COL_NAME] = "p1";
**     char *zSql = mopitr_change_sql(pConn, &ch);         -- "DROP PITR `p1`"
**     rc = mopitr_change_run(pConn, &ch, NULL, &eOutcome, &zErr);   -- zSql: made here
**     rc = mopitr_pitr_lookup(pConn, "p1", &row, &bFound, &zErr);
**     rc = mopitr_pitr_fetch_all(pConn, &aRow, &nRow, &zErr);   -- the whole SHOW PITR
**
** How it works:
**   - mopitr_change_run refuses, with nothing sent, a name MatrixOne would mangle (a
**     backslash) or an empty one (mopitr_name_check), then sends the statement once
**     (mopitr_conn_exec never resends a write). A server error 20101 that says "already
**     exists" or "already has a pitr" is SQLITE_CONSTRAINT; for the second, the PITR
**     that already protects the object is looked up and named in the message. When the
**     statement left but no reply came back, the PITR is read back with SHOW PITR WHERE
**     pitr_name = ... (on a fresh connection: conn.c closed the lost one): a DROP
**     applied when the name is gone; a CREATE or ALTER when the name holds the wanted
**     range (and, for a CREATE, the wanted object). *peOutcome says applied, failed or
**     unknown (the check failed too); an applied change returns SQLITE_OK with a note
**     in *pzErr, so callers can report it.
**   - mopitr_pitr_lookup sends SHOW PITR WHERE pitr_name = '<name>' (plan.c renders it,
**     escaped for the session): MatrixOne compares the lower-cased stored names with
**     the literal, so the caller passes a folded name. mopitr_pitr_probe_sql builds the
**     one SHOW PITR that reads what deciding a batch of changes needs: the PITRs named
**     by the batch and those that may protect the objects it creates PITRs for.
*/
#include <string.h>

#include "mo_pitr_int.h"

/* Do two names (possibly NULL) denote the same thing, the way the server compares? */
static int change_same(const char *zA, const char *zB)
{
    if (zA == NULL || zB == NULL)
        return zA == zB;
    return sqlite3_stricmp(zA, zB) == 0;
}

/* See the header. */
int mopitr_pitr_lookup(mopitr_conn *pConn, const char *zName, mopitr_row *pOut, int *pbFound,
                       char **pzErr)
{
    mopitr_val val;
    mopitr_arg arg;
    mopitr_result *pRes = NULL;
    char *zSql;
    int rc;

    *pbFound = 0;
    memset(&val, 0, sizeof(val));
    val.eType = SQLITE_TEXT;
    val.z = zName;
    val.n = (int)strlen(zName);
    memset(&arg, 0, sizeof(arg));
    arg.term.iCol = MOPITR_COL_NAME;
    arg.term.op = SQLITE_INDEX_CONSTRAINT_EQ;
    arg.nVal = 1;
    arg.aVal = &val;
    zSql = mopitr_plan_render(&arg, 1, mopitr_conn_no_backslash_escapes(pConn));
    if (zSql == NULL)
        return SQLITE_NOMEM;
    rc = mopitr_conn_query(pConn, zSql, &pRes, pzErr);
    if (rc == SQLITE_OK) {
        /* The server compared the names (it lower-cases them): its answer is the row. */
        rc = mopitr_result_next(pRes, pOut, pzErr);
        *pbFound = rc == SQLITE_ROW;
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    mopitr_result_free(pRes);
    sqlite3_free(zSql);
    return rc;
}

/* Every row of the SHOW PITR zSql (taken over; NULL: out of memory) on pConn. */
static int change_fetch(mopitr_conn *pConn, char *zSql, mopitr_row **paRow, int *pnRow,
                        char **pzErr)
{
    int rc;
    *paRow = NULL;
    *pnRow = 0;
    if (zSql == NULL)
        return SQLITE_NOMEM;
    rc = mopitr_conn_fetch_sql(pConn, zSql, paRow, pnRow, pzErr);
    sqlite3_free(zSql);
    return rc;
}

/* See the header. */
int mopitr_pitr_fetch_all(mopitr_conn *pConn, mopitr_row **paRow, int *pnRow, char **pzErr)
{
    return change_fetch(pConn, mopitr_plan_render(NULL, 0, mopitr_conn_no_backslash_escapes(pConn)),
                        paRow, pnRow, pzErr);
}

/* Append z to x as a string literal (escaped for the session: bNoBs), after ", " when
** *pbMore. Returns 1 on OOM. */
static int change_str_lit(sqlite3_str *x, const char *z, int bNoBs, int *pbMore)
{
    char *zLit = mopitr_sql_string(z, bNoBs);
    if (zLit == NULL)
        return 1;
    sqlite3_str_appendf(x, "%s%s", *pbMore ? ", " : "", zLit);
    *pbMore = 1;
    sqlite3_free(zLit);
    return 0;
}

/* See the header. */
char *mopitr_pitr_probe_sql(mopitr_conn *pConn, const char *const *azName, int nName,
                            const mopitr_row *const *apObj, int nObj)
{
    int bNoBs = mopitr_conn_no_backslash_escapes(pConn), bMore = 0, i, bOom = 0, nPart = 0;
    sqlite3_str *x = sqlite3_str_new(NULL);
    char *zSql;
    sqlite3_str_appendall(x, "SHOW PITR WHERE ");
    for (i = 0; i < nName; i++) {
        if (i == 0)
            sqlite3_str_appendall(x, "pitr_name IN (");
        bOom |= change_str_lit(x, azName[i], bNoBs, &bMore);
    }
    if (nName > 0) {
        sqlite3_str_appendall(x, ")");
        nPart++;
    }
    for (i = 0; i < nObj; i++) {
        if (apObj[i]->level == MOPITR_LEVEL_CLUSTER || apObj[i]->level == MOPITR_LEVEL_ACCOUNT) {
            sqlite3_str_appendf(x, "%spitr_level IN ('cluster', 'account')", nPart++ ? " OR " : "");
            break;
        }
    }
    bMore = 0;
    for (i = 0; i < nObj; i++) {
        const mopitr_row *r = apObj[i];
        if (r->level < MOPITR_LEVEL_DATABASE || r->az[MOPITR_COL_DATABASE] == NULL)
            continue;
        if (!bMore)
            sqlite3_str_appendf(x, "%sdatabase_name IN (", nPart++ ? " OR " : "");
        bOom |= change_str_lit(x, r->az[MOPITR_COL_DATABASE], bNoBs, &bMore);
    }
    if (bMore)
        sqlite3_str_appendall(x, ")");
    if (nPart == 0)
        sqlite3_str_appendall(x, "pitr_name IN ('')"); /* nothing to read: no name is empty */
    if (sqlite3_str_errcode(x) != SQLITE_OK)
        bOom = 1;
    zSql = sqlite3_str_finish(x);
    if (bOom) {
        sqlite3_free(zSql);
        zSql = NULL;
    }
    return zSql;
}

/* See the header. */
int mopitr_pitr_probe(mopitr_conn *pConn, const mopitr_row *pNew, mopitr_row **paRow, int *pnRow,
                      char **pzErr)
{
    const char *zName = pNew->az[MOPITR_COL_NAME];
    return change_fetch(pConn, mopitr_pitr_probe_sql(pConn, &zName, zName ? 1 : 0, &pNew, 1), paRow,
                        pnRow, pzErr);
}

/* After the server refused CREATE pCh because its object already has a PITR: name
** that PITR in *pzErr (the server's own message does not). Best effort: when the
** lookup fails or finds nothing, *pzErr stays as it was. */
static void change_name_owner(mopitr_conn *pConn, const mopitr_change *pCh, char **pzErr)
{
    mopitr_row *aRow = NULL;
    char *zWhat = NULL, *zErr = NULL, *zNew = NULL;
    int i, nRow = 0;
    if (mopitr_pitr_probe(pConn, &pCh->row, &aRow, &nRow, &zErr) != SQLITE_OK)
        goto out;
    for (i = 0; i < nRow; i++) {
        if (mopitr_row_same_object(&aRow[i], &pCh->row, mopitr_conn_account(pConn)))
            break;
    }
    if (i == nRow || (zWhat = mopitr_row_describe_object(&pCh->row)) == NULL)
        goto out;
    zNew = mopitr_errf("%s already has pitr '%s', so pitr '%s' cannot be created: %s", zWhat,
                       aRow[i].az[MOPITR_COL_NAME], pCh->row.az[MOPITR_COL_NAME],
                       mopitr_err_body(*pzErr));
    if (zNew) {
        sqlite3_free(*pzErr);
        *pzErr = zNew;
    }
out:
    for (i = 0; i < nRow; i++)
        mopitr_row_clear(&aRow[i]);
    sqlite3_free(aRow);
    sqlite3_free(zWhat);
    sqlite3_free(zErr);
}

/* See the header. */
char *mopitr_change_sql(mopitr_conn *pConn, const mopitr_change *pCh)
{
    int bNoBs = mopitr_conn_no_backslash_escapes(pConn);
    const mopitr_row *r = &pCh->row;
    switch (pCh->op) {
    case MOPITR_CHANGE_CREATE:
        return mopitr_sql_create(r, pCh->bOwnAccount, bNoBs);
    case MOPITR_CHANGE_ALTER:
        return mopitr_sql_alter(r->az[MOPITR_COL_NAME], r->range_value,
                                r->az[MOPITR_COL_RANGE_UNIT], bNoBs);
    case MOPITR_CHANGE_DROP:
        return mopitr_sql_drop(r->az[MOPITR_COL_NAME]);
    }
    return NULL;
}

/* After a lost reply: did pCh apply? Reads the PITR back (on a fresh connection).
** *peOutcome becomes MOPITR_OUTCOME_APPLIED, _FAILED or _UNKNOWN (the read failed). */
static void change_check_applied(mopitr_conn *pConn, const mopitr_change *pCh, int *peOutcome,
                                 char **pzCheckErr)
{
    const mopitr_row *r = &pCh->row;
    mopitr_row now;
    int bFound = 0, bApplied;
    memset(&now, 0, sizeof(now));
    if (mopitr_pitr_lookup(pConn, r->az[MOPITR_COL_NAME], &now, &bFound, pzCheckErr) != SQLITE_OK) {
        *peOutcome = MOPITR_OUTCOME_UNKNOWN;
        return;
    }
    if (pCh->op == MOPITR_CHANGE_DROP)
        bApplied = !bFound;
    else
        bApplied = bFound && now.range_value == r->range_value &&
                   change_same(now.az[MOPITR_COL_RANGE_UNIT], r->az[MOPITR_COL_RANGE_UNIT]) &&
                   (pCh->op == MOPITR_CHANGE_ALTER ||
                    mopitr_row_same_object(&now, r, mopitr_conn_account(pConn)));
    *peOutcome = bApplied ? MOPITR_OUTCOME_APPLIED : MOPITR_OUTCOME_FAILED;
    mopitr_row_clear(&now);
}

/* The last guard before the wire: every name pCh would send is one MatrixOne takes as
** it is (mopitr_name_check). The write paths checked them already; this also covers
** the statements COMMIT makes itself (an undo re-creating a dropped PITR). */
static int change_check_names(const mopitr_change *pCh, char **pzErr)
{
    const mopitr_row *r = &pCh->row;
    int eUse = pCh->op == MOPITR_CHANGE_CREATE  ? MOPITR_NAME_CREATE
               : pCh->op == MOPITR_CHANGE_ALTER ? MOPITR_NAME_ALTER
                                                : MOPITR_NAME_DROP;
    int i, rc = mopitr_name_check(MOPITR_COL_NAME, r->az[MOPITR_COL_NAME], eUse, pzErr);
    for (i = MOPITR_COL_ACCOUNT;
         rc == SQLITE_OK && pCh->op == MOPITR_CHANGE_CREATE && i <= MOPITR_COL_TABLE; i++) {
        if (r->az[i] && !(i == MOPITR_COL_ACCOUNT && pCh->bOwnAccount))
            rc = mopitr_name_check(i, r->az[i], eUse, pzErr);
    }
    return rc;
}

/* See the header and the manual above. */
int mopitr_change_run(mopitr_conn *pConn, const mopitr_change *pCh, const char *zSql,
                      int *peOutcome, char **pzErr)
{
    mopitr_exec_info info;
    char *zOwnSql = NULL;
    char *zLost = NULL, *zCheckErr = NULL;
    int rc, eOutcome = MOPITR_OUTCOME_FAILED;

    memset(&info, 0, sizeof(info));
    rc = change_check_names(pCh, pzErr);
    if (rc != SQLITE_OK)
        goto out; /* nothing sent */
    if (zSql == NULL && (zSql = zOwnSql = mopitr_change_sql(pConn, pCh)) == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    rc = mopitr_conn_exec(pConn, zSql, &info, pzErr);
    if (rc == SQLITE_OK) {
        eOutcome = MOPITR_OUTCOME_APPLIED;
        goto out;
    }
    if (!info.bUnknown) {
        if (rc == SQLITE_ERROR && info.merr == 20101 && strstr(info.zMsg, "already exists"))
            rc = SQLITE_CONSTRAINT;
        if (rc == SQLITE_ERROR && info.merr == 20101 && strstr(info.zMsg, "already has a pitr")) {
            rc = SQLITE_CONSTRAINT;
            if (pCh->op == MOPITR_CHANGE_CREATE && *pzErr)
                change_name_owner(pConn, pCh, pzErr);
        }
        goto out;
    }
    /* The statement left but no reply came back: ask the server what happened. */
    zLost = *pzErr;
    *pzErr = NULL;
    change_check_applied(pConn, pCh, &eOutcome, &zCheckErr);
    if (eOutcome == MOPITR_OUTCOME_APPLIED) {
        *pzErr = mopitr_errf("%s; checked with SHOW PITR: it was applied",
                             zLost ? mopitr_err_body(zLost) : "");
        rc = SQLITE_OK;
    } else if (eOutcome == MOPITR_OUTCOME_FAILED) {
        *pzErr = mopitr_errf("%s; checked with SHOW PITR: it was not applied",
                             zLost ? mopitr_err_body(zLost) : "");
        rc = SQLITE_ERROR;
    } else {
        *pzErr = mopitr_errf("%s; the check with SHOW PITR failed too (%s): the outcome is "
                             "unknown",
                             zLost ? mopitr_err_body(zLost) : "",
                             zCheckErr ? mopitr_err_body(zCheckErr) : "out of memory");
        rc = SQLITE_ERROR;
    }
    if (*pzErr == NULL && rc != SQLITE_OK)
        rc = SQLITE_NOMEM;
out:
    if (peOutcome)
        *peOutcome = eOutcome;
    sqlite3_free(zLost);
    sqlite3_free(zCheckErr);
    sqlite3_free(zOwnSql);
    return rc;
}

/* See the header. */
char *mopitr_row_describe_object(const mopitr_row *r)
{
    const char *zLevel = mopitr_level_name(r->level);
    switch (r->level) {
    case MOPITR_LEVEL_ACCOUNT:
        return sqlite3_mprintf("account %Q", r->az[MOPITR_COL_ACCOUNT]);
    case MOPITR_LEVEL_DATABASE:
        return sqlite3_mprintf("database %Q", r->az[MOPITR_COL_DATABASE]);
    case MOPITR_LEVEL_TABLE:
        return sqlite3_mprintf("table %Q.%Q", r->az[MOPITR_COL_DATABASE], r->az[MOPITR_COL_TABLE]);
    default:
        return sqlite3_mprintf("%s", zLevel ? zLevel : "the cluster");
    }
}

/* See the header. */
int mopitr_replace_decide(const mopitr_row *pOld, mopitr_change *pCh, const char *zOwn, int *pbSkip,
                          char **pzErr)
{
    char *zA = NULL, *zB = NULL;
    int rc = SQLITE_OK;

    *pbSkip = 0;
    if (!mopitr_row_same_object(pOld, &pCh->row, zOwn)) {
        zA = mopitr_row_describe_object(pOld);
        zB = mopitr_row_describe_object(&pCh->row);
        *pzErr = zA && zB ? mopitr_errf("INSERT OR REPLACE cannot change what pitr '%s' protects "
                                        "(%s, not %s): delete it first",
                                        pOld->az[MOPITR_COL_NAME], zA, zB)
                          : NULL;
        rc = *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
    } else if (pOld->range_value == pCh->row.range_value &&
               change_same(pOld->az[MOPITR_COL_RANGE_UNIT], pCh->row.az[MOPITR_COL_RANGE_UNIT])) {
        *pbSkip = 1; /* already what was asked for */
    } else {
        pCh->op = MOPITR_CHANGE_ALTER;
    }
    sqlite3_free(zA);
    sqlite3_free(zB);
    return rc;
}
