/*
** txn_view.c: what one batch (an SQLite transaction, or one autocommit statement) knows of
** one MatrixOne connection (issues 6, 13, 15).
**
** A view holds one item per PITR name the batch touched or read: {old row, current row}.
** Old rows are the server's, as a statement of the batch read them: the row an UPDATE's
** or DELETE's own scan delivered (or the one name looked up, mopitr_view_find), and what
** INSERT OR IGNORE / OR REPLACE read for their name and object (mopitr_view_probe).
** Current rows are old rows with the queued changes applied (txn.c replays its journal
** into the view). A view never holds the whole SHOW PITR: its size is the batch's, not the
** catalog's. What it does not know is left to the server: to the scan of a read, and to
** COMMIT's filtered validation (txn_commit.c), which decides the INSERTs queued "blind".
**
** Usage (txn.c):
**     v = mopitr_view_new(pConn, "main");
**     mopitr_view_add_server(v, &rowTheScanRead);               -- UPDATE / DELETE
**     mopitr_view_probe(v, &newRow, &zErr);                      -- OR IGNORE / OR REPLACE
**     mopitr_view_decide(v, &ch, SQLITE_ABORT, &eOut, &zErr);   -- an INSERT
**     mopitr_view_apply(v, &ch, iOp);                            -- queue (replay) a change
**     mopitr_view_rows(v, aArg, nArg, &aRow, &nRow);             -- a read: the queue's rows
**     mopitr_view_filter(v, &serverRow, &bShow, &zErr);          -- ... over the server's
**     mopitr_view_free(v);
**
** Deciding an INSERT: against what the view knows, at once (a name or an object taken by
** a current row, queued or the server's as read, is a conflict); what it does not know, at
** COMMIT. An item records whether the server was asked about its name (bKnown; bOld says
** it had it): a CREATE of a name never asked about is blind, and COMMIT's refusal says
** only that the name exists on the server.
**
** Reads (read-your-writes): a scan sends its own filtered SHOW PITR; mopitr_view_filter
** drops the server rows whose names the queue changed, and mopitr_view_rows gives the
** current rows of those names that satisfy every term of the scan (mopitr_plan_match:
** SQLite does not re-check the terms it was told are exact). A server row that a queued
** CREATE collides with (its name, or its object under a name the queue leaves alone) fails
** the read: that CREATE cannot commit.
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
    int bKnown;      /* the server was asked about this name (bOld: it had it) */
    int bOwnAccount; /* cur was queued in the own-account form */
    int bTouched;    /* a queued change names it */
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
    int nTouched;           /* items a queued change names */
    int bCreates;           /* a CREATE was applied: reads check objects (view_filter) */
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

/* Add the server's row *pRow (taken over) as an untouched item. A name the view knows
** keeps what it has (the first row read, or the queue's), except a name only known to be
** missing (an untouched item without a row): read now, it takes the row. */
static int view_add_old(mopitr_view *v, mopitr_row *pRow)
{
    char *zKey = view_key(pRow->az[MOPITR_COL_NAME]);
    int i, rc;
    if (zKey == NULL) {
        mopitr_row_clear(pRow);
        return SQLITE_NOMEM;
    }
    i = view_find_key(v, zKey);
    if (i >= 0) {
        sqlite3_free(zKey);
        if (v->aItem[i].bOld || v->aItem[i].bTouched) {
            mopitr_row_clear(pRow);
            return SQLITE_OK;
        }
    } else {
        rc = view_item_add(v, zKey, &i);
        if (rc != SQLITE_OK) {
            mopitr_row_clear(pRow);
            return rc;
        }
    }
    v->aItem[i].old = *pRow;
    memset(pRow, 0, sizeof(*pRow));
    v->aItem[i].bOld = v->aItem[i].bKnown = 1;
    rc = mopitr_row_copy(&v->aItem[i].cur, &v->aItem[i].old);
    v->aItem[i].bCur = rc == SQLITE_OK;
    if (rc == SQLITE_OK)
        rc = view_obj_add(v, i);
    return rc;
}

/* Remember that the server was asked about zName (a probe): an item for it, known. */
static int view_mark_known(mopitr_view *v, const char *zName)
{
    char *zKey = view_key(zName);
    int i;
    if (zKey == NULL)
        return SQLITE_NOMEM;
    i = view_find_key(v, zKey);
    if (i >= 0) {
        sqlite3_free(zKey);
        v->aItem[i].bKnown = 1;
        return SQLITE_OK;
    }
    if (view_item_add(v, zKey, &i) != SQLITE_OK)
        return SQLITE_NOMEM;
    v->aItem[i].bKnown = 1;
    return SQLITE_OK;
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

int mopitr_view_touched(const mopitr_view *v)
{
    return v->nTouched;
}

/* See the header. */
int mopitr_view_reset(mopitr_view *v)
{
    int i, n = 0, rc = SQLITE_OK;
    for (i = 0; i < v->nItem; i++) {
        view_item *p = &v->aItem[i];
        if (!p->bKnown) {
            view_item_clear(p);
            continue;
        }
        mopitr_row_clear(&p->cur);
        p->bTouched = p->bOwnAccount = 0;
        p->bCur = 0;
        if (rc == SQLITE_OK && p->bOld) {
            rc = mopitr_row_copy(&p->cur, &p->old);
            p->bCur = rc == SQLITE_OK;
        }
        v->aItem[n++] = *p;
    }
    v->nItem = n;
    v->nTouched = 0;
    v->bCreates = 0;
    if (rc == SQLITE_OK)
        rc = view_rehash(v);
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
    const char *zName = pNew->az[MOPITR_COL_NAME];
    mopitr_row *aRow = NULL;
    int i, nRow = 0, bHas = 0, rc = mopitr_pitr_probe(v->pConn, pNew, &aRow, &nRow, pzErr);
    for (i = 0; rc == SQLITE_OK && i < nRow; i++) {
        bHas |= zName && sqlite3_stricmp(aRow[i].az[MOPITR_COL_NAME], zName) == 0;
        rc = view_add_old(v, &aRow[i]);
    }
    for (i = 0; i < nRow; i++)
        mopitr_row_clear(&aRow[i]);
    sqlite3_free(aRow);
    /* The server has no such name: known to be free. (When it has it, view_add_old took
    ** the row in, unless the queue creates that name: then the queue's CREATE stays blind,
    ** a collision for COMMIT or a read to find.) */
    if (rc == SQLITE_OK && zName && !bHas)
        rc = view_mark_known(v, zName);
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
        if (eMode == SQLITE_IGNORE) {
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
    if (i >= 0 && eMode == SQLITE_IGNORE) {
        *peOut = MOPITR_DECIDE_SKIP;
    } else if (i >= 0) {
        zWhat = mopitr_row_describe_object(&pCh->row);
        *pzErr = zWhat ? mopitr_errf("%s already has pitr '%s', so pitr '%s' cannot be "
                                     "created",
                                     zWhat, v->aItem[i].cur.az[MOPITR_COL_NAME],
                                     mopitr_err_clip(aClip, zName, -1))
                       : NULL;
        rc = *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
    }
out:
    sqlite3_free(zKey);
    sqlite3_free(zWhat);
    return rc;
}

/* See the header. */
int mopitr_view_apply(mopitr_view *v, const mopitr_change *pCh, int iOp)
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
        v->bCreates = 1;
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
        /* A name the batch has not read: take in the server's row of it, as read now. */
        memset(&row, 0, sizeof(row));
        rc = mopitr_pitr_lookup(v->pConn, zName, &row, &bServer, pzErr);
        if (rc == SQLITE_OK && bServer)
            rc = view_add_old(v, &row);
        else if (rc == SQLITE_OK)
            rc = view_mark_known(v, zName);
        if (rc == SQLITE_OK)
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

/* Does the queue change item p (a net change: it existed or exists now)? */
static int view_item_changed(const view_item *p)
{
    return p->bTouched && (p->bOld || p->bCur);
}

/* Item p's current row as a read shows it, into *pOut (cleared first): a new PITR with
** the server's times NULL (it has none yet), an altered one as the server's row with the
** queued range. */
static int view_item_show(const view_item *p, const char *zOwn, mopitr_row *pOut)
{
    int rc;
    mopitr_row_clear(pOut);
    if (view_item_is_new(p, zOwn)) {
        rc = mopitr_row_copy(pOut, &p->cur);
        if (rc == SQLITE_OK)
            rc = mopitr_row_set(pOut, MOPITR_COL_CREATED, NULL);
        if (rc == SQLITE_OK)
            rc = mopitr_row_set(pOut, MOPITR_COL_MODIFIED, NULL);
    } else {
        rc = mopitr_row_copy(pOut, &p->old);
        if (rc == SQLITE_OK)
            rc = mopitr_row_set(pOut, MOPITR_COL_RANGE_UNIT, p->cur.az[MOPITR_COL_RANGE_UNIT]);
        pOut->range_value = p->cur.range_value;
    }
    if (rc != SQLITE_OK)
        mopitr_row_clear(pOut);
    return rc;
}

/* See the header. New PITRs first (the server lists the newest first), then the altered
** ones, each in the order the batch met them. */
int mopitr_view_rows(const mopitr_view *v, const mopitr_arg *aArg, int nArg, mopitr_row **paRow,
                     int *pnRow)
{
    const char *zOwn = mopitr_conn_account(v->pConn);
    mopitr_row *aRow = NULL;
    int i, iPass, n = 0, rc = SQLITE_OK;

    *paRow = NULL;
    *pnRow = 0;
    for (iPass = 0; rc == SQLITE_OK && iPass < 2; iPass++) {
        for (i = 0; rc == SQLITE_OK && i < v->nItem; i++) {
            const view_item *p = &v->aItem[i];
            if (!p->bTouched || !p->bCur || view_item_is_new(p, zOwn) != (iPass == 0))
                continue;
            if (aRow == NULL) {
                aRow = sqlite3_malloc64(sizeof(mopitr_row) * (size_t)v->nTouched);
                if (aRow == NULL) {
                    rc = SQLITE_NOMEM;
                    break;
                }
            }
            memset(&aRow[n], 0, sizeof(aRow[n]));
            rc = view_item_show(p, zOwn, &aRow[n]);
            if (rc == SQLITE_OK && mopitr_plan_match(&aRow[n], aArg, nArg))
                n++;
            else
                mopitr_row_clear(&aRow[n]);
        }
    }
    if (rc != SQLITE_OK) {
        for (i = 0; i < n; i++)
            mopitr_row_clear(&aRow[i]);
        sqlite3_free(aRow);
        return rc;
    }
    *paRow = aRow;
    *pnRow = n;
    return SQLITE_OK;
}

/* The item of server name z (MatrixOne stores names folded; folded again to be sure),
** or -1. SQLITE_NOMEM in *pRc. */
static int view_find_server_name(const mopitr_view *v, const char *z, int *pRc)
{
    char aBuf[128], *zKey = aBuf;
    size_t n = z ? strlen(z) : 0;
    int i;
    *pRc = SQLITE_OK;
    if (n >= sizeof(aBuf) && (zKey = sqlite3_malloc64(n + 1)) == NULL) {
        *pRc = SQLITE_NOMEM;
        return -1;
    }
    if (n > 0)
        memcpy(zKey, z, n);
    zKey[n] = 0;
    mopitr_fold(zKey);
    i = view_find_key(v, zKey);
    if (zKey != aBuf)
        sqlite3_free(zKey);
    return i;
}

/* See the header. */
int mopitr_view_filter(const mopitr_view *v, const mopitr_row *r, int *pbShow, char **pzErr)
{
    const char *zOwn = mopitr_conn_account(v->pConn);
    const char *zName = r->az[MOPITR_COL_NAME];
    char aClip[MOPITR_CLIP_SIZE];
    char *zWhat;
    unsigned h, it;
    int i, rc;

    *pbShow = 1;
    if (v->nTouched == 0)
        return SQLITE_OK;
    i = view_find_server_name(v, zName, &rc);
    if (rc != SQLITE_OK)
        return rc;
    if (i >= 0 && view_item_changed(&v->aItem[i])) {
        const view_item *p = &v->aItem[i];
        if (!p->bOld) {
            /* The queue creates a name the server has. */
            *pzErr = mopitr_errf("pitr '%s' already exists", mopitr_err_clip(aClip, zName, -1));
            return *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
        }
        *pbShow = 0; /* mopitr_view_rows gives its current row, if it has one */
        return SQLITE_OK;
    }
    if (!v->bCreates)
        return SQLITE_OK;
    /* A server PITR the queue leaves alone: does a queued CREATE take its object? */
    h = mopitr_hash_object(r, zOwn);
    it = mopitr_rowindex_begin(&v->objIdx, h);
    while ((i = mopitr_rowindex_next(&v->objIdx, h, &it)) >= 0) {
        const view_item *q = &v->aItem[i];
        if (!q->bTouched || !view_item_is_new(q, zOwn) || !mopitr_row_same_object(&q->cur, r, zOwn))
            continue;
        zWhat = mopitr_row_describe_object(&q->cur);
        *pzErr =
            zWhat ? mopitr_errf("%s already has pitr '%s', so pitr '%s' cannot be created", zWhat,
                                mopitr_err_clip(aClip, zName, -1), q->cur.az[MOPITR_COL_NAME])
                  : NULL;
        sqlite3_free(zWhat);
        return *pzErr ? SQLITE_CONSTRAINT : SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* See the header. */
int mopitr_view_changes(const mopitr_view *v, const char *zName, int *pRc)
{
    int i = view_find_name(v, zName, pRc);
    return i >= 0 && view_item_changed(&v->aItem[i]) && v->aItem[i].bKnown;
}

/* See the header. */
int mopitr_view_net(const mopitr_view *v, int iConn, mopitr_txn_net *a)
{
    int i, n = 0;
    for (i = 0; i < v->nItem; i++) {
        const view_item *p = &v->aItem[i];
        if (!view_item_changed(p))
            continue;
        a[n].pConn = v->pConn;
        a[n].zConn = v->zName;
        a[n].pOld = p->bOld ? &p->old : NULL;
        a[n].pNew = p->bCur ? &p->cur : NULL;
        a[n].bOwnAccount = p->bOwnAccount;
        a[n].bBlind = !p->bKnown;
        a[n].iOrder = p->iFirstOp;
        a[n].iConn = iConn;
        n++;
    }
    return n;
}
