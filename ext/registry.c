/*
** registry.c: the named MatrixOne connections of one SQLite database connection.
**
** Usage:
**     SELECT mo_connect();                                -- DSN from env MO_DSN, name 'default'
**     SELECT mo_connect('mysql://root@127.0.0.1:6001');   -- name 'default'
**     SELECT mo_connect('host=10.0.0.2 user=dr', 'dr');   -- name 'dr'
**     SELECT * FROM mo_connections;
**     SELECT mo_disconnect('dr');                         -- 1 if 'dr' existed, else 0
**
** Functions:
**   mo_connect([dsn [, name]])  Connects at once (an empty or blank DSN is an error, not
**                               "every default"). The name defaults to 'default'; names
**                               are 1 to 64 letters, digits, '_', '-', '.' and match
**                               case-insensitively. A connection of the same name is
**                               replaced only after the new one connected (a failed
**                               mo_connect leaves the old one in place). Returns
**                               "connected NAME: user@host:port account ACC, server VER".
**   mo_disconnect([name])       Closes the named connection ('default' when omitted or
**                               NULL). Returns 1 if one was closed, 0 if none had that
**                               name (not an error, so cleanup scripts can run twice).
**   mo_pitr_allow_delete_all(table [, on])
**                               Lets DELETE without WHERE through on the mo_pitr table
**                               named table ('mo_pitr' for the eponymous one) for the
**                               rest of this SQLite connection (on = 1, the default), or
**                               refuses it again (on = 0); returns on. The guard itself
**                               is vtab_write.c's; a CREATE VIRTUAL TABLE argument
**                               allow_delete_all=1 does the same for good.
** All three are SQLITE_DIRECTONLY: a view or trigger in an untrusted database file
** cannot make this process open network connections or lift a guard.
**
** Table mo_connections (eponymous only; read-only):
**   name, host, port, user, account, server_version, state, connection_id, tls
**   state is 'connected', or 'disconnected' after a lost connection (the next use
**   reconnects); connection_id is the server's id of the open handle (NULL when none);
**   tls is the cipher in use or NULL. No column ever holds a password.
**
** The registry also holds the journal of the remote statements its connections send
** (journal.c: mo_pitr_journal, mo_pitr_journal_size()); each connection is named and
** given the journal before its first connect.
**
** How it works: one registry per sqlite3*, a list of (name, connection). Each function
** and module registration holds a reference to it (the xDestroy of the registration
** drops it), and so does every open mo_pitr table, so the registry and its MatrixOne
** connections are freed when the last of them goes: when the SQLite connection closes.
*/
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

typedef struct registry_entry {
    char *zName;
    mopitr_conn *pConn; /* one reference */
    struct registry_entry *pNext;
} registry_entry;

struct mopitr_registry {
    int nRef;
    sqlite3 *db;
    registry_entry *pList;
    mopitr_cluster_notes *pNotes; /* named clusters' last failures (cluster.c) */
    char **azAllow; /* tables where DELETE without WHERE is allowed (case-insensitive) */
    int nAllow;
    mopitr_journal *pJournal; /* one reference: the remote statements of db (journal.c) */
};

/* A new, empty registry with one reference. NULL on OOM. */
mopitr_registry *mopitr_registry_new(sqlite3 *db)
{
    mopitr_registry *p = sqlite3_malloc64(sizeof(*p));
    if (p) {
        memset(p, 0, sizeof(*p));
        p->nRef = 1;
        p->db = db;
        p->pJournal = mopitr_journal_new();
        if (p->pJournal == NULL) {
            sqlite3_free(p);
            p = NULL;
        }
    }
    return p;
}

/* Take one more reference. */
void mopitr_registry_ref(mopitr_registry *p)
{
    if (p)
        p->nRef++;
}

/* Drop one reference; the last one closes and frees every connection. */
void mopitr_registry_unref(void *pArg)
{
    mopitr_registry *p = pArg;
    if (p == NULL || --p->nRef > 0)
        return;
    while (p->pList) {
        registry_entry *e = p->pList;
        p->pList = e->pNext;
        mopitr_conn_shutdown(e->pConn);
        mopitr_conn_unref(e->pConn);
        sqlite3_free(e->zName);
        sqlite3_free(e);
    }
    mopitr_cluster_notes_free(p->pNotes);
    while (p->nAllow > 0)
        sqlite3_free(p->azAllow[--p->nAllow]);
    sqlite3_free(p->azAllow);
    mopitr_journal_unref(p->pJournal);
    sqlite3_free(p);
}

/* The entry named zName (case-insensitive) or NULL. */
static registry_entry *registry_find(mopitr_registry *p, const char *zName)
{
    registry_entry *e;
    for (e = p->pList; e; e = e->pNext) {
        if (sqlite3_stricmp(e->zName, zName) == 0)
            return e;
    }
    return NULL;
}

/* The connection named zName (case-insensitive), borrowed, or NULL. */
mopitr_conn *mopitr_registry_get(mopitr_registry *p, const char *zName)
{
    registry_entry *e = registry_find(p, zName);
    return e ? e->pConn : NULL;
}

/* Is zName an acceptable connection name? Sets *pzErr when not. */
static int registry_check_name(const char *zName, char **pzErr)
{
    size_t i, n = strlen(zName);
    int bOk = n >= 1 && n <= 64;
    for (i = 0; bOk && i < n; i++) {
        char c = zName[i];
        bOk = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    }
    if (bOk)
        return SQLITE_OK;
    *pzErr = mopitr_errf("connection name '%.80s' is not valid: use 1 to 64 letters, digits, "
                         "'_', '-' or '.'",
                         zName);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Put pConn (reference taken over) under zName, closing any connection it replaces. */
static int registry_put(mopitr_registry *p, const char *zName, mopitr_conn *pConn)
{
    registry_entry *e = registry_find(p, zName);
    if (e) {
        mopitr_conn_shutdown(e->pConn);
        mopitr_conn_unref(e->pConn);
        e->pConn = pConn;
        return SQLITE_OK;
    }
    e = sqlite3_malloc64(sizeof(*e));
    if (e == NULL) {
        mopitr_conn_unref(pConn);
        return SQLITE_NOMEM;
    }
    e->zName = sqlite3_mprintf("%s", zName);
    if (e->zName == NULL) {
        sqlite3_free(e);
        mopitr_conn_unref(pConn);
        return SQLITE_NOMEM;
    }
    e->pConn = pConn;
    e->pNext = p->pList;
    p->pList = e;
    return SQLITE_OK;
}

/* Remove and close zName. Returns 1 if it existed, else 0. */
static int registry_remove(mopitr_registry *p, const char *zName)
{
    registry_entry **pp;
    for (pp = &p->pList; *pp; pp = &(*pp)->pNext) {
        registry_entry *e = *pp;
        if (sqlite3_stricmp(e->zName, zName) == 0) {
            *pp = e->pNext;
            mopitr_conn_shutdown(e->pConn);
            mopitr_conn_unref(e->pConn);
            sqlite3_free(e->zName);
            sqlite3_free(e);
            return 1;
        }
    }
    return 0;
}

/* ---- named clusters (issue 16; cluster_cfg.c, cluster.c) ----------------------- */

/*
** mo_connect(NAME): the DSN of cluster NAME from the option file. bOwnName: the
** connection takes the cluster's name (no name was given; mo_connect() with MO_DSN keeps
** 'default'). *pzCluster gets a copy of NAME when the file has that cluster (its outcome
** is then noted for mo_clusters).
*/
static int registry_cluster_dsn(const char *zCluster, int bOwnName, const char **pzName,
                                mopitr_dsn *pDsn, char **pzCluster, char **pzErr)
{
    char *zFile = mopitr_cluster_file(pzErr);
    int bKnown = 0, rc;
    if (zFile == NULL)
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    rc = mopitr_cluster_dsn(zFile, zCluster, pDsn, &bKnown, pzErr);
    sqlite3_free(zFile);
    if (bKnown && (*pzCluster = sqlite3_mprintf("%s", zCluster)) == NULL)
        rc = SQLITE_NOMEM;
    if (bOwnName)
        *pzName = zCluster;
    return rc;
}

/* The last failures of named clusters (cluster.c reads and writes them). */
mopitr_cluster_notes **mopitr_registry_notes(mopitr_registry *p)
{
    return &p->pNotes;
}

/* Put pConn (reference taken over) under zName, as mo_connect does (mo_connect_all). */
int mopitr_registry_put(mopitr_registry *p, const char *zName, mopitr_conn *pConn)
{
    return registry_put(p, zName, pConn);
}

/* The connection names, oldest first: *pazName (sqlite3_malloc'd array of
** sqlite3_malloc'd copies; NULL when there is none), *pnName. SQLITE_OK or SQLITE_NOMEM. */
int mopitr_registry_names(mopitr_registry *p, char ***pazName, int *pnName)
{
    registry_entry *e;
    char **az;
    int n = 0, i;
    *pazName = NULL;
    *pnName = 0;
    for (e = p->pList; e; e = e->pNext)
        n++;
    if (n == 0)
        return SQLITE_OK;
    az = sqlite3_malloc64(sizeof(char *) * (size_t)n);
    if (az == NULL)
        return SQLITE_NOMEM;
    memset(az, 0, sizeof(char *) * (size_t)n);
    for (e = p->pList, i = n - 1; e; e = e->pNext, i--) {
        if ((az[i] = sqlite3_mprintf("%s", e->zName)) == NULL) {
            mopitr_cluster_list_free(az, n);
            return SQLITE_NOMEM;
        }
    }
    *pazName = az;
    *pnName = n;
    return SQLITE_OK;
}

/* See the header: a read-only table holding a registry reference (cluster.c,
** vtab_all.c). */
int mopitr_reg_vtab_connect(sqlite3 *db, void *pAux, const char *zSchema, size_t nBytes,
                            sqlite3_vtab **ppVtab)
{
    mopitr_reg_vtab *v;
    int rc = sqlite3_declare_vtab(db, zSchema);
    if (rc != SQLITE_OK)
        return rc;
    v = sqlite3_malloc64(nBytes);
    if (v == NULL)
        return SQLITE_NOMEM;
    memset(v, 0, nBytes);
    v->pReg = pAux;
    v->db = db;
    mopitr_registry_ref(v->pReg);
    *ppVtab = &v->base;
    return SQLITE_OK;
}

/* See the header. */
int mopitr_reg_vtab_disconnect(sqlite3_vtab *pVtab)
{
    mopitr_reg_vtab *v = (mopitr_reg_vtab *)pVtab;
    mopitr_registry_unref(v->pReg);
    sqlite3_free(v);
    return SQLITE_OK;
}

/* Report rc/zErr (owned) as the function's error. */
static void registry_result_error(sqlite3_context *ctx, int rc, char *zErr)
{
    if (rc == SQLITE_NOMEM || zErr == NULL)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_error(ctx, zErr, -1);
    sqlite3_free(zErr);
}

/* Is the DSN z[0..n) (n < 0: strlen) empty or only blanks? */
static int registry_dsn_blank(const char *z, int n)
{
    int i;
    if (n < 0)
        n = (int)strlen(z);
    for (i = 0; i < n; i++) {
        if (z[i] != ' ' && z[i] != '\t' && z[i] != '\n' && z[i] != '\r' && z[i] != ';')
            return 0;
    }
    return 1;
}

/* See the header. Named and journaled before the first connect, so a failed login is
** journaled too; the database is set first, so sqlite3_interrupt(db) ends the connect. */
int mopitr_registry_open(mopitr_registry *p, const char *zName, mopitr_dsn *pDsn,
                         mopitr_conn **ppOut, char **pzErr)
{
    mopitr_conn *pConn = NULL;
    int rc = mopitr_conn_new(&pConn, pDsn); /* takes over *pDsn */
    if (rc == SQLITE_OK)
        rc = mopitr_conn_set_journal(pConn, p->pJournal, zName);
    if (rc == SQLITE_OK) {
        mopitr_conn_set_db(pConn, p->db);
        rc = mopitr_conn_connect(pConn, pzErr);
    }
    if (rc != SQLITE_OK) {
        mopitr_conn_unref(pConn);
        pConn = NULL;
    }
    *ppOut = pConn;
    return rc;
}

/* SQL function mo_connect([dsn [, name]]). */
static void registry_connect_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    mopitr_registry *p = sqlite3_user_data(ctx);
    const char *zDsn = NULL;
    int nDsn = -1;
    const char *zName = MOPITR_DEFAULT_CONNECTION;
    char *zErr = NULL;
    char *zDescribe = NULL;
    char *zAnswer = NULL;
    char *zCluster = NULL; /* a named cluster's name, for mo_clusters */
    mopitr_dsn dsn;
    mopitr_conn *pConn = NULL;
    int rc = SQLITE_OK;

    memset(&dsn, 0, sizeof(dsn));
    if (argc == 0) {
        zDsn = getenv("MO_DSN");
        if (zDsn == NULL || zDsn[0] == 0) {
            zErr = mopitr_errf("mo_connect() needs a DSN: pass one, or set the environment "
                               "variable MO_DSN");
            rc = SQLITE_ERROR;
            goto out;
        }
    } else {
        zDsn = (const char *)sqlite3_value_text(argv[0]);
        nDsn = sqlite3_value_bytes(argv[0]);
        if (zDsn == NULL) {
            zErr = mopitr_errf("mo_connect() needs a DSN, got NULL");
            rc = SQLITE_ERROR;
            goto out;
        }
    }
    if (argc == 2 && sqlite3_value_type(argv[1]) != SQLITE_NULL) {
        zName = (const char *)sqlite3_value_text(argv[1]);
        if (zName == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
        rc = registry_check_name(zName, &zErr);
        if (rc != SQLITE_OK)
            goto out;
    }
    if (registry_dsn_blank(zDsn, nDsn)) {
        /* Not "every default": connecting to 127.0.0.1:6001 as root by accident could
        ** reach the wrong server (issue 13). */
        zErr = mopitr_errf("mo_connect() needs a DSN, got an empty one: pass "
                           "'mysql://user@host:port' (or 'host=... port=...')%s",
                           argc == 0 ? "" : ", or call mo_connect() with MO_DSN set");
        rc = SQLITE_ERROR;
        goto out;
    }
    if (mopitr_cluster_is_name(zDsn, nDsn)) {
        /* Named clusters (issue 16): a bare name reads its option-file group. */
        int bOwnName = argc == 1 || (argc == 2 && sqlite3_value_type(argv[1]) == SQLITE_NULL);
        rc = registry_cluster_dsn(zDsn, bOwnName, &zName, &dsn, &zCluster, &zErr);
    } else {
        rc = mopitr_dsn_parse_n(zDsn, nDsn, &dsn, &zErr);
    }
    if (rc != SQLITE_OK)
        goto out;
    zDescribe = mopitr_dsn_describe(&dsn);
    if (zDescribe == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    rc = mopitr_registry_open(p, zName, &dsn, &pConn, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    zAnswer = sqlite3_mprintf("connected %s: %s account %s, server %s", zName, zDescribe,
                              mopitr_conn_account(pConn), mopitr_conn_server_version(pConn));
    if (zAnswer == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    rc = registry_put(p, zName, pConn);
    pConn = NULL;
    if (rc != SQLITE_OK)
        goto out;
    sqlite3_result_text(ctx, zAnswer, -1, sqlite3_free);
    zAnswer = NULL;
out:
    if (zCluster)
        mopitr_cluster_note(&p->pNotes, zCluster,
                            rc == SQLITE_OK ? NULL : (zErr ? zErr : "out of memory"));
    if (rc != SQLITE_OK)
        registry_result_error(ctx, rc, zErr);
    else
        sqlite3_free(zErr);
    sqlite3_free(zCluster);
    mopitr_conn_unref(pConn);
    mopitr_dsn_clear(&dsn);
    sqlite3_free(zDescribe);
    sqlite3_free(zAnswer);
}

/* SQL function mo_disconnect([name]): 1 if a connection was closed, 0 if none existed. */
static void registry_disconnect_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    mopitr_registry *p = sqlite3_user_data(ctx);
    const char *zName = MOPITR_DEFAULT_CONNECTION;
    if (argc == 1 && sqlite3_value_type(argv[0]) != SQLITE_NULL) {
        zName = (const char *)sqlite3_value_text(argv[0]);
        if (zName == NULL) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    sqlite3_result_int(ctx, registry_remove(p, zName));
}

/* ---- mo_pitr_allow_delete_all() ------------------------------------------- */

/* The index of zTable in p->azAllow, or -1. */
static int registry_allow_find(const mopitr_registry *p, const char *zTable)
{
    int i;
    for (i = 0; i < p->nAllow; i++) {
        if (sqlite3_stricmp(p->azAllow[i], zTable) == 0)
            return i;
    }
    return -1;
}

/* See the header. */
int mopitr_registry_allow_delete_all(const mopitr_registry *p, const char *zTable)
{
    return registry_allow_find(p, zTable) >= 0;
}

/* Is zTable the eponymous mo_pitr or a table made with USING mo_pitr in db? */
static int registry_is_pitr_table(sqlite3 *db, const char *zTable, int *pRc)
{
    sqlite3_stmt *pStmt = NULL;
    int bFound = 0;
    if (sqlite3_stricmp(zTable, "mo_pitr") == 0)
        return 1;
    *pRc = sqlite3_prepare_v2(db,
                              "SELECT sql FROM sqlite_schema WHERE type = 'table' AND "
                              "name = ?1 COLLATE NOCASE UNION ALL SELECT sql FROM "
                              "sqlite_temp_schema WHERE type = 'table' AND name = ?1 "
                              "COLLATE NOCASE",
                              -1, &pStmt, NULL);
    if (*pRc == SQLITE_OK)
        *pRc = sqlite3_bind_text(pStmt, 1, zTable, -1, SQLITE_STATIC);
    while (*pRc == SQLITE_OK && !bFound && sqlite3_step(pStmt) == SQLITE_ROW) {
        const char *zSql = (const char *)sqlite3_column_text(pStmt, 0);
        bFound = zSql && sqlite3_strlike("%using%mo_pitr%", zSql, 0) == 0;
    }
    if (*pRc == SQLITE_OK)
        *pRc = sqlite3_finalize(pStmt);
    else
        sqlite3_finalize(pStmt);
    return bFound;
}

/* SQL function mo_pitr_allow_delete_all(table [, on]): see the manual. */
static void registry_allow_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    mopitr_registry *p = sqlite3_user_data(ctx);
    const char *zTable = (const char *)sqlite3_value_text(argv[0]);
    int bOn = argc < 2 || sqlite3_value_int(argv[1]) != 0, i, rc = SQLITE_OK;
    char *zErr = NULL;

    if (zTable == NULL) {
        zErr = mopitr_errf("mo_pitr_allow_delete_all() needs a table name, got NULL");
        rc = SQLITE_ERROR;
        goto out;
    }
    if (argc == 2 && sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
        zErr = mopitr_errf("mo_pitr_allow_delete_all(): on must be 0 or 1");
        rc = SQLITE_ERROR;
        goto out;
    }
    if (!registry_is_pitr_table(p->db, zTable, &rc)) {
        if (rc == SQLITE_OK) {
            zErr = mopitr_errf("no mo_pitr table named '%.80s' (the eponymous one is "
                               "'mo_pitr')",
                               zTable);
            rc = SQLITE_ERROR;
        }
        goto out;
    }
    i = registry_allow_find(p, zTable);
    if (bOn && i < 0) {
        char **azNew = sqlite3_realloc64(p->azAllow, sizeof(char *) * (size_t)(p->nAllow + 1));
        if (azNew == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
        p->azAllow = azNew;
        p->azAllow[p->nAllow] = sqlite3_mprintf("%s", zTable);
        if (p->azAllow[p->nAllow] == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
        p->nAllow++;
    } else if (!bOn && i >= 0) {
        sqlite3_free(p->azAllow[i]);
        p->azAllow[i] = p->azAllow[--p->nAllow];
    }
    sqlite3_result_int(ctx, bOn);
out:
    if (rc != SQLITE_OK)
        registry_result_error(ctx, rc, zErr);
    else
        sqlite3_free(zErr);
}

/* ---- the mo_connections table (snaptab.c) ------------------------------- */

/* Its rows: every connection, oldest first, copied (mo_disconnect() during a scan is
** safe). */
static int registry_conns_fill(void *pAux, mopitr_snap *s)
{
    const mopitr_registry *p = pAux;
    const registry_entry *e;
    const registry_entry **aE;
    int i, n = 0;

    for (e = p->pList; e; e = e->pNext)
        n++;
    if (n == 0)
        return SQLITE_OK;
    aE = sqlite3_malloc64(sizeof(*aE) * (size_t)n);
    if (aE == NULL)
        return SQLITE_NOMEM;
    for (e = p->pList, i = n - 1; e; e = e->pNext, i--)
        aE[i] = e; /* the list is newest first */
    for (i = 0; i < n; i++) {
        const mopitr_dsn *d = mopitr_conn_dsn(aE[i]->pConn);
        unsigned long id = mopitr_conn_thread_id(aE[i]->pConn);
        mopitr_snap_text(s, aE[i]->zName);
        mopitr_snap_text(s, d->host);
        mopitr_snap_int(s, d->port);
        mopitr_snap_text(s, d->user);
        mopitr_snap_text(s, mopitr_conn_account(aE[i]->pConn));
        mopitr_snap_text(s, mopitr_conn_server_version(aE[i]->pConn));
        mopitr_snap_text(s, mopitr_conn_state(aE[i]->pConn));
        if (id)
            mopitr_snap_int(s, (sqlite3_int64)id);
        else
            mopitr_snap_null(s);
        mopitr_snap_text(s, mopitr_conn_tls(aE[i]->pConn));
    }
    sqlite3_free(aE);
    return SQLITE_OK;
}

/* Register mo_connect(), mo_disconnect(), mo_pitr_allow_delete_all() and mo_connections;
** each holds a reference. */
int mopitr_registry_register(sqlite3 *db, mopitr_registry *p)
{
    static const struct {
        const char *zName;
        int nArg;
        void (*xFunc)(sqlite3_context *, int, sqlite3_value **);
    } aFunc[] = {
        {"mo_connect", 0, registry_connect_func},
        {"mo_connect", 1, registry_connect_func},
        {"mo_connect", 2, registry_connect_func},
        {"mo_disconnect", 0, registry_disconnect_func},
        {"mo_disconnect", 1, registry_disconnect_func},
        {"mo_pitr_allow_delete_all", 1, registry_allow_func},
        {"mo_pitr_allow_delete_all", 2, registry_allow_func},
    };
    int rc = SQLITE_OK;
    size_t i;

    for (i = 0; rc == SQLITE_OK && i < sizeof(aFunc) / sizeof(aFunc[0]); i++) {
        /* Not SQLITE_DETERMINISTIC: they talk to a server. The destructor runs on
        ** failure too, so the reference is taken before every call. */
        mopitr_registry_ref(p);
        rc = sqlite3_create_function_v2(db, aFunc[i].zName, aFunc[i].nArg,
                                        SQLITE_UTF8 | SQLITE_DIRECTONLY, p, aFunc[i].xFunc, NULL,
                                        NULL, mopitr_registry_unref);
    }
    if (rc == SQLITE_OK) {
        mopitr_registry_ref(p);
        rc = mopitr_snap_register(db, "mo_connections",
                                  "CREATE TABLE x(name TEXT, host TEXT, port INTEGER, user TEXT, "
                                  "account TEXT, server_version TEXT, state TEXT, "
                                  "connection_id INTEGER, tls TEXT)",
                                  9, registry_conns_fill, p, mopitr_registry_unref);
    }
    if (rc == SQLITE_OK)
        rc = mopitr_journal_register(db, p->pJournal); /* mo_pitr_journal (journal.c) */
    return rc;
}
