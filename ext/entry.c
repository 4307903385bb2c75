/*
** entry.c: the extension's entry point: registers everything on one database connection.
**
** Usage:
**     .load ./build/mo_pitr                  -- the sqlite3 shell
**     conn.enable_load_extension(True); conn.load_extension("./build/mo_pitr")  -- Python
**     SELECT mo_pitr_version();              -- '0.1.0 (libmariadb 3.3.20)'
**
** What it registers (see registry.c and vtab.c for each):
**     mo_connect(), mo_connect(dsn), mo_connect(dsn, name)
**     mo_disconnect(), mo_disconnect(name)
**     mo_pitr_version()                      -- MO_PITR_VERSION and the libmariadb version
**     module mo_pitr (eponymous and CREATE VIRTUAL TABLE), table mo_connections
**     mo_connect_all(), tables mo_clusters, mo_pitr_all (cluster.c, vtab_all.c)
**     collation mo_nocase                    -- MatrixOne's case folding of names
**     mo_recovery_window, mo_pitr_coverage, mo_restore_* (rwindow.c, coverage.c, restore.c)
**
** How it works: libmariadb is initialised once per process (mysql_library_init; never
** ended, as the host may use libmariadb too). Each database connection gets its own
** registry of MatrixOne connections; every registration holds a reference to it, so it
** is freed, and its connections closed, when the database connection closes.
*/
#include <pthread.h>
#include <string.h>

#include <mysql.h>

#include "mo_pitr_int.h"

SQLITE_EXTENSION_INIT1

static pthread_once_t entry_once = PTHREAD_ONCE_INIT;
static int entry_library_rc = 0;

/* Initialise libmariadb once per process. */
static void entry_library_init(void)
{
    entry_library_rc = mysql_library_init(0, NULL, NULL);
}

/*
** Collation mo_nocase: compares the way MatrixOne stores names, i.e. after lower-casing
** both sides with mopitr_fold() (ASCII and the same-length Unicode letters; see
** value.c), then byte by byte. The mo_pitr text columns are declared with it, so that
** 'ÄPFEL' finds the PITR MatrixOne stored as 'äpfel'.
*/
static int entry_nocase_cmp(void *pArg, int n1, const void *p1, int n2, const void *p2)
{
    char aBuf1[128], aBuf2[128];
    char *z1 = n1 < (int)sizeof(aBuf1) ? aBuf1 : sqlite3_malloc64((size_t)n1 + 1);
    char *z2 = n2 < (int)sizeof(aBuf2) ? aBuf2 : sqlite3_malloc64((size_t)n2 + 1);
    int n = n1 < n2 ? n1 : n2;
    int c;

    if (z1 == NULL || z2 == NULL) {
        /* Out of memory: fall back to SQLite's ASCII-only NOCASE order. */
        c = sqlite3_strnicmp((const char *)p1, (const char *)p2, n);
        goto out;
    }
    memcpy(z1, p1, (size_t)n1);
    z1[n1] = 0;
    memcpy(z2, p2, (size_t)n2);
    z2[n2] = 0;
    mopitr_fold(z1); /* keeps the byte length */
    mopitr_fold(z2);
    c = memcmp(z1, z2, (size_t)n);
out:
    if (z1 != aBuf1)
        sqlite3_free(z1);
    if (z2 != aBuf2)
        sqlite3_free(z2);
    return c != 0 ? c : n1 - n2;
}

/* SQL function mo_pitr_version(): "0.1.0 (libmariadb 3.3.20)". */
static void entry_version_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char *z = sqlite3_mprintf("%s (libmariadb %s)", MO_PITR_VERSION, mysql_get_client_info());
    if (z == NULL)
        sqlite3_result_error_nomem(ctx);
    else
        sqlite3_result_text(ctx, z, -1, sqlite3_free);
}

/* The entry point: see the file comment and include/mo_pitr.h. */
MO_PITR_API int sqlite3_mopitr_init(sqlite3 *db, char **pzErrMsg, const sqlite3_api_routines *pApi)
{
    mopitr_registry *pReg = NULL;
    int rc;

    SQLITE_EXTENSION_INIT2(pApi);
    pthread_once(&entry_once, entry_library_init);
    if (entry_library_rc != 0) {
        *pzErrMsg = mopitr_errf("cannot initialise libmariadb");
        return SQLITE_ERROR;
    }
    pReg = mopitr_registry_new(db);
    if (pReg == NULL)
        return SQLITE_NOMEM;
    rc = sqlite3_create_collation_v2(db, MOPITR_COLLATION, SQLITE_UTF8, NULL, entry_nocase_cmp,
                                     NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "mo_pitr_version", 0,
                                     SQLITE_UTF8 | SQLITE_INNOCUOUS | SQLITE_DETERMINISTIC, NULL,
                                     entry_version_func, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = mopitr_registry_register(db, pReg);
    if (rc == SQLITE_OK)
        rc = mopitr_vtab_register(db, pReg);
    if (rc == SQLITE_OK)
        rc = mopitr_txn_register(db); /* transactions, mo_pitr_last_commit (txn.c) */
    if (rc == SQLITE_OK)
        rc = mopitr_cluster_register(db, pReg); /* mo_connect_all, mo_clusters */
    if (rc == SQLITE_OK)
        rc = mopitr_vtab_all_register(db, pReg); /* mo_pitr_all */
    if (rc == SQLITE_OK)
        rc = mopitr_rwindow_register(db, pReg); /* mo_recovery_window (rwindow.c) */
    if (rc == SQLITE_OK)
        rc = mopitr_coverage_register(db, pReg); /* mo_pitr_coverage (coverage.c) */
    if (rc == SQLITE_OK)
        rc = mopitr_restore_register(db, pReg); /* mo_restore_* (restore.c) */
    if (rc != SQLITE_OK)
        *pzErrMsg = mopitr_errf("cannot register: %s", sqlite3_errmsg(db));
    /* The registrations hold their own references: drop the creator's. */
    mopitr_registry_unref(pReg);
    return rc;
}
