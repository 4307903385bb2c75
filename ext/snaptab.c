/*
** snaptab.c: read-only eponymous tables whose every scan is a snapshot (live).
**
** mo_connections, mo_pitr_last_commit, mo_pitr_plan and mo_pitr_journal are all the
** same kind of table: a few columns, a few hundred rows at most, made from the
** extension's own memory and never from the server. Each registers a fill function;
** every scan calls it once (in xFilter) and serves the copied cells, so a scan is
** stable whatever happens meanwhile (a write, mo_disconnect(), a COMMIT).
**
** Usage:
**     static int my_fill(void *pAux, mopitr_snap *s) {
**         mopitr_snap_int(s, 1); mopitr_snap_text(s, "a");      -- one row, two columns
**         return SQLITE_OK;
**     }
**     mopitr_snap_register(db, "my_table", "CREATE TABLE x(n INTEGER, t TEXT)", 2,
**                          my_fill, pAux, xDestroy);
**
** How it works: the registration (module name, schema, column count, fill function,
** pAux and its destructor) is the module's client data; SQLite calls the destructor
** when the module goes (with the database connection, or at once when registering
** fails), which frees it and calls xDestroy(pAux). Cells are appended row by row; an
** allocation failure while filling makes the scan fail with SQLITE_NOMEM. rowid is
** the row's position (1, 2, ...). No constraint is used: every scan is a full one.
*/
#include <string.h>

#include "mo_pitr_int.h"

/* One copied value. */
typedef struct snap_cell {
    int eType; /* SQLITE_INTEGER, SQLITE_FLOAT, SQLITE_TEXT, SQLITE_NULL */
    sqlite3_int64 i;
    double r;
    char *z;
} snap_cell;

struct mopitr_snap {
    snap_cell *aCell;
    int nCell, nAlloc;
    int rc; /* SQLITE_NOMEM once an append failed */
};

/* One registered table. */
typedef struct snap_table {
    char *zSchema;
    int nCol;
    mopitr_snap_fill xFill;
    void *pAux;
    void (*xDestroy)(void *);
} snap_table;

typedef struct snap_vtab {
    sqlite3_vtab base;
    const snap_table *pTab; /* the module's: outlives the vtab */
} snap_vtab;

typedef struct snap_cursor {
    sqlite3_vtab_cursor base;
    mopitr_snap snap;
    int nCol, iRow, nRow;
} snap_cursor;

/* Room for one more cell; NULL (and s->rc) on OOM. */
static snap_cell *snap_push(mopitr_snap *s)
{
    snap_cell *c;
    if (s->rc != SQLITE_OK)
        return NULL;
    if (s->nCell == s->nAlloc) {
        int nNew = s->nAlloc ? s->nAlloc * 2 : 64;
        snap_cell *aNew = sqlite3_realloc64(s->aCell, sizeof(snap_cell) * (size_t)nNew);
        if (aNew == NULL) {
            s->rc = SQLITE_NOMEM;
            return NULL;
        }
        s->aCell = aNew;
        s->nAlloc = nNew;
    }
    c = &s->aCell[s->nCell++];
    memset(c, 0, sizeof(*c));
    c->eType = SQLITE_NULL;
    return c;
}

/* See the header. */
void mopitr_snap_text(mopitr_snap *s, const char *z)
{
    snap_cell *c = snap_push(s);
    if (c == NULL || z == NULL)
        return;
    c->z = sqlite3_mprintf("%s", z);
    if (c->z == NULL)
        s->rc = SQLITE_NOMEM;
    else
        c->eType = SQLITE_TEXT;
}

/* See the header. */
void mopitr_snap_int(mopitr_snap *s, sqlite3_int64 i)
{
    snap_cell *c = snap_push(s);
    if (c) {
        c->eType = SQLITE_INTEGER;
        c->i = i;
    }
}

/* See the header. */
void mopitr_snap_real(mopitr_snap *s, double r)
{
    snap_cell *c = snap_push(s);
    if (c) {
        c->eType = SQLITE_FLOAT;
        c->r = r;
    }
}

/* See the header. */
void mopitr_snap_null(mopitr_snap *s)
{
    snap_push(s);
}

/* Free the cells of s and empty it. */
static void snap_clear(mopitr_snap *s)
{
    int i;
    for (i = 0; i < s->nCell; i++)
        sqlite3_free(s->aCell[i].z);
    sqlite3_free(s->aCell);
    memset(s, 0, sizeof(*s));
}

/* xConnect (eponymous only). */
static int snap_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                        sqlite3_vtab **ppVtab, char **pzErr)
{
    const snap_table *pTab = pAux;
    snap_vtab *v;
    int rc = sqlite3_declare_vtab(db, pTab->zSchema);
    if (rc != SQLITE_OK)
        return rc;
    v = sqlite3_malloc64(sizeof(*v));
    if (v == NULL)
        return SQLITE_NOMEM;
    memset(v, 0, sizeof(*v));
    v->pTab = pTab;
    *ppVtab = &v->base;
    return SQLITE_OK;
}

/* xDisconnect. */
static int snap_disconnect(sqlite3_vtab *pVtab)
{
    sqlite3_free(pVtab);
    return SQLITE_OK;
}

/* xBestIndex: always a full scan of a few rows. */
static int snap_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    pInfo->estimatedCost = 100;
    pInfo->estimatedRows = 100;
    return SQLITE_OK;
}

/* xOpen. */
static int snap_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    snap_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    c->nCol = ((snap_vtab *)pVtab)->pTab->nCol;
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* xClose. */
static int snap_close(sqlite3_vtab_cursor *pCur)
{
    snap_clear(&((snap_cursor *)pCur)->snap);
    sqlite3_free(pCur);
    return SQLITE_OK;
}

/* xFilter: take a new snapshot. */
static int snap_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                       sqlite3_value **argv)
{
    snap_cursor *c = (snap_cursor *)pCur;
    const snap_table *pTab = ((snap_vtab *)pCur->pVtab)->pTab;
    int rc;
    snap_clear(&c->snap);
    c->iRow = c->nRow = 0;
    rc = pTab->xFill(pTab->pAux, &c->snap);
    if (rc == SQLITE_OK)
        rc = c->snap.rc;
    if (rc != SQLITE_OK) {
        snap_clear(&c->snap);
        return rc;
    }
    c->nRow = c->snap.nCell / c->nCol;
    return SQLITE_OK;
}

/* xNext. */
static int snap_next(sqlite3_vtab_cursor *pCur)
{
    ((snap_cursor *)pCur)->iRow++;
    return SQLITE_OK;
}

/* xEof. */
static int snap_eof(sqlite3_vtab_cursor *pCur)
{
    snap_cursor *c = (snap_cursor *)pCur;
    return c->iRow >= c->nRow;
}

/* xColumn. */
static int snap_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    snap_cursor *c = (snap_cursor *)pCur;
    const snap_cell *p;
    if (iCol < 0 || iCol >= c->nCol)
        return SQLITE_OK;
    p = &c->snap.aCell[c->iRow * c->nCol + iCol];
    switch (p->eType) {
    case SQLITE_INTEGER:
        sqlite3_result_int64(ctx, p->i);
        break;
    case SQLITE_FLOAT:
        sqlite3_result_double(ctx, p->r);
        break;
    case SQLITE_TEXT:
        sqlite3_result_text(ctx, p->z, -1, SQLITE_TRANSIENT);
        break;
    default:
        break; /* NULL */
    }
    return SQLITE_OK;
}

/* xRowid: the position in the snapshot. */
static int snap_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((snap_cursor *)pCur)->iRow + 1;
    return SQLITE_OK;
}

static sqlite3_module snap_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = snap_connect,
    .xBestIndex = snap_best_index,
    .xDisconnect = snap_disconnect,
    .xDestroy = snap_disconnect,
    .xOpen = snap_open,
    .xClose = snap_close,
    .xFilter = snap_filter,
    .xNext = snap_next,
    .xEof = snap_eof,
    .xColumn = snap_column,
    .xRowid = snap_rowid,
};

/* The module's destructor: the registration, then its pAux. */
static void snap_table_free(void *pArg)
{
    snap_table *pTab = pArg;
    if (pTab == NULL)
        return;
    if (pTab->xDestroy)
        pTab->xDestroy(pTab->pAux);
    sqlite3_free(pTab->zSchema);
    sqlite3_free(pTab);
}

/* See the header. */
int mopitr_snap_register(sqlite3 *db, const char *zModule, const char *zSchema, int nCol,
                         mopitr_snap_fill xFill, void *pAux, void (*xDestroy)(void *))
{
    snap_table *pTab = sqlite3_malloc64(sizeof(*pTab));
    if (pTab == NULL) {
        if (xDestroy)
            xDestroy(pAux);
        return SQLITE_NOMEM;
    }
    memset(pTab, 0, sizeof(*pTab));
    pTab->nCol = nCol;
    pTab->xFill = xFill;
    pTab->pAux = pAux;
    pTab->xDestroy = xDestroy;
    pTab->zSchema = sqlite3_mprintf("%s", zSchema);
    if (pTab->zSchema == NULL) {
        snap_table_free(pTab);
        return SQLITE_NOMEM;
    }
    /* On failure SQLite calls snap_table_free itself. */
    return sqlite3_create_module_v2(db, zModule, &snap_module, pTab, snap_table_free);
}
