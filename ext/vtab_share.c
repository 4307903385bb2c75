/*
** vtab_share.c: the reads of one statement, shared by its scans of mo_pitr (vtab.c).
**
** Usage (vtab.c's xFilter):
**     pitr_share *s = mopitr_vt_stmt_share(v);       -- NULL: share per cursor
**     pitr_cache *p = mopitr_share_find(s, pConn);   -- a copy of the whole table, if read
**     if (!p && !mopitr_share_plan_seen(s, zPlan, pConn)) -> send the filtered query
**     else { mopitr_cache_load(pConn, &p, &zErr); mopitr_share_add(s, p); }
**
** How it works: the first read of a plan in a statement sends its own filtered SHOW
** PITR; a second read of the same plan (the inner side of a join, a correlated
** subquery) loads the whole table once into a reference-counted copy (pitr_cache),
** and every later read in the statement is answered from it (indexed per text column
** on first use: mopitr_cache_index). A copy is dropped when its connection's write
** generation moves. A writing statement also keeps the rows its filtered scans
** streamed (mopitr_share_keep), for an UPDATE that sets identity columns
** (mopitr_vt_share_row). The statement is told apart by mopitr_vt_stmt_share.
*/
#include <string.h>

#include "mo_pitr_int.h"

/* Drop one reference to a copy. NULL is a no-op. */
void mopitr_cache_unref(pitr_cache *p)
{
    int i;
    if (p == NULL || --p->nRef > 0)
        return;
    for (i = 0; i < p->nRow; i++)
        mopitr_row_clear(&p->aRow[i]);
    sqlite3_free(p->aRow);
    for (i = 0; i <= MOPITR_COL_TABLE; i++)
        mopitr_rowindex_clear(&p->aIdx[i]);
    mopitr_conn_unref(p->pConn);
    sqlite3_free(p);
}

/* The index of copy p on text column iCol, built on first use; NULL on OOM (the caller
** then scans every row). */
const mopitr_rowindex *mopitr_cache_index(pitr_cache *p, int iCol)
{
    int i, rc;
    if (p->abIdx[iCol])
        return &p->aIdx[iCol];
    rc = mopitr_rowindex_reserve(&p->aIdx[iCol], p->nRow);
    for (i = 0; rc == SQLITE_OK && i < p->nRow; i++) {
        const char *z = p->aRow[i].az[iCol];
        if (z) /* NULL never equals anything */
            rc = mopitr_rowindex_add(&p->aIdx[iCol], mopitr_hash_nocase(z, -1), i);
    }
    if (rc != SQLITE_OK) {
        mopitr_rowindex_clear(&p->aIdx[iCol]);
        return NULL;
    }
    p->abIdx[iCol] = 1;
    return &p->aIdx[iCol];
}

/* Read pConn's whole (unfiltered) SHOW PITR into a new copy with one reference. */
int mopitr_cache_load(mopitr_conn *pConn, pitr_cache **ppOut, char **pzErr)
{
    pitr_cache *p;
    int rc;

    *ppOut = NULL;
    p = sqlite3_malloc64(sizeof(*p));
    if (p == NULL)
        return SQLITE_NOMEM;
    memset(p, 0, sizeof(*p));
    p->nRef = 1;
    p->pConn = pConn;
    mopitr_conn_ref(pConn);
    rc = mopitr_pitr_fetch_all(pConn, &p->aRow, &p->nRow, pzErr);
    /* The generation after the query: a write it had to wait for is already counted. */
    p->gen = mopitr_conn_generation(pConn);
    if (rc != SQLITE_OK) {
        mopitr_cache_unref(p);
        return rc;
    }
    *ppOut = p;
    return SQLITE_OK;
}

/* Forget every copy, plan and kept row. */
void mopitr_share_clear(pitr_share *s)
{
    int i;
    for (i = 0; i < s->nCache; i++)
        mopitr_cache_unref(s->apCache[i]);
    for (i = 0; i < s->nPlan; i++)
        sqlite3_free(s->aPlan[i].zPlan);
    for (i = 0; i < s->nRow; i++)
        mopitr_row_clear(&s->aRow[i]);
    sqlite3_free(s->aRow);
    memset(s, 0, sizeof(*s));
}

/* Has the plan zPlan on pConn already been read with its own filter in s? Records it
** when not (a full list counts as "read": the copy then serves). NOMEM: also "read". */
int mopitr_share_plan_seen(pitr_share *s, const char *zPlan, mopitr_conn *pConn)
{
    int i;
    for (i = 0; i < s->nPlan; i++) {
        if (s->aPlan[i].pConn == pConn && strcmp(s->aPlan[i].zPlan, zPlan) == 0)
            return 1;
    }
    if (s->nPlan == PITR_MAX_PLANS)
        return 1;
    s->aPlan[s->nPlan].zPlan = sqlite3_mprintf("%s", zPlan);
    if (s->aPlan[s->nPlan].zPlan == NULL)
        return 1;
    s->aPlan[s->nPlan++].pConn = pConn;
    return 0;
}

/* Keep a copy of a streamed row in s (for an UPDATE that sets identity columns). */
int mopitr_share_keep(pitr_share *s, const mopitr_row *r)
{
    if (s->nRow == s->nRowAlloc) {
        int nNew = s->nRowAlloc ? s->nRowAlloc * 2 : 16;
        mopitr_row *aNew = sqlite3_realloc64(s->aRow, sizeof(mopitr_row) * (size_t)nNew);
        if (aNew == NULL)
            return SQLITE_NOMEM;
        s->aRow = aNew;
        s->nRowAlloc = nNew;
    }
    memset(&s->aRow[s->nRow], 0, sizeof(mopitr_row));
    if (mopitr_row_copy(&s->aRow[s->nRow], r) != SQLITE_OK) {
        mopitr_row_clear(&s->aRow[s->nRow]);
        return SQLITE_NOMEM;
    }
    s->nRow++;
    return SQLITE_OK;
}

/* A row named exactly zName that this share read from pConn (borrowed), or NULL. A
** copy of the whole table is searched through its name index (one UPDATE row of a
** statement over the whole copy costs O(1), not O(N)). */
const mopitr_row *mopitr_vt_share_row(pitr_share *s, mopitr_conn *pConn, const char *zName)
{
    int i, j;
    for (i = 0; i < s->nCache; i++) {
        pitr_cache *p = s->apCache[i];
        const mopitr_rowindex *pIdx;
        unsigned h, it;
        if (p->pConn != pConn)
            continue;
        pIdx = mopitr_cache_index(p, MOPITR_COL_NAME);
        if (pIdx == NULL) {
            for (j = 0; j < p->nRow; j++) {
                if (strcmp(p->aRow[j].az[MOPITR_COL_NAME], zName) == 0)
                    return &p->aRow[j];
            }
            continue;
        }
        h = mopitr_hash_nocase(zName, -1);
        it = mopitr_rowindex_begin(pIdx, h);
        while ((j = mopitr_rowindex_next(pIdx, h, &it)) >= 0) {
            if (strcmp(p->aRow[j].az[MOPITR_COL_NAME], zName) == 0)
                return &p->aRow[j];
        }
    }
    for (i = s->nRow - 1; i >= 0; i--) {
        if (strcmp(s->aRow[i].az[MOPITR_COL_NAME], zName) == 0)
            return &s->aRow[i];
    }
    return NULL;
}

/* The still valid copy of pConn's table in s (borrowed), or NULL. A copy made before
** a write on that connection is dropped. */
pitr_cache *mopitr_share_find(pitr_share *s, mopitr_conn *pConn)
{
    int i;
    for (i = 0; i < s->nCache; i++) {
        pitr_cache *p = s->apCache[i];
        if (p->pConn != pConn)
            continue;
        if (p->gen == mopitr_conn_generation(pConn))
            return p;
        mopitr_cache_unref(p);
        s->apCache[i] = s->apCache[--s->nCache];
        return NULL;
    }
    return NULL;
}

/* Keep p (reference taken over) in s, dropping the oldest copy when full. */
void mopitr_share_add(pitr_share *s, pitr_cache *p)
{
    if (s->nCache == PITR_MAX_CACHES) {
        mopitr_cache_unref(s->apCache[0]);
        memmove(&s->apCache[0], &s->apCache[1], sizeof(s->apCache[0]) * (PITR_MAX_CACHES - 1));
        s->nCache--;
    }
    s->apCache[s->nCache++] = p;
}

/*
** The busy statement of db, or NULL when none or several are busy (a scan then cannot
** tell which statement it belongs to). A statement is its sqlite3_stmt pointer, its run
** count (SQLITE_STMTSTATUS_RUN: a reset and re-run is a new statement) and an epoch the
** caller bumps in every xBestIndex: a statement finalized and a new one prepared at the
** same address has been planned in between, so it never inherits the old reads. *pId
** is updated and *pbNew says whether it changed (the caller forgets its reads then).
*/
sqlite3_stmt *mopitr_stmt_current(sqlite3 *db, mopitr_stmt_id *pId, unsigned epoch, int *pbNew)
{
    sqlite3_stmt *p, *pBusy = NULL;
    int nRun;
    *pbNew = 0;
    for (p = sqlite3_next_stmt(db, NULL); p; p = sqlite3_next_stmt(db, p)) {
        if (sqlite3_stmt_busy(p)) {
            if (pBusy)
                return NULL;
            pBusy = p;
        }
    }
    if (pBusy == NULL)
        return NULL;
    nRun = sqlite3_stmt_status(pBusy, SQLITE_STMTSTATUS_RUN, 0);
    if (pBusy != pId->pStmt || nRun != pId->nRun || epoch != pId->epoch) {
        pId->pStmt = pBusy;
        pId->nRun = nRun;
        pId->epoch = epoch;
        *pbNew = 1;
    }
    return pBusy;
}

/* The reads of the statement running now (mopitr_stmt_current), or NULL when it cannot be
** told apart: a scan then shares only within its own cursor. */
pitr_share *mopitr_vt_stmt_share(pitr_vtab *v)
{
    mopitr_stmt_id id;
    sqlite3_stmt *pBusy;
    int bNew;
    id.pStmt = v->pStmt;
    id.nRun = v->stmtRun;
    id.epoch = v->stmtEpoch;
    pBusy = mopitr_stmt_current(v->db, &id, v->epoch, &bNew);
    if (pBusy == NULL)
        return NULL;
    if (bNew) {
        mopitr_share_clear(&v->share);
        v->pStmt = id.pStmt;
        v->stmtRun = id.nRun;
        v->stmtEpoch = id.epoch;
        v->share.bKeepRows = !sqlite3_stmt_readonly(pBusy);
    }
    return &v->share;
}
