/*
** txn_view.c: what one SQLite transaction sees of one MatrixOne connection (issue 6).
**
** A view holds one item per PITR name it knows: {old row, current row}. Old rows are
** the server's, as read when the view was loaded; current rows are old rows with the
** transaction's queued changes applied (txn.c replays its journal into the view).
** COMMIT turns each touched item's old -> current into statements (txn_commit.c);
** reads show the current rows over the server's (mopitr_view_overlay).
**
** Usage (txn.c):
**     v = mopitr_view_new(pConn, "main");
**     mopitr_view_decide(v, &ch, SQLITE_ABORT, &eOut, &zErr);  -- a new INSERT
**     mopitr_view_apply(v, &ch, eBlind, iOp, &zErr);            -- replay a queued change
**     mopitr_view_load(v, pBase, &zErr);                         -- take in the server's rows
**     mopitr_view_free(v);
**
** Loaded and not loaded. A view starts not loaded: it knows nothing of the server,
** so an INSERT cannot be checked against the server's PITRs. Rather than read the
** whole SHOW PITR for the first write (at 100,000 PITRs that read costs more than
** 1,000 CREATEs), the INSERT is queued "blind" with its conflict mode and decided
** later, when the view is loaded: by the first read, UPDATE or DELETE of the
** connection in this transaction, or at COMMIT (whose validation against the server
** decides plain INSERTs; OR IGNORE / OR REPLACE load the view first). What the queue
** itself decides is decided at once, also when not loaded: a blind plain INSERT or
** OR REPLACE either fails the COMMIT or leaves its name and object taken, so a later
** INSERT of the same name or object conflicts in every outcome that can commit. Only
** a blind OR IGNORE leaves its name undecided ("maybe"); an INSERT that meets it asks
** for the view to be loaded (MOPITR_DECIDE_LOAD).
**
** Items are found by folded name (a chained hash) and by object (mopitr_rowindex over
** mopitr_hash_object of the current row; entries may go stale: lookups check).
*/
#include <string.h>

#include "mo_pitr_int.h"

/* One name on one connection. */
typedef struct view_item {
    char *zKey;     /* folded name */
    mopitr_row old; /* the server's row when read, if bOld */
    mopitr_row cur; /* the row now, if bCur */
    int bOld, bCur;
    int bOwnAccount; /* cur was queued in the own-account form */
    int bTouched;    /* a queued change names it */
    int bMaybe;      /* a blind INSERT OR IGNORE made cur: it may not happen */
    int iFirstOp;    /* journal position of the first such change */
    int iNext;       /* hash chain, -1 ends */
} view_item;

struct mopitr_view {
    mopitr_conn *pConn; /* one reference */
    char *zName;        /* its registry name */
    view_item *aItem;
    int nItem, nAlloc;
    int *aHash; /* nHash chain heads */
    int nHash;
    mopitr_rowindex objIdx; /* object -> item (may hold stale entries) */
    int bLoaded;            /* the server's rows are in */
    int nTouched;
};

/* A folded copy of zName. NULL on OOM. */
static char *view_key(const char *zName)
{
    char *z = sqlite3_mprintf("%s", zName ? zName : "");
    if (z)
        mopitr_fold(z);
    return z;
}

/* Free one item's contents. */
static void view_item_clear(view_item *p)
{
    sqlite3_free(p->zKey);
    mopitr_row_clear(&p->old);
    mopitr_row_clear(&p->cur);
    memset(p, 0, sizeof(*p));
}

/* Index item i under the object its current row protects (if it has one). */
static int view_obj_add(mopitr_view *v, int i)
{
    if (!v->aItem[i].bCur)
        return SQLITE_OK;
    return mopitr_rowindex_add(
        &v->objIdx, mopitr_hash_object(&v->aItem[i].cur, mopitr_conn_account(v->pConn)), i);
}

/* Rebuild the name hash (twice the item count) and the object index (no stale
** entries). */
static int view_rehash(mopitr_view *v)
{
    int i, rc, nHash = 64;
    int *aHash;
    while (nHash < v->nItem * 2)
        nHash *= 2;
    aHash = sqlite3_malloc64(sizeof(int) * (size_t)nHash);
    if (aHash == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < nHash; i++)
        aHash[i] = -1;
    for (i = 0; i < v->nItem; i++) {
        unsigned h = mopitr_hash_nocase(v->aItem[i].zKey, -1) & (unsigned)(nHash - 1);
        v->aItem[i].iNext = aHash[h];
        aHash[h] = i;
    }
    sqlite3_free(v->aHash);
    v->aHash = aHash;
    v->nHash = nHash;
    mopitr_rowindex_clear(&v->objIdx);
    rc = mopitr_rowindex_reserve(&v->objIdx, v->nItem);
    for (i = 0; rc == SQLITE_OK && i < v->nItem; i++)
        rc = view_obj_add(v, i);
    return rc;
}

/* The item for folded name zKey, or -1. */
static int view_find_key(const mopitr_view *v, const char *zKey)
{
    int i;
    if (v->nHash == 0)
        return -1;
    for (i = v->aHash[mopitr_hash_nocase(zKey, -1) & (unsigned)(v->nHash - 1)]; i >= 0;
         i = v->aItem[i].iNext) {
        if (strcmp(v->aItem[i].zKey, zKey) == 0)
            return i;
    }
    return -1;
}

/* The item for name zName (folded here), or -1; SQLITE_NOMEM in *pRc. */
static int view_find_name(const mopitr_view *v, const char *zName, int *pRc)
{
    char *zKey = view_key(zName);
    int i;
    *pRc = zKey ? SQLITE_OK : SQLITE_NOMEM;
    i = zKey ? view_find_key(v, zKey) : -1;
    sqlite3_free(zKey);
    return i;
}

/* Add an empty item for zKey (taken over); its index in *piOut. */
static int view_item_add(mopitr_view *v, char *zKey, int *piOut)
{
    view_item *p;
    unsigned h;
    if (v->nItem == v->nAlloc) {
        int nNew = v->nAlloc ? v->nAlloc * 2 : 64;
        view_item *aNew = sqlite3_realloc64(v->aItem, sizeof(view_item) * (size_t)nNew);
        if (aNew == NULL) {
            sqlite3_free(zKey);
            return SQLITE_NOMEM;
        }
        v->aItem = aNew;
        v->nAlloc = nNew;
    }
    p = &v->aItem[v->nItem];
    memset(p, 0, sizeof(*p));
    p->zKey = zKey;
    p->iNext = -1;
    *piOut = v->nItem++;
    if (v->nItem * 2 > v->nHash)
        return view_rehash(v);
    h = mopitr_hash_nocase(zKey, -1) & (unsigned)(v->nHash - 1);
    p->iNext = v->aHash[h];
    v->aHash[h] = *piOut;
    return SQLITE_OK;
}

/* Add the server's row *pRow (taken over) as an untouched item. A name seen twice (a
** server that lists a name twice) keeps the first row. */
static int view_add_old(mopitr_view *v, mopitr_row *pRow)
{
    char *zKey = view_key(pRow->az[MOPITR_COL_NAME]);
    int i, rc;
    if (zKey == NULL)
        return SQLITE_NOMEM;
    if (view_find_key(v, zKey) >= 0) {
        sqlite3_free(zKey);
        mopitr_row_clear(pRow);
        return SQLITE_OK;
    }
    rc = view_item_add(v, zKey, &i);
    if (rc != SQLITE_OK)
        return rc;
    v->aItem[i].old = *pRow;
    memset(pRow, 0, sizeof(*pRow));
    v->aItem[i].bOld = 1;
    rc = mopitr_row_copy(&v->aItem[i].cur, &v->aItem[i].old);
    v->aItem[i].bCur = rc == SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = view_obj_add(v, i);
    return rc;
}

/* ---- life cycle ----------------------------------------------------------- */

/* See the header. */
mopitr_view *mopitr_view_new(mopitr_conn *pConn, const char *zConnName)
{
    mopitr_view *v = sqlite3_malloc64(sizeof(*v));
    if (v == NULL)
        return NULL;
    memset(v, 0, sizeof(*v));
    v->zName = sqlite3_mprintf("%s", zConnName ? zConnName : "");
    if (v->zName == NULL) {
        sqlite3_free(v);
        return NULL;
    }
    v->pConn = pConn;
    mopitr_conn_ref(pConn);
    return v;
}

/* See the header. */
void mopitr_view_free(mopitr_view *v)
{
    int i;
    if (v == NULL)
        return;
    for (i = 0; i < v->nItem; i++)
        view_item_clear(&v->aItem[i]);
    sqlite3_free(v->aItem);
    sqlite3_free(v->aHash);
    mopitr_rowindex_clear(&v->objIdx);
    sqlite3_free(v->zName);
    mopitr_conn_unref(v->pConn);
    sqlite3_free(v);
}

mopitr_conn *mopitr_view_conn(const mopitr_view *v)
{
    return v->pConn;
}

int mopitr_view_loaded(const mopitr_view *v)
{
    return v->bLoaded;
}

int mopitr_view_touched(const mopitr_view *v)
{
    return v->nTouched;
}

/* See the header. */
int mopitr_view_reset(mopitr_view *v, int bKeepServer)
{
    int i, n = 0, rc = SQLITE_OK;
    if (!bKeepServer)
        v->bLoaded = 0;
    for (i = 0; i < v->nItem; i++) {
        view_item *p = &v->aItem[i];
        if (!p->bOld || !bKeepServer) {
            view_item_clear(p);
            continue;
        }
        mopitr_row_clear(&p->cur);
        p->bTouched = p->bMaybe = p->bOwnAccount = 0;
        p->bCur = 0;
        if (rc == SQLITE_OK) {
            rc = mopitr_row_copy(&p->cur, &p->old);
            p->bCur = rc == SQLITE_OK;
        }
        v->aItem[n++] = *p;
    }
    v->nItem = n;
    v->nTouched = 0;
    if (rc == SQLITE_OK)
        rc = view_rehash(v);
    return rc;
}

/* See the header. */
int mopitr_view_load(mopitr_view *v, const pitr_cache *pBase, char **pzErr)
{
    mopitr_row *aRow = NULL;
    mopitr_row row;
    int i, nRow = 0, rc = SQLITE_OK;

    memset(&row, 0, sizeof(row));
    if (pBase == NULL)
        rc = mopitr_pitr_fetch_all(v->pConn, &aRow, &nRow, pzErr);
    for (i = 0; rc == SQLITE_OK && i < (pBase ? pBase->nRow : nRow); i++) {
        if (pBase)
            rc = mopitr_row_copy(&row, &pBase->aRow[i]);
        else {
            row = aRow[i];
            memset(&aRow[i], 0, sizeof(aRow[i]));
        }
        if (rc == SQLITE_OK)
            rc = view_add_old(v, &row);
    }
    mopitr_row_clear(&row);
    for (i = 0; i < nRow; i++)
        mopitr_row_clear(&aRow[i]);
    sqlite3_free(aRow);
    if (rc == SQLITE_OK && v->nHash == 0)
        rc = view_rehash(v);
    if (rc == SQLITE_OK)
        v->bLoaded = 1;
    return rc;
}

/* See the header. */
int mopitr_view_add_server(mopitr_view *v, const mopitr_row *pRow)
{
    mopitr_row row;
    int rc;
    memset(&row, 0, sizeof(row));
    rc = mopitr_row_copy(&row, pRow);
    if (rc == SQLITE_OK)
        rc = view_add_old(v, &row); /* takes the copy over (or frees it) */
    mopitr_row_clear(&row);
    return rc;
}

/* See the header. */
int mopitr_view_probe(mopitr_view *v, const mopitr_row *pNew, char **pzErr)
{
    mopitr_row *aRow = NULL;
    int i, nRow = 0, rc = mopitr_pitr_probe(v->pConn, pNew, &aRow, &nRow, pzErr);
    for (i = 0; rc == SQLITE_OK && i < nRow; i++)
        rc = view_add_old(v, &aRow[i]);
    for (i = 0; i < nRow; i++)
        mopitr_row_clear(&aRow[i]);
    sqlite3_free(aRow);
    if (rc == SQLITE_OK && v->nHash == 0)
        rc = view_rehash(v);
    return rc;
}

/* ---- deciding and applying changes ---------------------------------------- */

/* Another item (not zKey) whose current row protects the object of p, or -1. */
static int view_object_owner(const mopitr_view *v, const mopitr_row *p, const char *zKey)
{
    const char *zOwn = mopitr_conn_account(v->pConn);
    unsigned h = mopitr_hash_object(p, zOwn), it = mopitr_rowindex_begin(&v->objIdx, h);
    int i;
    while ((i = mopitr_rowindex_next(&v->objIdx, h, &it)) >= 0) {
        const view_item *q = &v->aItem[i];
        if (q->bCur && strcmp(q->zKey, zKey) != 0 && mopitr_row_same_object(&q->cur, p, zOwn))
            return i;
    }
    return -1;
}

/* See the header. */
int mopitr_view_decide(const mopitr_view *v, mopitr_change *pCh, int eMode, int *peOut,
                       char **pzErr)
{
    const char *zName = pCh->row.az[MOPITR_COL_NAME];
    char aClip[MOPITR_CLIP_SIZE];
    char *zKey = view_key(zName), *zWhat = NULL;
    int i, bSkip = 0, rc = SQLITE_OK;

    *peOut = MOPITR_DECIDE_APPLY;
    if (zKey == NULL)
        return SQLITE_NOMEM;
    i = view_find_key(v, zKey);
    if (i >= 0 && v->aItem[i].bCur) {
        /* The name exists in the view. */
        if (!v->bLoaded && v->aItem[i].bMaybe) {
            *peOut = MOPITR_DECIDE_LOAD;
        } else if (eMode == SQLITE_IGNORE) {
            *peOut = MOPITR_DECIDE_SKIP;
        } else if (eMode != SQLITE_REPLACE) {
            *pzErr = mopitr_errf("pitr '%s' already exists", mopitr_err_clip(aClip, zName, -1));
            rc = *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
        } else {
            rc = mopitr_replace_decide(&v->aItem[i].cur, pCh, mopitr_conn_account(v->pConn), &bSkip,
                                       pzErr);
            if (rc == SQLITE_OK && bSkip)
                *peOut = MOPITR_DECIDE_SKIP;
        }
        goto out;
    }
    /* One PITR per object (MatrixOne's rule, spec 3.3). */
    i = view_object_owner(v, &pCh->row, zKey);
    if (i >= 0 && !v->bLoaded && v->aItem[i].bMaybe) {
        *peOut = MOPITR_DECIDE_LOAD;
    } else if (i >= 0 && eMode == SQLITE_IGNORE) {
        *peOut = MOPITR_DECIDE_SKIP;
    } else if (i >= 0) {
        zWhat = mopitr_row_describe_object(&pCh->row);
        *pzErr = zWhat ? mopitr_errf("%s already has pitr '%s', so pitr '%s' cannot be "
                                     "created",
                                     zWhat, v->aItem[i].cur.az[MOPITR_COL_NAME],
                                     mopitr_err_clip(aClip, zName, -1))
                       : NULL;
        rc = *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
    } else if (!v->bLoaded) {
        *peOut = MOPITR_DECIDE_DEFER;
    }
out:
    sqlite3_free(zKey);
    sqlite3_free(zWhat);
    return rc;
}

/* Apply change pCh (decided) at journal position iOp; bMaybe marks a blind OR IGNORE. */
static int view_apply_decided(mopitr_view *v, const mopitr_change *pCh, int iOp, int bMaybe)
{
    char *zKey = view_key(pCh->row.az[MOPITR_COL_NAME]);
    view_item *p;
    int i, rc = SQLITE_OK;

    if (zKey == NULL)
        return SQLITE_NOMEM;
    i = view_find_key(v, zKey);
    if (i < 0) {
        rc = view_item_add(v, zKey, &i);
        if (rc != SQLITE_OK)
            return rc;
    } else {
        sqlite3_free(zKey);
    }
    p = &v->aItem[i];
    if (!p->bTouched) {
        p->bTouched = 1;
        p->iFirstOp = iOp;
        v->nTouched++;
    }
    switch (pCh->op) {
    case MOPITR_CHANGE_CREATE:
        mopitr_row_clear(&p->cur);
        rc = mopitr_row_copy(&p->cur, &pCh->row);
        p->bCur = rc == SQLITE_OK;
        p->bOwnAccount = pCh->bOwnAccount;
        p->bMaybe = bMaybe;
        if (rc == SQLITE_OK)
            rc = view_obj_add(v, i);
        break;
    case MOPITR_CHANGE_ALTER:
        if (p->bCur) {
            if (mopitr_row_set(&p->cur, MOPITR_COL_RANGE_UNIT,
                               pCh->row.az[MOPITR_COL_RANGE_UNIT]) != SQLITE_OK)
                return SQLITE_NOMEM;
            p->cur.range_value = pCh->row.range_value;
        }
        break;
    case MOPITR_CHANGE_DROP:
        mopitr_row_clear(&p->cur);
        p->bCur = 0;
        break;
    }
    return rc;
}

/* See the header. */
int mopitr_view_apply(mopitr_view *v, const mopitr_change *pCh, int eBlind, int iOp, char **pzErr)
{
    mopitr_change ch;
    int rc, eOut;

    if (eBlind == 0 || !v->bLoaded)
        return view_apply_decided(v, pCh, iOp, eBlind == SQLITE_IGNORE);
    /* A blind INSERT meets the server's rows: decide it now, on a copy. */
    memset(&ch, 0, sizeof(ch));
    ch.op = pCh->op;
    ch.bOwnAccount = pCh->bOwnAccount;
    rc = mopitr_row_copy(&ch.row, &pCh->row);
    if (rc == SQLITE_OK)
        rc = mopitr_view_decide(v, &ch, eBlind, &eOut, pzErr);
    if (rc == SQLITE_OK && eOut == MOPITR_DECIDE_APPLY)
        rc = view_apply_decided(v, &ch, iOp, 0);
    mopitr_row_clear(&ch.row);
    return rc;
}

/* ---- reading the view ----------------------------------------------------- */

/* See the header. */
int mopitr_view_find(mopitr_view *v, const char *zName, int bAskServer, mopitr_row *pOut,
                     int *pbFound, char **pzErr)
{
    mopitr_row row;
    int rc, i, bServer = 0;

    *pbFound = 0;
    mopitr_row_clear(pOut);
    i = view_find_name(v, zName, &rc);
    if (rc != SQLITE_OK)
        return rc;
    if (i < 0 && bAskServer) {
        /* Created on the server after the view was loaded: take it in as read now. */
        memset(&row, 0, sizeof(row));
        rc = mopitr_pitr_lookup(v->pConn, zName, &row, &bServer, pzErr);
        if (rc == SQLITE_OK && bServer)
            rc = view_add_old(v, &row);
        if (rc == SQLITE_OK && bServer)
            i = view_find_name(v, zName, &rc);
        mopitr_row_clear(&row);
        if (rc != SQLITE_OK)
            return rc;
    }
    if (i < 0 || !v->aItem[i].bCur)
        return SQLITE_OK;
    *pbFound = 1;
    return mopitr_row_copy(pOut, &v->aItem[i].cur);
}

/* Is item p's net change a new PITR (created, or replacing one for another object)? */
static int view_item_is_new(const view_item *p, const char *zOwn)
{
    return p->bCur && (!p->bOld || !mopitr_row_same_object(&p->old, &p->cur, zOwn));
}

/* Append a copy of r to the overlay o (capacity checked by the caller). For a queued
** PITR (bQueued) the server's times are left NULL. */
static int view_overlay_add(pitr_cache *o, const mopitr_row *r, const mopitr_row *pRange,
                            int bQueued)
{
    mopitr_row *pOut = &o->aRow[o->nRow];
    int rc = mopitr_row_copy(pOut, r);
    if (rc == SQLITE_OK && pRange && pRange != r) {
        rc = mopitr_row_set(pOut, MOPITR_COL_RANGE_UNIT, pRange->az[MOPITR_COL_RANGE_UNIT]);
        pOut->range_value = pRange->range_value;
    }
    if (rc == SQLITE_OK && bQueued) {
        rc = mopitr_row_set(pOut, MOPITR_COL_CREATED, NULL);
        if (rc == SQLITE_OK)
            rc = mopitr_row_set(pOut, MOPITR_COL_MODIFIED, NULL);
    }
    if (rc != SQLITE_OK) {
        mopitr_row_clear(pOut);
        return rc;
    }
    o->nRow++;
    return SQLITE_OK;
}

/* See the header. Net changes only: a name the queue created and dropped again shows
** what the server has now. */
int mopitr_view_overlay(const mopitr_view *v, const pitr_cache *pBase, pitr_cache **ppOut)
{
    const char *zOwn = mopitr_conn_account(v->pConn);
    pitr_cache *o;
    int i, j, rc = SQLITE_OK, nMax = pBase->nRow + v->nItem;

    *ppOut = NULL;
    o = sqlite3_malloc64(sizeof(*o));
    if (o == NULL)
        return SQLITE_NOMEM;
    memset(o, 0, sizeof(*o));
    o->nRef = 1;
    o->pConn = v->pConn;
    mopitr_conn_ref(v->pConn);
    o->gen = pBase->gen;
    if (nMax > 0) {
        o->aRow = sqlite3_malloc64(sizeof(mopitr_row) * (size_t)nMax);
        if (o->aRow == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    /* Queued new PITRs first (the server lists the newest first). */
    for (i = 0; rc == SQLITE_OK && i < v->nItem; i++) {
        const view_item *p = &v->aItem[i];
        if (p->bTouched && view_item_is_new(p, zOwn))
            rc = view_overlay_add(o, &p->cur, NULL, 1);
    }
    /* The server's rows: hidden when the transaction drops or replaces them, with the
    ** queued range when it alters them. */
    for (i = 0; rc == SQLITE_OK && i < pBase->nRow; i++) {
        const mopitr_row *r = &pBase->aRow[i];
        const view_item *p = NULL;
        j = view_find_name(v, r->az[MOPITR_COL_NAME], &rc);
        if (rc != SQLITE_OK)
            break;
        p = j >= 0 && v->aItem[j].bTouched ? &v->aItem[j] : NULL;
        if (p && !p->bOld && !p->bCur)
            p = NULL; /* created and dropped again in the queue: no change */
        if (p == NULL)
            rc = view_overlay_add(o, r, NULL, 0);
        else if (p->bCur && !view_item_is_new(p, zOwn))
            rc = view_overlay_add(o, r, &p->cur, 0);
        /* else: dropped, or replaced (its new row is already in) */
    }
out:
    if (rc != SQLITE_OK) {
        for (i = 0; i < o->nRow; i++)
            mopitr_row_clear(&o->aRow[i]);
        sqlite3_free(o->aRow);
        mopitr_conn_unref(o->pConn);
        sqlite3_free(o);
        return rc;
    }
    *ppOut = o;
    return SQLITE_OK;
}

/* See the header. */
int mopitr_view_net(const mopitr_view *v, int iConn, mopitr_txn_net *a)
{
    int i, n = 0;
    for (i = 0; i < v->nItem; i++) {
        const view_item *p = &v->aItem[i];
        if (!p->bTouched || (!p->bOld && !p->bCur))
            continue;
        a[n].pConn = v->pConn;
        a[n].zConn = v->zName;
        a[n].pOld = p->bOld ? &p->old : NULL;
        a[n].pNew = p->bCur ? &p->cur : NULL;
        a[n].bOwnAccount = p->bOwnAccount;
        a[n].bBlind = !v->bLoaded;
        a[n].iOrder = p->iFirstOp;
        a[n].iConn = iConn;
        n++;
    }
    return n;
}
