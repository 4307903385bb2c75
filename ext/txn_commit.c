/*
** txn_commit.c: COMMIT of the queued PITR changes of one SQLite transaction (issue 6) or
** of one autocommit statement (issue 13), and the report of what it sent (shown by
** mo_pitr_last_commit, txn_report.c). Messages name the batch: "COMMIT failed ...", or
** for a statement its verb, "UPDATE failed ...". A statement of one change is sent
** without step 2 (the server checks the same) and fails with the server's own error.
**
** Usage:
**     BEGIN; ...writes to mo_pitr... COMMIT;      -- xSync calls mopitr_commit_run
**     SELECT seq, connection, statement, state, error FROM mo_pitr_last_commit;
**
** How it works:
**   1. Net changes: txn.c hands over, per name, the row the server had when the
**      transaction read it (old) and the row wanted now (new). old = new: nothing;
**      none -> new: CREATE; old -> none: DROP; same object, other range: one ALTER;
**      another object under the same name: DROP then CREATE. So an insert then delete
**      sends nothing, several updates send one ALTER, insert then update one CREATE
**      with the final range, and delete then insert of the same object one ALTER (or
**      nothing): the PITR keeps its created_time and history.
**   2. Validation, before anything is sent: one SHOW PITR per connection involved,
**      filtered to what the checks need (commit_server_sql: the steps' names, cluster
**      and account PITRs, and the databases given a PITR).
**      A name to create must not exist now (unless this batch drops it first: this
**      also decides the plain INSERTs txn.c queued without reading the server); a name
**      to alter or drop must still exist and protect the object it protected when the
**      transaction read it; no other PITR may protect an object being given one
**      (MatrixOne's one-PITR-per-object rule; a PITR that this batch drops frees its
**      object). Any failure refuses the COMMIT with nothing sent.
**   3. Order: CREATEs and range increases (and equal-length ALTERs) first, range
**      decreases next, DROPs after, and last the CREATEs that need a dropped name or
**      object: what can shrink or discard history goes as late as possible, so a
**      failure usually strikes before any history was lost. Ranges compare in time:
**      now minus the span with calendar months and years, as MatrixOne compares them.
**   4. Apply one statement at a time. A lost reply is checked with SHOW PITR WHERE
**      pitr_name = ... on a fresh connection (mopitr_change_run): applied -> go on; not
**      applied -> failed; no answer -> unknown. On failed/unknown, undo what this
**      COMMIT applied, newest first: DROP what it created, ALTER back changed ranges,
**      re-CREATE what it dropped with the same object and range (a new created_time:
**      the recovery window restarts). An undo that fails leaves its statement
**      "applied" with the undo's error; the COMMIT error then lists what is still
**      applied and what is not.
*/
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mo_pitr_int.h"

#define COMMIT_NOT_SENT 0
#define COMMIT_APPLIED  1
#define COMMIT_UNDONE   2
#define COMMIT_FAILED   3
#define COMMIT_UNKNOWN  4

static const char *const commit_azState[] = {"not_sent", "applied", "undone", "failed", "unknown"};

/* One statement of a batch and its undo. */
typedef struct commit_step {
    mopitr_conn *pConn; /* one reference */
    char *zConn;
    int iConn, iOrder, iPhase;
    mopitr_change fwd; /* what to do */
    mopitr_change undo;
    int bUndo;    /* undo is known (validated) */
    int bBlind;   /* a CREATE of a name the batch never read from the server */
    char *zSql;   /* fwd's text */
    int eState;   /* COMMIT_* */
    char *zError; /* NULL or why */
} commit_step;

struct mopitr_report {
    commit_step *aStep;
    int nStep;
};

/* Free a report. NULL is a no-op. */
void mopitr_report_free(mopitr_report *p)
{
    int i;
    if (p == NULL)
        return;
    for (i = 0; i < p->nStep; i++) {
        commit_step *s = &p->aStep[i];
        mopitr_conn_unref(s->pConn);
        sqlite3_free(s->zConn);
        mopitr_row_clear(&s->fwd.row);
        mopitr_row_clear(&s->undo.row);
        sqlite3_free(s->zSql);
        sqlite3_free(s->zError);
    }
    sqlite3_free(p->aStep);
    sqlite3_free(p);
}

/* ---- ranges ------------------------------------------------------------- */

/* The start of a range of v units u ending at now (UTC, calendar months and years). */
static time_t commit_range_start(sqlite3_int64 v, const char *zUnit, time_t now)
{
    struct tm tm;
    if (zUnit && strcmp(zUnit, "h") == 0)
        return now - (time_t)v * 3600;
    if (zUnit && strcmp(zUnit, "d") == 0)
        return now - (time_t)v * 86400;
    gmtime_r(&now, &tm);
    if (zUnit && strcmp(zUnit, "mo") == 0)
        tm.tm_mon -= (int)v;
    else
        tm.tm_year -= (int)v;
    return timegm(&tm);
}

/* <0, 0, >0 as range a is shorter than, as long as, longer than range b. */
static int commit_range_cmp(const mopitr_row *a, const mopitr_row *b)
{
    time_t now = time(NULL);
    time_t ta = commit_range_start(a->range_value, a->az[MOPITR_COL_RANGE_UNIT], now);
    time_t tb = commit_range_start(b->range_value, b->az[MOPITR_COL_RANGE_UNIT], now);
    return ta < tb ? 1 : ta > tb ? -1 : 0;
}

/* ---- building and validating the batch ---------------------------------- */

/* Append a step for change (op, row copy) to p. */
static int commit_add(mopitr_report *p, const mopitr_txn_net *n, mopitr_change_op op,
                      const mopitr_row *r, int bOwn, int iPhase)
{
    commit_step *s;
    int rc;
    s = &p->aStep[p->nStep];
    memset(s, 0, sizeof(*s));
    s->pConn = n->pConn;
    mopitr_conn_ref(n->pConn);
    s->iConn = n->iConn;
    s->iOrder = n->iOrder;
    s->iPhase = iPhase;
    s->bBlind = n->bBlind;
    s->fwd.op = op;
    s->fwd.bOwnAccount = bOwn;
    p->nStep++;
    s->zConn = sqlite3_mprintf("%s", n->zConn);
    if (s->zConn == NULL)
        return SQLITE_NOMEM;
    rc = mopitr_row_copy(&s->fwd.row, r);
    if (rc == SQLITE_OK) {
        s->zSql = mopitr_change_sql(s->pConn, &s->fwd);
        if (s->zSql == NULL)
            rc = SQLITE_NOMEM;
    }
    return rc;
}

/* Phase 4 for the CREATEs whose object a DROP of the batch frees (as the transaction
** read it; the validation adds those the server shows). */
static int commit_after_drops(mopitr_report *p)
{
    mopitr_rowindex drops;
    int i, j, rc = SQLITE_OK;
    mopitr_rowindex_init(&drops);
    for (i = 0; rc == SQLITE_OK && i < p->nStep; i++) {
        const commit_step *s = &p->aStep[i];
        if (s->fwd.op == MOPITR_CHANGE_DROP)
            rc = mopitr_rowindex_add(
                &drops, mopitr_hash_object(&s->fwd.row, mopitr_conn_account(s->pConn)), i);
    }
    for (i = 0; rc == SQLITE_OK && drops.nUsed > 0 && i < p->nStep; i++) {
        commit_step *s = &p->aStep[i];
        const char *zOwn = mopitr_conn_account(s->pConn);
        unsigned h, it;
        if (s->fwd.op != MOPITR_CHANGE_CREATE)
            continue;
        h = mopitr_hash_object(&s->fwd.row, zOwn);
        it = mopitr_rowindex_begin(&drops, h);
        while ((j = mopitr_rowindex_next(&drops, h, &it)) >= 0) {
            const commit_step *d = &p->aStep[j];
            if (d->iConn == s->iConn && mopitr_row_same_object(&d->fwd.row, &s->fwd.row, zOwn))
                s->iPhase = 4;
        }
    }
    mopitr_rowindex_clear(&drops);
    return rc;
}

/* The steps for the net changes aNet, not yet validated; phases as far as the
** transaction knows (commit_check refines them with the server's rows). */
static int commit_build(const mopitr_txn_net *aNet, int nNet, mopitr_report *p)
{
    int i, rc = SQLITE_OK;
    p->aStep = sqlite3_malloc64(sizeof(commit_step) * (size_t)(2 * nNet + 1));
    if (p->aStep == NULL)
        return SQLITE_NOMEM;
    for (i = 0; rc == SQLITE_OK && i < nNet; i++) {
        const mopitr_txn_net *n = &aNet[i];
        const char *zOwn = mopitr_conn_account(n->pConn);
        if (n->pOld == NULL && n->pNew)
            rc = commit_add(p, n, MOPITR_CHANGE_CREATE, n->pNew, n->bOwnAccount, 1);
        else if (n->pOld && n->pNew == NULL)
            rc = commit_add(p, n, MOPITR_CHANGE_DROP, n->pOld, 0, 3);
        else if (n->pOld && n->pNew && mopitr_row_same_object(n->pOld, n->pNew, zOwn)) {
            if (n->pOld->range_value != n->pNew->range_value ||
                sqlite3_stricmp(n->pOld->az[MOPITR_COL_RANGE_UNIT],
                                n->pNew->az[MOPITR_COL_RANGE_UNIT]) != 0)
                rc = commit_add(p, n, MOPITR_CHANGE_ALTER, n->pNew, 0,
                                commit_range_cmp(n->pNew, n->pOld) < 0 ? 2 : 1);
        } else if (n->pOld && n->pNew) {
            rc = commit_add(p, n, MOPITR_CHANGE_DROP, n->pOld, 0, 3);
            if (rc == SQLITE_OK)
                rc = commit_add(p, n, MOPITR_CHANGE_CREATE, n->pNew, n->bOwnAccount, 4);
        }
    }
    if (rc == SQLITE_OK)
        rc = commit_after_drops(p);
    return rc;
}

/* The server's rows of one connection, read for validation, indexed by folded name and
** by object. */
typedef struct commit_server {
    mopitr_conn *pConn; /* borrowed */
    mopitr_row *aRow;
    int nRow;
    mopitr_rowindex nameIdx; /* mopitr_hash_nocase(name) -> row */
    mopitr_rowindex objIdx;  /* mopitr_hash_object(row) -> row, in row order */
} commit_server;

/* The SHOW PITR that reads what validating p's steps on pConn needs (a superset,
** mopitr_pitr_probe_sql): the PITRs named by a step, and those that may protect an
** object a CREATE gives a PITR. Names are stored lower-cased by MatrixOne and the steps
** carry the stored or folded form, so exact comparison finds them. NULL on OOM. */
static char *commit_server_sql(const mopitr_report *p, mopitr_conn *pConn)
{
    const char **azName = sqlite3_malloc64(sizeof(char *) * (size_t)(p->nStep + 1));
    const mopitr_row **apObj = sqlite3_malloc64(sizeof(mopitr_row *) * (size_t)(p->nStep + 1));
    char *zSql = NULL;
    int i, nName = 0, nObj = 0;
    if (azName == NULL || apObj == NULL)
        goto out;
    for (i = 0; i < p->nStep; i++) {
        const commit_step *s = &p->aStep[i];
        if (s->pConn != pConn)
            continue;
        azName[nName++] = s->fwd.row.az[MOPITR_COL_NAME];
        if (s->fwd.op == MOPITR_CHANGE_CREATE)
            apObj[nObj++] = &s->fwd.row;
    }
    zSql = mopitr_pitr_probe_sql(pConn, azName, nName, apObj, nObj);
out:
    sqlite3_free(azName);
    sqlite3_free(apObj);
    return zSql;
}

/* Read from pConn's SHOW PITR what validating p needs (commit_server_sql) into *pS and
** index it. */
static int commit_server_read(const mopitr_report *p, commit_server *pS, char **pzErr)
{
    const char *zOwn = mopitr_conn_account(pS->pConn);
    char *zSql = commit_server_sql(p, pS->pConn);
    int i, rc = zSql ? mopitr_conn_fetch_sql(pS->pConn, zSql, &pS->aRow, &pS->nRow, pzErr)
                     : SQLITE_NOMEM;
    sqlite3_free(zSql);
    if (rc == SQLITE_OK)
        rc = mopitr_rowindex_reserve(&pS->nameIdx, pS->nRow);
    if (rc == SQLITE_OK)
        rc = mopitr_rowindex_reserve(&pS->objIdx, pS->nRow);
    for (i = 0; rc == SQLITE_OK && i < pS->nRow; i++) {
        rc = mopitr_rowindex_add(&pS->nameIdx,
                                 mopitr_hash_nocase(pS->aRow[i].az[MOPITR_COL_NAME], -1), i);
        if (rc == SQLITE_OK)
            rc = mopitr_rowindex_add(&pS->objIdx, mopitr_hash_object(&pS->aRow[i], zOwn), i);
    }
    return rc;
}

/* The first server row named zName in pS, or NULL. */
static const mopitr_row *commit_server_row(const commit_server *pS, const char *zName)
{
    unsigned h = mopitr_hash_nocase(zName, -1), it = mopitr_rowindex_begin(&pS->nameIdx, h);
    int i;
    while ((i = mopitr_rowindex_next(&pS->nameIdx, h, &it)) >= 0) {
        if (sqlite3_stricmp(pS->aRow[i].az[MOPITR_COL_NAME], zName) == 0)
            return &pS->aRow[i];
    }
    return NULL;
}

/* Index the DROP steps of p by name (mopitr_hash_nocase) for commit_drops. */
static int commit_index_drops(const mopitr_report *p, mopitr_rowindex *pIdx)
{
    int i, rc = SQLITE_OK;
    for (i = 0; rc == SQLITE_OK && i < p->nStep; i++) {
        if (p->aStep[i].fwd.op == MOPITR_CHANGE_DROP)
            rc = mopitr_rowindex_add(
                pIdx, mopitr_hash_nocase(p->aStep[i].fwd.row.az[MOPITR_COL_NAME], -1), i);
    }
    return rc;
}

/* Does the batch drop zName on connection iConn? (pDrops: commit_index_drops) */
static int commit_drops(const mopitr_report *p, const mopitr_rowindex *pDrops, int iConn,
                        const char *zName)
{
    unsigned h = mopitr_hash_nocase(zName, -1), it = mopitr_rowindex_begin(pDrops, h);
    int i;
    while ((i = mopitr_rowindex_next(pDrops, h, &it)) >= 0) {
        const commit_step *s = &p->aStep[i];
        if (s->iConn == iConn && s->fwd.op == MOPITR_CHANGE_DROP &&
            sqlite3_stricmp(s->fwd.row.az[MOPITR_COL_NAME], zName) == 0)
            return 1;
    }
    return 0;
}

/* Validate step s against the server's rows pS and fill its undo. SQLITE_OK, or an
** error (SQLITE_CONSTRAINT for a name or object taken) with the reason in s->zError. */
static int commit_check(mopitr_report *p, const mopitr_rowindex *pDrops, commit_step *s,
                        const commit_server *pS)
{
    const char *zOwn = mopitr_conn_account(s->pConn);
    const char *zName = s->fwd.row.az[MOPITR_COL_NAME];
    const mopitr_row *pNow = commit_server_row(pS, zName);
    char *zA = NULL, *zB = NULL;
    unsigned h, it;
    int i, rc = SQLITE_OK;

    if (s->fwd.op == MOPITR_CHANGE_CREATE) {
        if (pNow && !commit_drops(p, pDrops, s->iConn, zName)) {
            s->zError = sqlite3_mprintf("pitr '%s' already exists on the server%s", zName,
                                        s->bBlind ? ""
                                                  : ": it was created after this transaction "
                                                    "read it");
            rc = SQLITE_CONSTRAINT;
            goto out;
        }
        /* Candidates from the object index, in row order, checked (hashes collide). */
        h = mopitr_hash_object(&s->fwd.row, zOwn);
        it = mopitr_rowindex_begin(&pS->objIdx, h);
        while ((i = mopitr_rowindex_next(&pS->objIdx, h, &it)) >= 0) {
            const mopitr_row *r = &pS->aRow[i];
            if (!mopitr_row_same_object(r, &s->fwd.row, zOwn))
                continue;
            if (commit_drops(p, pDrops, s->iConn, r->az[MOPITR_COL_NAME])) {
                s->iPhase = 4; /* after the drop that frees the object */
                continue;
            }
            zA = mopitr_row_describe_object(r);
            s->zError = zA ? sqlite3_mprintf("%s already has pitr '%s' on the server, "
                                             "so pitr '%s' cannot be created",
                                             zA, r->az[MOPITR_COL_NAME], zName)
                           : NULL;
            rc = SQLITE_CONSTRAINT;
            goto out;
        }
        s->undo.op = MOPITR_CHANGE_DROP;
        rc = mopitr_row_copy(&s->undo.row, &s->fwd.row);
        goto out;
    }
    /* ALTER and DROP: the PITR must still be there, protecting the same object. */
    if (pNow == NULL) {
        s->zError = sqlite3_mprintf("pitr '%s' no longer exists on the server: it was dropped "
                                    "after this transaction read it",
                                    zName);
        rc = SQLITE_ERROR;
        goto out;
    }
    if (!mopitr_row_same_object(pNow, &s->fwd.row, zOwn)) {
        zA = mopitr_row_describe_object(pNow);
        zB = mopitr_row_describe_object(&s->fwd.row);
        s->zError = zA && zB ? sqlite3_mprintf("pitr '%s' on the server now protects %s, not %s "
                                               "as when this transaction read it",
                                               zName, zA, zB)
                             : NULL;
        rc = SQLITE_ERROR;
        goto out;
    }
    rc = mopitr_row_copy(&s->undo.row, pNow);
    if (rc != SQLITE_OK)
        goto out;
    if (s->fwd.op == MOPITR_CHANGE_DROP) {
        s->undo.op = MOPITR_CHANGE_CREATE; /* the same object and range, a new created_time */
        s->undo.bOwnAccount =
            pNow->level == MOPITR_LEVEL_ACCOUNT && mopitr_row_is_own_account(pNow, zOwn);
    } else {
        s->undo.op = MOPITR_CHANGE_ALTER;
        s->iPhase = commit_range_cmp(&s->fwd.row, pNow) < 0 ? 2 : 1;
    }
out:
    sqlite3_free(zA);
    sqlite3_free(zB);
    if (rc == SQLITE_OK)
        s->bUndo = 1;
    else if (s->zError == NULL)
        rc = SQLITE_NOMEM;
    return rc;
}

/* qsort order: phase, then connection, then the queue's order. */
static int commit_step_cmp(const void *pA, const void *pB)
{
    const commit_step *a = pA, *b = pB;
    if (a->iPhase != b->iPhase)
        return a->iPhase - b->iPhase;
    if (a->iConn != b->iConn)
        return a->iConn - b->iConn;
    if (a->iOrder != b->iOrder)
        return a->iOrder - b->iOrder;
    return (int)a->fwd.op - (int)b->fwd.op;
}

/* Validate every step against one SHOW PITR per connection; 0-based index of the
** refused step in *piBad. */
static int commit_validate(mopitr_report *p, int *piBad, char **pzErr)
{
    commit_server *aS = NULL;
    mopitr_rowindex drops;
    int nS = 0, i, j, rc;

    *piBad = -1;
    mopitr_rowindex_init(&drops);
    rc = commit_index_drops(p, &drops);
    aS = rc == SQLITE_OK ? sqlite3_malloc64(sizeof(*aS) * (size_t)(p->nStep + 1)) : NULL;
    if (aS == NULL) {
        mopitr_rowindex_clear(&drops);
        return SQLITE_NOMEM;
    }
    for (i = 0; rc == SQLITE_OK && i < p->nStep; i++) {
        commit_step *s = &p->aStep[i];
        for (j = 0; j < nS && aS[j].pConn != s->pConn; j++) {
        }
        if (j == nS) {
            memset(&aS[nS], 0, sizeof(aS[nS]));
            aS[nS++].pConn = s->pConn;
            rc = commit_server_read(p, &aS[j], pzErr);
            if (rc != SQLITE_OK) {
                /* Name the connection that could not be read, here and in the report. */
                int k;
                if (*pzErr) {
                    char *z = mopitr_errf("cannot read the server's PITRs of connection '%s': %s",
                                          s->zConn, mopitr_err_body(*pzErr));
                    sqlite3_free(*pzErr);
                    *pzErr = z;
                }
                for (k = 0; *pzErr && k < p->nStep; k++) {
                    if (p->aStep[k].pConn == s->pConn && p->aStep[k].zError == NULL)
                        p->aStep[k].zError = sqlite3_mprintf("%s", mopitr_err_body(*pzErr));
                }
                *piBad = i;
                break;
            }
        }
        rc = commit_check(p, &drops, s, &aS[j]);
        if (rc != SQLITE_OK)
            *piBad = i;
    }
    for (i = 0; i < nS; i++) {
        for (j = 0; j < aS[i].nRow; j++)
            mopitr_row_clear(&aS[i].aRow[j]);
        sqlite3_free(aS[i].aRow);
        mopitr_rowindex_clear(&aS[i].nameIdx);
        mopitr_rowindex_clear(&aS[i].objIdx);
    }
    sqlite3_free(aS);
    mopitr_rowindex_clear(&drops);
    return rc;
}

/* ---- applying and undoing ------------------------------------------------- */

/* z without its leading "mo_pitr: " (in place; the report's error column holds the
** reason only). Returns z. */
static char *commit_unprefix(char *z)
{
    if (z)
        memmove(z, mopitr_err_body(z), strlen(mopitr_err_body(z)) + 1);
    return z;
}

/* Undo the applied steps of p from index iLast down to 0. Returns the number of steps
** left applied (or unknown) afterwards. */
static int commit_undo_from(mopitr_report *p, int iLast)
{
    int i, nLeft = 0;
    for (i = iLast; i >= 0; i--) {
        commit_step *s = &p->aStep[i];
        char *zErr = NULL, *zUndo;
        int eOutcome = MOPITR_OUTCOME_FAILED, rc;
        if (s->eState != COMMIT_APPLIED)
            continue;
        if (!s->bUndo) {
            nLeft++;
            continue;
        }
        rc = mopitr_change_run(s->pConn, &s->undo, NULL, &eOutcome, &zErr);
        if (rc == SQLITE_OK) {
            s->eState = COMMIT_UNDONE;
            sqlite3_free(zErr);
            continue;
        }
        nLeft++;
        zUndo = mopitr_change_sql(s->pConn, &s->undo);
        sqlite3_free(s->zError);
        s->zError = sqlite3_mprintf(
            "%s \"%s\": %s",
            eOutcome == MOPITR_OUTCOME_UNKNOWN ? "undo outcome unknown" : "undo failed",
            zUndo ? zUndo : "?", zErr ? commit_unprefix(zErr) : "out of memory");
        if (eOutcome == MOPITR_OUTCOME_UNKNOWN)
            s->eState = COMMIT_UNKNOWN;
        sqlite3_free(zUndo);
        sqlite3_free(zErr);
    }
    return nLeft;
}

/* Append to pStr up to 5 statements of p in state eState ("none" when there are none). */
static void commit_list(sqlite3_str *pStr, const mopitr_report *p, int eState)
{
    int i, n = 0;
    for (i = 0; i < p->nStep; i++) {
        if (p->aStep[i].eState != eState)
            continue;
        if (n < 5)
            sqlite3_str_appendf(pStr, "%s%d (%s)", n ? ", " : "", i + 1, p->aStep[i].zSql);
        n++;
    }
    if (n > 5)
        sqlite3_str_appendf(pStr, " and %d more", n - 5);
    if (n == 0)
        sqlite3_str_appendall(pStr, "none");
}

/* Append to pStr the PITR names of up to 5 steps of p in state eState: "pitr 'a', 'b'
** and 3 more". */
static void commit_names(sqlite3_str *pStr, const mopitr_report *p, int eState)
{
    char aClip[MOPITR_CLIP_SIZE];
    int i, n = 0;
    for (i = 0; i < p->nStep; i++) {
        if (p->aStep[i].eState != eState)
            continue;
        if (n < 5)
            sqlite3_str_appendf(
                pStr, "%s'%s'", n ? ", " : "pitr ",
                mopitr_err_clip(aClip, p->aStep[i].fwd.row.az[MOPITR_COL_NAME], -1));
        n++;
    }
    if (n > 5)
        sqlite3_str_appendf(pStr, " and %d more", n - 5);
}

/* Count the steps of p in state eState. */
static int commit_count(const mopitr_report *p, int eState)
{
    int i, n = 0;
    for (i = 0; i < p->nStep; i++)
        n += p->aStep[i].eState == eState;
    return n;
}

/* The error of the batch zWhat ("COMMIT", "UPDATE", ...) after step iBad failed and
** the undo ran. */
static char *commit_failure(const mopitr_report *p, const char *zWhat, int iBad, const char *zWhy)
{
    const commit_step *s = &p->aStep[iBad];
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int nUndone = commit_count(p, COMMIT_UNDONE);
    int nLeft = commit_count(p, COMMIT_APPLIED) + commit_count(p, COMMIT_UNKNOWN) -
                (s->eState == COMMIT_UNKNOWN);
    sqlite3_str_appendf(pStr,
                        "mo_pitr: %s failed at statement %d of %d on connection '%s' "
                        "(%s): %s",
                        zWhat, iBad + 1, p->nStep, s->zConn, s->zSql, zWhy);
    if (s->eState == COMMIT_UNKNOWN)
        sqlite3_str_appendall(pStr, "; whether that statement applied is unknown");
    if (nLeft == 0) {
        if (nUndone) {
            sqlite3_str_appendf(pStr, "; the %d statement%s applied before it %s undone (", nUndone,
                                nUndone == 1 ? "" : "s", nUndone == 1 ? "was" : "were");
            commit_names(pStr, p, COMMIT_UNDONE);
            sqlite3_str_appendall(pStr, ")");
        }
        sqlite3_str_appendf(pStr, "; nothing %sof this %s is applied",
                            s->eState == COMMIT_UNKNOWN ? "else " : "", zWhat);
    } else {
        sqlite3_str_appendall(pStr, "; the undo did not finish: still applied: ");
        commit_list(pStr, p, COMMIT_APPLIED);
        sqlite3_str_appendall(pStr, "; undone: ");
        commit_list(pStr, p, COMMIT_UNDONE);
        if (commit_count(p, COMMIT_UNKNOWN) > (s->eState == COMMIT_UNKNOWN)) {
            sqlite3_str_appendall(pStr, "; unknown: ");
            commit_list(pStr, p, COMMIT_UNKNOWN);
        }
        sqlite3_str_appendf(pStr, "; not sent: %d", commit_count(p, COMMIT_NOT_SENT));
    }
    sqlite3_str_appendall(pStr, " (see mo_pitr_last_commit)");
    return sqlite3_str_finish(pStr);
}

/* Apply p (the batch zWhat) in order; on a failure undo and say so in *pzErr. A batch
** of one statement (bOne) fails with that statement's own error. */
static int commit_apply(mopitr_report *p, const char *zWhat, int bOne, char **pzErr)
{
    int i, rc = SQLITE_OK;
    for (i = 0; i < p->nStep; i++) {
        commit_step *s = &p->aStep[i];
        char *zErr = NULL;
        int eOutcome = MOPITR_OUTCOME_FAILED;
        rc = mopitr_change_run(s->pConn, &s->fwd, s->zSql, &eOutcome, &zErr);
        if (rc == SQLITE_OK) {
            s->eState = COMMIT_APPLIED;
            s->zError = commit_unprefix(zErr); /* a lost reply, checked: it applied */
            continue;
        }
        s->eState = eOutcome == MOPITR_OUTCOME_UNKNOWN ? COMMIT_UNKNOWN : COMMIT_FAILED;
        s->zError = zErr ? commit_unprefix(zErr) : sqlite3_mprintf("out of memory");
        if (s->eState == COMMIT_UNKNOWN)
            s->bUndo = 0; /* not applied as far as we know: do not "undo" it */
        commit_undo_from(p, i - 1);
        *pzErr = bOne ? mopitr_errf("%s", s->zError) : commit_failure(p, zWhat, i, s->zError);
        if (*pzErr == NULL)
            rc = SQLITE_NOMEM;
        return rc == SQLITE_CONSTRAINT ? SQLITE_CONSTRAINT : rc == SQLITE_NOMEM ? rc : SQLITE_ERROR;
    }
    return SQLITE_OK;
}

/* See the header and the manual above. */
int mopitr_commit_run(const mopitr_txn_net *aNet, int nNet, const char *zWhat, int bStatement,
                      mopitr_report **ppReport, char **pzErr)
{
    mopitr_report *p;
    int rc, iBad = -1, bOne;

    *ppReport = NULL;
    p = sqlite3_malloc64(sizeof(*p));
    if (p == NULL)
        return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p));
    rc = commit_build(aNet, nNet, p);
    /* One statement of an autocommit SQL statement: nothing to order or undo, and the
    ** server checks exactly what the validation would (name, object, existence). */
    bOne = bStatement && p->nStep == 1;
    if (rc == SQLITE_OK && p->nStep > 0 && !bOne)
        rc = commit_validate(p, &iBad, pzErr);
    if (p->nStep > 1)
        qsort(p->aStep, (size_t)p->nStep, sizeof(commit_step), commit_step_cmp);
    if (rc == SQLITE_OK) {
        rc = commit_apply(p, zWhat, bOne, pzErr);
    } else if (rc != SQLITE_NOMEM && iBad >= 0 && *pzErr == NULL) {
        /* Refused by validation: nothing was sent. (After the sort iBad is stale: find
        ** the refused step by its reason.) */
        const char *zWhy = "refused", *zConn = "?";
        int i;
        for (i = 0; i < p->nStep; i++) {
            if (p->aStep[i].zError) {
                zWhy = p->aStep[i].zError;
                zConn = p->aStep[i].zConn;
            }
        }
        *pzErr = mopitr_errf("%s refused, nothing was sent: %s (connection '%s'; see "
                             "mo_pitr_last_commit)",
                             zWhat, zWhy, zConn);
        if (*pzErr == NULL)
            rc = SQLITE_NOMEM;
    } else if (rc != SQLITE_NOMEM && *pzErr) {
        /* The validation read failed: nothing was sent. */
        char *z = mopitr_errf("%s refused, nothing was sent: %s", zWhat, mopitr_err_body(*pzErr));
        sqlite3_free(*pzErr);
        *pzErr = z;
        if (z == NULL)
            rc = SQLITE_NOMEM;
    }
    *ppReport = p;
    return rc;
}

/* See the header: a batch of one change, sent as it is (no validation, nothing to undo). */
int mopitr_commit_one(mopitr_conn *pConn, const char *zConn, mopitr_change *pCh, const char *zWhat,
                      mopitr_report **ppReport, char **pzErr)
{
    mopitr_report *p;
    commit_step *s;
    int rc = SQLITE_NOMEM;

    *ppReport = NULL;
    p = sqlite3_malloc64(sizeof(*p));
    if (p == NULL)
        goto out;
    memset(p, 0, sizeof(*p));
    p->aStep = sqlite3_malloc64(sizeof(commit_step));
    if (p->aStep == NULL)
        goto out;
    s = &p->aStep[0];
    memset(s, 0, sizeof(*s));
    p->nStep = 1;
    s->pConn = pConn;
    mopitr_conn_ref(pConn);
    s->iPhase = 1;
    s->bBlind = 1;
    s->fwd = *pCh; /* taken over */
    memset(pCh, 0, sizeof(*pCh));
    s->zConn = sqlite3_mprintf("%s", zConn ? zConn : "");
    s->zSql = s->zConn ? mopitr_change_sql(pConn, &s->fwd) : NULL;
    if (s->zSql == NULL)
        goto out;
    rc = commit_apply(p, zWhat, 1, pzErr);
out:
    mopitr_row_clear(&pCh->row);
    *ppReport = p;
    return rc;
}

/* See the header: the steps a COMMIT of aNet would send, in its order, unvalidated. */
int mopitr_commit_plan(const mopitr_txn_net *aNet, int nNet, mopitr_report **ppOut)
{
    mopitr_report *p = sqlite3_malloc64(sizeof(*p));
    int rc;
    *ppOut = NULL;
    if (p == NULL)
        return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p));
    rc = commit_build(aNet, nNet, p);
    if (rc != SQLITE_OK) {
        mopitr_report_free(p);
        return rc;
    }
    if (p->nStep > 1)
        qsort(p->aStep, (size_t)p->nStep, sizeof(commit_step), commit_step_cmp);
    *ppOut = p;
    return SQLITE_OK;
}

/* See the header: another table's xSync failed after this batch applied. */
void mopitr_commit_undo(mopitr_report *p)
{
    if (p && p->nStep > 0)
        commit_undo_from(p, p->nStep - 1);
}

/* ---- reading a report (txn_report.c) ------------------------------------ */

/* See the header. */
int mopitr_report_count(const mopitr_report *p)
{
    return p ? p->nStep : 0;
}

/* See the header. */
void mopitr_report_step_what(const mopitr_report *p, int i, const char **pzKind,
                             const char **pzPitr)
{
    static const char *const azKind[] = {"?", "create", "alter", "drop"};
    const commit_step *s = &p->aStep[i];
    *pzKind = azKind[s->fwd.op];
    *pzPitr = s->fwd.row.az[MOPITR_COL_NAME];
}

/* See the header. */
void mopitr_report_step(const mopitr_report *p, int i, const char **pzConn, const char **pzSql,
                        const char **pzState, const char **pzError)
{
    const commit_step *s = &p->aStep[i];
    *pzConn = s->zConn;
    *pzSql = s->zSql;
    *pzState = commit_azState[s->eState];
    *pzError = s->zError;
}
