/*
** cluster.c: the named clusters of the option file from SQL (issue 16): mo_connect_all()
** and the mo_clusters table. The file and its groups: cluster_cfg.c.
**
** Usage:
**     SELECT mo_connect_all();        -- 'connected 3 clusters: dr, prod, test'
**     SELECT mo_connect_all(1);       -- the same, but any failure fails the statement
**     SELECT name, state, error FROM mo_clusters;
**     SELECT mo_connect('prod');      -- one cluster (registry.c), named 'prod'
**
** Functions:
**   mo_connect_all([strict])  Connects every cluster of the option file ([mo_pitr-NAME]
**                             groups, in file order) that has no connection of its name
**                             yet, each as the connection NAME. One cluster failing does
**                             not stop the others. Returns a summary: "connected N
**                             clusters: a, b" (or "N of M"), then "; already connected:
**                             c" and "; failed: d (reason); e (reason)" as they apply.
**                             strict = 1 (or true): a failure fails the statement
**                             ("mo_pitr: mo_connect_all: 1 of 3 clusters failed: d
**                             (reason)"); the clusters that connected stay connected. A
**                             file that cannot be used (missing, refused permissions, no
**                             cluster) is always an error. SQLITE_DIRECTONLY, as mo_connect.
**
** Table mo_clusters (eponymous, read-only), one row per cluster of the option file:
**     name, host, port, user, account, state, error
**   host, port, user, account: what the group gives (the DSN defaults where it is silent);
**   never a password. state: 'configured' (no connection of that name), 'connected' or
**   'disconnected' (the connection NAME exists; disconnected: lost, reconnects on next
**   use), 'failed' (the last mo_connect(NAME) / mo_connect_all() attempt failed: error
**   says why), 'invalid' (the group has a bad value: error says which).
**
** How it works: the failures are remembered per database connection in the registry's
** notes (mopitr_registry_notes; a success forgets them), so mo_clusters can show them.
** The file is read again by every call: edits apply at the next connect.
*/
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* ---- the notes: the last failure of each cluster -------------------------------- */

struct mopitr_cluster_notes {
    char *zName;
    char *zErr; /* without the "mo_pitr: " prefix */
    struct mopitr_cluster_notes *pNext;
};

/* See the header. */
void mopitr_cluster_notes_free(mopitr_cluster_notes *p)
{
    while (p) {
        mopitr_cluster_notes *pNext = p->pNext;
        sqlite3_free(p->zName);
        sqlite3_free(p->zErr);
        sqlite3_free(p);
        p = pNext;
    }
}

/* See the header: remember zErr (NULL: forget) as the last outcome of cluster zName. */
void mopitr_cluster_note(mopitr_cluster_notes **pp, const char *zName, const char *zErr)
{
    mopitr_cluster_notes *p = *pp, *pPrev = NULL;
    while (p && sqlite3_stricmp(p->zName, zName) != 0) {
        pPrev = p;
        p = p->pNext;
    }
    if (zErr == NULL) {
        if (p) {
            if (pPrev)
                pPrev->pNext = p->pNext;
            else
                *pp = p->pNext;
            p->pNext = NULL;
            mopitr_cluster_notes_free(p);
        }
        return;
    }
    if (p == NULL) {
        p = sqlite3_malloc64(sizeof(*p));
        if (p == NULL)
            return; /* out of memory: the note is lost, nothing else */
        memset(p, 0, sizeof(*p));
        p->zName = sqlite3_mprintf("%s", zName);
        if (p->zName == NULL) {
            sqlite3_free(p);
            return;
        }
        p->pNext = *pp;
        *pp = p;
    }
    sqlite3_free(p->zErr);
    p->zErr = sqlite3_mprintf("%s", mopitr_err_body(zErr));
}

/* The last failure of cluster zName, or NULL. */
static const char *cluster_note_get(const mopitr_cluster_notes *p, const char *zName)
{
    for (; p; p = p->pNext) {
        if (sqlite3_stricmp(p->zName, zName) == 0)
            return p->zErr;
    }
    return NULL;
}

/* ---- mo_connect_all ------------------------------------------------------------- */

/* Connect cluster zName of zFile as the connection zName of p. SQLITE_OK or an error with
** *pzErr; the outcome is noted for mo_clusters. */
static int cluster_connect_one(mopitr_registry *p, const char *zFile, const char *zName,
                               char **pzErr)
{
    mopitr_dsn dsn;
    mopitr_conn *pConn = NULL;
    int bKnown = 0;
    int rc = mopitr_cluster_dsn(zFile, zName, &dsn, &bKnown, pzErr);
    if (rc == SQLITE_OK)
        rc = mopitr_registry_open(p, zName, &dsn, &pConn, pzErr); /* takes over dsn */
    else
        mopitr_dsn_clear(&dsn);
    if (rc == SQLITE_OK)
        rc = mopitr_registry_put(p, zName, pConn); /* takes over pConn */
    if (bKnown)
        mopitr_cluster_note(mopitr_registry_notes(p), zName,
                            rc == SQLITE_OK ? NULL : (*pzErr ? *pzErr : "out of memory"));
    return rc;
}

/* SQL function mo_connect_all([strict]). */
static void cluster_connect_all_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    mopitr_registry *p = sqlite3_user_data(ctx);
    sqlite3_str *pOk = sqlite3_str_new(NULL), *pOld = sqlite3_str_new(NULL);
    sqlite3_str *pBad = sqlite3_str_new(NULL);
    char *zFile = NULL, *zErr = NULL, **azName = NULL;
    char *zOk = NULL, *zOld = NULL, *zBad = NULL;
    int nName = 0, nOk = 0, nOld = 0, nBad = 0, i, rc;
    int bStrict = argc > 0 && sqlite3_value_int(argv[0]) != 0;

    zFile = mopitr_cluster_file(&zErr);
    rc = zFile ? mopitr_cluster_list(zFile, &azName, &nName, &zErr)
               : (zErr ? SQLITE_ERROR : SQLITE_NOMEM);
    if (rc == SQLITE_OK && nName == 0) {
        zErr = mopitr_errf("option file '%s' has no cluster: add a group [mo_pitr-NAME]", zFile);
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    for (i = 0; rc == SQLITE_OK && i < nName; i++) {
        char *zOne = NULL;
        int rcOne;
        if (mopitr_registry_get(p, azName[i])) {
            sqlite3_str_appendf(pOld, "%s%s", nOld++ ? ", " : "", azName[i]);
            continue;
        }
        rcOne = cluster_connect_one(p, zFile, azName[i], &zOne);
        if (rcOne == SQLITE_NOMEM) {
            rc = SQLITE_NOMEM;
        } else if (rcOne == SQLITE_OK) {
            sqlite3_str_appendf(pOk, "%s%s", nOk++ ? ", " : "", azName[i]);
        } else {
            sqlite3_str_appendf(pBad, "%s%s (%s)", nBad++ ? "; " : "", azName[i],
                                zOne ? mopitr_err_body(zOne) : "out of memory");
        }
        sqlite3_free(zOne);
    }
    zOk = sqlite3_str_finish(pOk);
    zOld = sqlite3_str_finish(pOld);
    zBad = sqlite3_str_finish(pBad);
    if (rc == SQLITE_OK && ((nOk && !zOk) || (nOld && !zOld) || (nBad && !zBad)))
        rc = SQLITE_NOMEM;
    if (rc == SQLITE_OK && bStrict && nBad) {
        zErr = mopitr_errf("mo_connect_all: %d of %d cluster%s failed: %s", nBad, nName,
                           nName == 1 ? "" : "s", zBad);
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (rc == SQLITE_OK) {
        char *zAnswer;
        if (nBad || nOld)
            zAnswer = sqlite3_mprintf("connected %d of %d clusters%s%s%s%s%s%s", nOk, nName,
                                      nOk ? ": " : "", nOk ? zOk : "",
                                      nOld ? "; already connected: " : "", nOld ? zOld : "",
                                      nBad ? "; failed: " : "", nBad ? zBad : "");
        else
            zAnswer = sqlite3_mprintf("connected %d cluster%s: %s", nOk, nOk == 1 ? "" : "s", zOk);
        if (zAnswer)
            sqlite3_result_text(ctx, zAnswer, -1, sqlite3_free);
        else
            rc = SQLITE_NOMEM;
    }
    if (rc == SQLITE_NOMEM)
        sqlite3_result_error_nomem(ctx);
    else if (rc != SQLITE_OK)
        sqlite3_result_error(ctx, zErr, -1);
    sqlite3_free(zErr);
    sqlite3_free(zOk);
    sqlite3_free(zOld);
    sqlite3_free(zBad);
    sqlite3_free(zFile);
    mopitr_cluster_list_free(azName, nName);
}

/* ---- the mo_clusters table ------------------------------------------------------ */

enum { CL_NAME = 0, CL_HOST, CL_PORT, CL_USER, CL_ACCOUNT, CL_STATE, CL_ERROR, CL_NCOL };

typedef struct cl_cursor {
    sqlite3_vtab_cursor base;
    char **az; /* nRow * CL_NCOL texts (PORT as decimal text), NULL for SQL NULL */
    int nRow, iRow;
} cl_cursor;

/* xConnect (eponymous only). */
static int cl_connect(sqlite3 *db, void *pAux, int argc, const char *const *argv,
                      sqlite3_vtab **ppVtab, char **pzErr)
{
    return mopitr_reg_vtab_connect(db, pAux,
                                   "CREATE TABLE x(name TEXT, host TEXT, port INTEGER, user TEXT, "
                                   "account TEXT, state TEXT, error TEXT)",
                                   sizeof(mopitr_reg_vtab), ppVtab);
}

/* xBestIndex: a full scan of the (small) file. */
static int cl_best_index(sqlite3_vtab *pVtab, sqlite3_index_info *pInfo)
{
    pInfo->estimatedCost = 100;
    pInfo->estimatedRows = 10;
    return SQLITE_OK;
}

/* Free the cursor's snapshot. */
static void cl_clear(cl_cursor *c)
{
    int i;
    for (i = 0; i < c->nRow * CL_NCOL; i++)
        sqlite3_free(c->az[i]);
    sqlite3_free(c->az);
    c->az = NULL;
    c->nRow = c->iRow = 0;
}

/* xOpen. */
static int cl_open(sqlite3_vtab *pVtab, sqlite3_vtab_cursor **ppCursor)
{
    cl_cursor *c = sqlite3_malloc64(sizeof(*c));
    if (c == NULL)
        return SQLITE_NOMEM;
    memset(c, 0, sizeof(*c));
    *ppCursor = &c->base;
    return SQLITE_OK;
}

/* xClose. */
static int cl_close(sqlite3_vtab_cursor *pCur)
{
    cl_clear((cl_cursor *)pCur);
    sqlite3_free(pCur);
    return SQLITE_OK;
}

/* Fill row az[0..CL_NCOL) for cluster zName of zFile. SQLITE_OK or SQLITE_NOMEM. */
static int cl_fill(mopitr_registry *p, const char *zFile, const char *zName, char **az)
{
    mopitr_dsn dsn;
    mopitr_conn *pConn = mopitr_registry_get(p, zName);
    const char *zNote = cluster_note_get(*mopitr_registry_notes(p), zName);
    char *zErr = NULL;
    int bKnown = 0, rc = mopitr_cluster_dsn(zFile, zName, &dsn, &bKnown, &zErr);

    if (rc == SQLITE_NOMEM)
        return rc;
    az[CL_NAME] = sqlite3_mprintf("%s", zName);
    if (rc == SQLITE_OK) {
        az[CL_HOST] = sqlite3_mprintf("%s", dsn.host);
        az[CL_PORT] = sqlite3_mprintf("%u", dsn.port);
        az[CL_USER] = sqlite3_mprintf("%s", dsn.user);
        az[CL_ACCOUNT] = mopitr_dsn_account(&dsn);
    }
    mopitr_dsn_clear(&dsn);
    if (rc != SQLITE_OK) {
        az[CL_STATE] = sqlite3_mprintf("invalid");
        az[CL_ERROR] = sqlite3_mprintf("%s", zErr ? mopitr_err_body(zErr) : "?");
    } else if (pConn) {
        az[CL_STATE] = sqlite3_mprintf("%s", mopitr_conn_state(pConn));
    } else if (zNote) {
        az[CL_STATE] = sqlite3_mprintf("failed");
        az[CL_ERROR] = sqlite3_mprintf("%s", zNote);
    } else {
        az[CL_STATE] = sqlite3_mprintf("configured");
    }
    sqlite3_free(zErr);
    if (az[CL_NAME] == NULL || az[CL_STATE] == NULL)
        return SQLITE_NOMEM;
    if (rc != SQLITE_OK)
        return az[CL_ERROR] ? SQLITE_OK : SQLITE_NOMEM;
    return az[CL_HOST] && az[CL_PORT] && az[CL_USER] && az[CL_ACCOUNT] ? SQLITE_OK : SQLITE_NOMEM;
}

/* xFilter: read the file and snapshot every cluster. */
static int cl_filter(sqlite3_vtab_cursor *pCur, int idxNum, const char *idxStr, int argc,
                     sqlite3_value **argv)
{
    cl_cursor *c = (cl_cursor *)pCur;
    mopitr_registry *p = ((mopitr_reg_vtab *)pCur->pVtab)->pReg;
    char *zFile = NULL, *zErr = NULL, **azName = NULL;
    int nName = 0, i, rc;

    cl_clear(c);
    zFile = mopitr_cluster_file(&zErr);
    rc = zFile ? mopitr_cluster_list(zFile, &azName, &nName, &zErr)
               : (zErr ? SQLITE_ERROR : SQLITE_NOMEM);
    if (rc == SQLITE_OK && nName > 0) {
        c->az = sqlite3_malloc64(sizeof(char *) * CL_NCOL * (size_t)nName);
        if (c->az == NULL)
            rc = SQLITE_NOMEM;
        else
            memset(c->az, 0, sizeof(char *) * CL_NCOL * (size_t)nName);
    }
    for (i = 0; rc == SQLITE_OK && i < nName; i++) {
        c->nRow++;
        rc = cl_fill(p, zFile, azName[i], &c->az[i * CL_NCOL]);
    }
    sqlite3_free(zFile);
    mopitr_cluster_list_free(azName, nName);
    return mopitr_vt_set_err(pCur->pVtab, rc, zErr);
}

/* xNext. */
static int cl_next(sqlite3_vtab_cursor *pCur)
{
    ((cl_cursor *)pCur)->iRow++;
    return SQLITE_OK;
}

/* xEof. */
static int cl_eof(sqlite3_vtab_cursor *pCur)
{
    cl_cursor *c = (cl_cursor *)pCur;
    return c->iRow >= c->nRow;
}

/* xColumn: port as an integer, the rest as text. */
static int cl_column(sqlite3_vtab_cursor *pCur, sqlite3_context *ctx, int iCol)
{
    cl_cursor *c = (cl_cursor *)pCur;
    const char *z = c->az[c->iRow * CL_NCOL + iCol];
    if (z == NULL)
        sqlite3_result_null(ctx);
    else if (iCol == CL_PORT)
        sqlite3_result_int64(ctx, (sqlite3_int64)strtoll(z, NULL, 10));
    else
        sqlite3_result_text(ctx, z, -1, SQLITE_TRANSIENT);
    return SQLITE_OK;
}

/* xRowid: the position in the file. */
static int cl_rowid(sqlite3_vtab_cursor *pCur, sqlite3_int64 *pRowid)
{
    *pRowid = ((cl_cursor *)pCur)->iRow + 1;
    return SQLITE_OK;
}

static sqlite3_module cl_module = {
    .iVersion = 0,
    .xCreate = NULL, /* eponymous only */
    .xConnect = cl_connect,
    .xBestIndex = cl_best_index,
    .xDisconnect = mopitr_reg_vtab_disconnect,
    .xDestroy = mopitr_reg_vtab_disconnect,
    .xOpen = cl_open,
    .xClose = cl_close,
    .xFilter = cl_filter,
    .xNext = cl_next,
    .xEof = cl_eof,
    .xColumn = cl_column,
    .xRowid = cl_rowid,
};

/* Register mo_connect_all() and mo_clusters on db; each holds a reference to p. */
int mopitr_cluster_register(sqlite3 *db, mopitr_registry *p)
{
    static const int anArg[] = {0, 1};
    int rc = SQLITE_OK;
    size_t i;
    for (i = 0; rc == SQLITE_OK && i < sizeof(anArg) / sizeof(anArg[0]); i++) {
        mopitr_registry_ref(p); /* dropped by the destructor, also on failure */
        rc = sqlite3_create_function_v2(
            db, "mo_connect_all", anArg[i], SQLITE_UTF8 | SQLITE_DIRECTONLY, p,
            cluster_connect_all_func, NULL, NULL, mopitr_registry_unref);
    }
    if (rc == SQLITE_OK) {
        mopitr_registry_ref(p);
        rc = sqlite3_create_module_v2(db, "mo_clusters", &cl_module, p, mopitr_registry_unref);
    }
    return rc;
}
