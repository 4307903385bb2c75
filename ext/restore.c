/*
** restore.c: RESTORE ... FROM PITR as SQL functions, checked before anything is sent.
**
** Usage (TIME is UTC: 'YYYY-MM-DD HH:MM:SS' with an optional fraction, or a unix epoch
** INTEGER/REAL: what datetime(), strftime() and unixepoch() give; a REAL that looks like
** a julianday() value is refused):
**     SELECT mo_restore_database('p_db1', 'db1', '2026-11-27 10:30:00');
**     SELECT mo_restore_table('p_db1', 'db1', 't1', datetime('now', '-1 hour'));
**     SELECT mo_restore_account('p_acc', unixepoch() - 600);          -- own account
**     SELECT mo_restore_account('p_cl', '2026-11-27 10:30:00', 'acc01', 'acc01');  -- sys
**     SELECT mo_restore_cluster('p_cl', '2026-11-27 10:30:00');
**     SELECT mo_restore_database_dry_run('p_db1', 'db1', '2026-11-27 10:30:00');
**
** Functions (each also as NAME_dry_run with the same arguments; CONN = a mo_connect() name,
** default 'default'; ACCOUNT NULL = the statement form without ACCOUNT):
**   mo_restore_cluster(pitr, time [, conn])          RESTORE CLUSTER FROM PITR p 'ts'
**   mo_restore_account(pitr, time [, account [, source_account [, conn]]])
**       account NULL:                                 RESTORE FROM PITR p 'ts' (own account)
**       account given:                                RESTORE ACCOUNT a FROM PITR p 'ts' [src]
**   mo_restore_database(pitr, database, time [, account [, conn]])
**                                                     RESTORE [ACCOUNT a] DATABASE d FROM ...
**   mo_restore_table(pitr, database, table, time [, account [, conn]])
**                                                     RESTORE [ACCOUNT a] DATABASE d TABLE t ...
** Each returns the exact statement it sent; the _dry_run forms make the same checks and
** return the statement without sending it.
**
** Checks, in this order, each with its own message naming the value (spec 8.2-8.4):
**   1. not inside an open SQLite transaction (restore only; a RESTORE cannot be undone, so
**      it is never queued for COMMIT): "mo_pitr: a restore cannot run inside a
**      transaction ...";
**   2. the arguments: names not empty and without a backslash (objname.c), no system
**      database, a time that parses; ACCOUNT with DATABASE/TABLE must be the connection's
**      own account (MatrixOne allows nothing else), a source account only with ACCOUNT;
**   3. the PITR exists for this account (SHOW PITR WHERE pitr_name = ..., 1 statement);
**   4. level compatibility (spec 8.3): which PITR level can restore what, whose account;
**   5. the window, with the server's clock and zone (srvclock.c, 4 statements): the time
**      must not be before the PITR's earliest restorable time (after its creation second,
**      not before now - range: window.c) and not after the server's now.
** Only then is the RESTORE sent. Its time is written in the server process's local zone
** (spec 8.1), with the offset srvclock.c read (the offset in force now: docs/recovery.md
** says what that means in a zone with daylight saving time), and a fraction if given.
**
** A restore has its own timeout: the DSN key restore_timeout (seconds; default none: the
** reply is waited for as long as it takes; read_timeout does not apply). A timeout,
** sqlite3_interrupt() or a lost connection while waiting says that the restore may still
** be running on the server; the statement is never sent again.
**
** All functions are SQLITE_DIRECTONLY (a view or trigger of an untrusted database cannot
** call them) and not deterministic.
*/
#include <math.h>
#include <string.h>

#include "mo_pitr_int.h"

/* One registered function: its target level and whether it is a dry run. */
typedef struct restore_fn {
    mopitr_registry *pReg; /* one reference */
    mopitr_level eLevel;   /* CLUSTER, ACCOUNT, DATABASE, TABLE */
    int bDry;
} restore_fn;

/* What one call asks for. */
typedef struct restore_req {
    mopitr_level eLevel;
    char *zPitr, *zDb, *zTbl, *zAcc, *zSrc; /* folded; NULL when not given */
    const char *zConn;                      /* borrowed */
    sqlite3_int64 tsSec;                    /* the time, UTC */
    int tsNsec;
} restore_req;

/* Free what r owns. */
static void restore_req_clear(restore_req *r)
{
    sqlite3_free(r->zPitr);
    sqlite3_free(r->zDb);
    sqlite3_free(r->zTbl);
    sqlite3_free(r->zAcc);
    sqlite3_free(r->zSrc);
    memset(r, 0, sizeof(*r));
}

/* A name argument: NULL when SQL NULL and bOptional, else folded and checked. */
static int restore_name(sqlite3_value *pVal, const char *zWhat, int bOptional, char **pzOut,
                        char **pzErr)
{
    *pzOut = NULL;
    if (pVal == NULL || sqlite3_value_type(pVal) == SQLITE_NULL) {
        if (bOptional)
            return SQLITE_OK;
        *pzErr = mopitr_errf("%s name must not be NULL", zWhat);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (sqlite3_value_type(pVal) == SQLITE_BLOB) {
        *pzErr = mopitr_errf("%s name must be text, got a blob", zWhat);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    return mopitr_objname((const char *)sqlite3_value_text(pVal), sqlite3_value_bytes(pVal), zWhat,
                          pzOut, pzErr);
}

/* The time argument: 'YYYY-MM-DD HH:MM:SS[.f]' (UTC) or a unix epoch number. */
static int restore_time(sqlite3_value *pVal, sqlite3_int64 *pSec, int *pNsec, char **pzErr)
{
    char aClip[MOPITR_CLIP_SIZE];
    int eType = sqlite3_value_type(pVal);
    *pNsec = 0;
    if (eType == SQLITE_INTEGER) {
        *pSec = sqlite3_value_int64(pVal);
    } else if (eType == SQLITE_FLOAT) {
        double r = sqlite3_value_double(pVal), f;
        if (r >= 1721425.5 && r < 5373484.5) {
            /* julianday() of years 1..9999: as a unix time it would be January 1970 */
            *pzErr = mopitr_errf("time %.15g looks like a julian day number, not a unix time: "
                                 "use unixepoch() or datetime()",
                                 r);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        if (!(r > -62135596800.0 && r < 253402300800.0)) {
            *pzErr = mopitr_errf("time %.15g is not a unix time between years 1 and 9999", r);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        f = floor(r);
        *pSec = (sqlite3_int64)f;
        *pNsec = (int)((r - f) * 1e6 + 0.5) * 1000; /* microseconds: a double holds no more */
        if (*pNsec >= 1000000000) {
            (*pSec)++;
            *pNsec -= 1000000000;
        }
    } else if (eType == SQLITE_TEXT) {
        const char *z = (const char *)sqlite3_value_text(pVal);
        int n = sqlite3_value_bytes(pVal);
        if (!mopitr_time_parse(z, n, pSec, pNsec)) {
            *pzErr = mopitr_errf("time '%s' is not 'YYYY-MM-DD HH:MM:SS' (UTC, an optional "
                                 "fraction) or a unix time",
                                 mopitr_err_clip(aClip, z, n));
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
    } else {
        *pzErr = mopitr_errf("time must be 'YYYY-MM-DD HH:MM:SS' (UTC) or a unix time, got %s",
                             eType == SQLITE_NULL ? "NULL" : "a blob");
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (*pSec < -62135596800LL || *pSec >= 253402300800LL) {
        *pzErr =
            mopitr_errf("time %lld is not a unix time between years 1 and 9999", (long long)*pSec);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/* Read the arguments of function f into *r (see the file comment for each arity). */
static int restore_args(const restore_fn *f, int argc, sqlite3_value **argv, restore_req *r,
                        char **pzErr)
{
    int iTime, iAcc = -1, iSrc = -1, iConn, rc = SQLITE_OK;
    char aClip[MOPITR_CLIP_SIZE];
    r->eLevel = f->eLevel;
    r->zConn = MOPITR_DEFAULT_CONNECTION;
    switch (f->eLevel) {
    case MOPITR_LEVEL_CLUSTER:
        iTime = 1, iConn = 2;
        break;
    case MOPITR_LEVEL_ACCOUNT:
        iTime = 1, iAcc = 2, iSrc = 3, iConn = 4;
        break;
    case MOPITR_LEVEL_DATABASE:
        iTime = 2, iAcc = 3, iConn = 4;
        break;
    default:
        iTime = 3, iAcc = 4, iConn = 5;
        break;
    }
    rc = restore_name(argv[0], "PITR", 0, &r->zPitr, pzErr);
    if (rc == SQLITE_OK && f->eLevel >= MOPITR_LEVEL_DATABASE)
        rc = restore_name(argv[1], "database", 0, &r->zDb, pzErr);
    if (rc == SQLITE_OK && f->eLevel == MOPITR_LEVEL_TABLE)
        rc = restore_name(argv[2], "table", 0, &r->zTbl, pzErr);
    if (rc == SQLITE_OK && iAcc >= 0 && iAcc < argc)
        rc = restore_name(argv[iAcc], "account", 1, &r->zAcc, pzErr);
    if (rc == SQLITE_OK && iSrc >= 0 && iSrc < argc)
        rc = restore_name(argv[iSrc], "source account", 1, &r->zSrc, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    if (iConn < argc && sqlite3_value_type(argv[iConn]) != SQLITE_NULL) {
        r->zConn = (const char *)sqlite3_value_text(argv[iConn]);
        if (r->zConn == NULL)
            return SQLITE_NOMEM;
    }
    if (r->zSrc && r->zAcc == NULL) {
        *pzErr = mopitr_errf("a source account ('%s') needs the account to restore to",
                             mopitr_err_clip(aClip, r->zSrc, -1));
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (r->zDb && mopitr_is_system_database(r->zDb)) {
        *pzErr = mopitr_errf("database '%s' is a system database and cannot be restored",
                             mopitr_err_clip(aClip, r->zDb, -1));
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    return restore_time(argv[iTime], &r->tsSec, &r->tsNsec, pzErr);
}

/* "database 'db1'" etc. for messages: what r restores (sqlite3_malloc'd). */
static char *restore_what(const restore_req *r, const char *zOwn)
{
    switch (r->eLevel) {
    case MOPITR_LEVEL_CLUSTER:
        return sqlite3_mprintf("the cluster");
    case MOPITR_LEVEL_ACCOUNT:
        return sqlite3_mprintf("account '%s'", r->zAcc ? r->zAcc : zOwn);
    case MOPITR_LEVEL_DATABASE:
        return sqlite3_mprintf("database '%s'", r->zDb);
    default:
        return sqlite3_mprintf("table '%s'.'%s'", r->zDb, r->zTbl);
    }
}

/*
** Level compatibility (spec 8.3) of PITR row p for request r by a connection of account
** zOwn. Returns NULL when allowed, else the reason (sqlite3_malloc'd, without prefix).
*/
static char *restore_level_check(const restore_req *r, const mopitr_row *p, const char *zOwn)
{
    const char *zPA = p->az[MOPITR_COL_ACCOUNT] ? p->az[MOPITR_COL_ACCOUNT] : "*";
    const char *zPD = p->az[MOPITR_COL_DATABASE], *zPT = p->az[MOPITR_COL_TABLE];
    /* "a database PITR", "an account PITR" */
    const char *zLv = p->level == MOPITR_LEVEL_ACCOUNT   ? "n account"
                      : p->level == MOPITR_LEVEL_CLUSTER ? " cluster"
                      : p->level == MOPITR_LEVEL_TABLE   ? " table"
                                                         : " database";
    int bSys = strcmp(zOwn, "sys") == 0;
    int bMine = p->az[MOPITR_COL_ACCOUNT] && strcmp(p->az[MOPITR_COL_ACCOUNT], zOwn) == 0;

    switch (r->eLevel) {
    case MOPITR_LEVEL_CLUSTER:
        if (p->level != MOPITR_LEVEL_CLUSTER)
            return sqlite3_mprintf("PITR '%s' is a%s PITR; restoring the cluster needs a "
                                   "cluster PITR",
                                   r->zPitr, zLv);
        if (!bSys)
            return sqlite3_mprintf("only the sys account can restore the cluster (this "
                                   "connection is account '%s')",
                                   zOwn);
        return NULL;
    case MOPITR_LEVEL_ACCOUNT:
        if (r->zAcc == NULL) {
            if (p->level != MOPITR_LEVEL_ACCOUNT)
                return sqlite3_mprintf("PITR '%s' is a%s PITR; restoring the own account "
                                       "needs an account PITR",
                                       r->zPitr, zLv);
            if (!bMine)
                return sqlite3_mprintf("PITR '%s' protects account '%s', not this connection's "
                                       "account '%s'",
                                       r->zPitr, zPA, zOwn);
            return NULL;
        }
        if (!bSys)
            return sqlite3_mprintf("only the sys account can restore another account ('%s'); "
                                   "this connection is account '%s'",
                                   r->zAcc, zOwn);
        if (p->level == MOPITR_LEVEL_DATABASE || p->level == MOPITR_LEVEL_TABLE)
            return sqlite3_mprintf("PITR '%s' is a%s PITR; restoring account '%s' needs an "
                                   "account or cluster PITR",
                                   r->zPitr, zLv, r->zAcc);
        if (r->zSrc == NULL) {
            if (strcmp(r->zAcc, "sys") == 0 ||
                (p->level == MOPITR_LEVEL_ACCOUNT && strcmp(zPA, "sys") == 0))
                return sqlite3_mprintf("PITR '%s' cannot restore the sys account into account "
                                       "'%s'",
                                       r->zPitr, r->zAcc);
            if (p->level == MOPITR_LEVEL_CLUSTER)
                return sqlite3_mprintf("PITR '%s' is a cluster PITR: name the source account "
                                       "whose data to restore into '%s'",
                                       r->zPitr, r->zAcc);
            return NULL;
        }
        if (p->level != MOPITR_LEVEL_CLUSTER)
            return sqlite3_mprintf("PITR '%s' is a%s PITR; restoring from source account '%s' "
                                   "needs a cluster PITR",
                                   r->zPitr, zLv, r->zSrc);
        if (strcmp(r->zSrc, "sys") == 0 && strcmp(r->zAcc, "sys") != 0)
            return sqlite3_mprintf("the sys account cannot be restored into account '%s'", r->zAcc);
        if (strcmp(r->zSrc, "sys") != 0 && strcmp(r->zAcc, "sys") == 0)
            return sqlite3_mprintf("account '%s' cannot be restored into the sys account", r->zSrc);
        return NULL;
    case MOPITR_LEVEL_DATABASE:
    case MOPITR_LEVEL_TABLE:
        if (r->zAcc && strcmp(r->zAcc, zOwn) != 0)
            return sqlite3_mprintf("a database or table can be restored only in the "
                                   "connection's own account '%s', not '%s'",
                                   zOwn, r->zAcc);
        if (p->level == MOPITR_LEVEL_CLUSTER)
            return sqlite3_mprintf("PITR '%s' is a cluster PITR, which cannot restore a single "
                                   "%s (restore the account or the cluster)",
                                   r->zPitr,
                                   r->eLevel == MOPITR_LEVEL_TABLE ? "table" : "database");
        if (r->eLevel == MOPITR_LEVEL_DATABASE && p->level == MOPITR_LEVEL_TABLE)
            return sqlite3_mprintf("PITR '%s' is a table PITR, which cannot restore a whole "
                                   "database",
                                   r->zPitr);
        if (!bMine)
            return sqlite3_mprintf("PITR '%s' protects account '%s', not this connection's "
                                   "account '%s'",
                                   r->zPitr, zPA, zOwn);
        if (p->level == MOPITR_LEVEL_DATABASE && (zPD == NULL || strcmp(zPD, r->zDb) != 0))
            return sqlite3_mprintf("PITR '%s' protects database '%s', not '%s'", r->zPitr,
                                   zPD ? zPD : "", r->zDb);
        if (p->level == MOPITR_LEVEL_TABLE &&
            (zPD == NULL || zPT == NULL || strcmp(zPD, r->zDb) != 0 || strcmp(zPT, r->zTbl) != 0))
            return sqlite3_mprintf("PITR '%s' protects table '%s'.'%s', not '%s'.'%s'", r->zPitr,
                                   zPD ? zPD : "", zPT ? zPT : "", r->zDb, r->zTbl);
        return NULL;
    default:
        return sqlite3_mprintf("unknown restore level");
    }
}

/* The RESTORE statement for r with the time zTime (server local text). NULL on OOM. */
static char *restore_sql(const restore_req *r, const char *zTime, int bNoBackslash)
{
    sqlite3_str *s = sqlite3_str_new(NULL);
    char *zP = mopitr_sql_ident(r->zPitr);
    char *zA = r->zAcc ? mopitr_sql_ident(r->zAcc) : NULL;
    char *zD = r->zDb ? mopitr_sql_ident(r->zDb) : NULL;
    char *zT = r->zTbl ? mopitr_sql_ident(r->zTbl) : NULL;
    char *zS = r->zSrc ? mopitr_sql_ident(r->zSrc) : NULL;
    char *zTs = mopitr_sql_string(zTime, bNoBackslash);
    char *zOut = NULL;
    if (zP == NULL || zTs == NULL || (r->zAcc && !zA) || (r->zDb && !zD) || (r->zTbl && !zT) ||
        (r->zSrc && !zS))
        goto out;
    sqlite3_str_appendall(s, "RESTORE");
    if (r->eLevel == MOPITR_LEVEL_CLUSTER)
        sqlite3_str_appendall(s, " CLUSTER");
    if (zA)
        sqlite3_str_appendf(s, " ACCOUNT %s", zA);
    if (zD)
        sqlite3_str_appendf(s, " DATABASE %s", zD);
    if (zT)
        sqlite3_str_appendf(s, " TABLE %s", zT);
    sqlite3_str_appendf(s, " FROM PITR %s %s", zP, zTs);
    if (zS)
        sqlite3_str_appendf(s, " %s", zS);
out:
    zOut = sqlite3_str_finish(s);
    if (zP == NULL || zTs == NULL || (r->zAcc && !zA) || (r->zDb && !zD) || (r->zTbl && !zT) ||
        (r->zSrc && !zS)) {
        sqlite3_free(zOut);
        zOut = NULL;
    }
    sqlite3_free(zP);
    sqlite3_free(zA);
    sqlite3_free(zD);
    sqlite3_free(zT);
    sqlite3_free(zS);
    sqlite3_free(zTs);
    return zOut;
}

/* The window check (spec 8.4) of time r against PITR p at the server's clock. Returns NULL
** when inside, else the reason (sqlite3_malloc'd, without prefix). */
static char *restore_window_check(const restore_req *r, const mopitr_row *p,
                                  const mopitr_srvclock *clk)
{
    char aTs[MOPITR_TIME_SIZE], aE[MOPITR_TIME_SIZE], aNow[MOPITR_TIME_SIZE], aC[MOPITR_TIME_SIZE];
    sqlite3_int64 created, e;
    mopitr_time_format_ns(r->tsSec, r->tsNsec, aTs);
    if (p->az[MOPITR_COL_CREATED] == NULL ||
        !mopitr_time_parse(p->az[MOPITR_COL_CREATED], -1, &created, NULL) ||
        mopitr_earliest_restorable(created, clk->nowSec, clk->nowNsec, p->range_value,
                                   p->az[MOPITR_COL_RANGE_UNIT], &e) != SQLITE_OK)
        return sqlite3_mprintf("PITR '%s' has no usable creation time or range (%lld '%s')",
                               r->zPitr, (long long)p->range_value,
                               p->az[MOPITR_COL_RANGE_UNIT] ? p->az[MOPITR_COL_RANGE_UNIT] : "");
    mopitr_time_format(e, aE);
    mopitr_time_format(created, aC);
    if (r->tsSec < e)
        return sqlite3_mprintf("%s is before the earliest restorable time %s of PITR '%s' "
                               "(created %s, range %lld %s)",
                               aTs, aE, r->zPitr, aC, (long long)p->range_value,
                               p->az[MOPITR_COL_RANGE_UNIT]);
    if (r->tsSec > clk->nowSec || (r->tsSec == clk->nowSec && r->tsNsec > clk->nowNsec)) {
        mopitr_time_format(clk->nowSec, aNow);
        return sqlite3_mprintf("%s is in the future (the server's time is %s UTC)", aTs, aNow);
    }
    return NULL;
}

/* The SQL functions: see the file comment. */
static void restore_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const restore_fn *f = sqlite3_user_data(ctx);
    restore_req r;
    mopitr_row row;
    mopitr_srvclock clk;
    mopitr_conn *pConn;
    mopitr_exec_info info;
    char *zErr = NULL, *zReason = NULL, *zSql = NULL, *zWhat = NULL;
    char aLocal[MOPITR_TIME_SIZE];
    const char *zOwn;
    int rc, bFound = 0;

    memset(&r, 0, sizeof(r));
    memset(&row, 0, sizeof(row));
    if (!f->bDry && !sqlite3_get_autocommit(sqlite3_context_db_handle(ctx))) {
        zErr = mopitr_errf("a restore cannot run inside a transaction: it cannot be undone, so "
                           "it is never queued for COMMIT; nothing was sent (COMMIT or ROLLBACK "
                           "first)");
        rc = SQLITE_ERROR;
        goto out;
    }
    rc = restore_args(f, argc, argv, &r, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    pConn = mopitr_tvf_conn(f->pReg, r.zConn, &zErr);
    if (pConn == NULL) {
        rc = zErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    zOwn = mopitr_conn_account(pConn);
    zWhat = restore_what(&r, zOwn);
    if (zWhat == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    rc = mopitr_pitr_lookup(pConn, r.zPitr, &row, &bFound, &zErr); /* SHOW PITR WHERE */
    if (rc != SQLITE_OK)
        goto out;
    if (!bFound) {
        zErr = mopitr_errf("cannot restore %s: PITR '%s' does not exist (SHOW PITR lists the "
                           "PITRs created by account '%s')",
                           zWhat, r.zPitr, zOwn);
        rc = SQLITE_ERROR;
        goto out;
    }
    zReason = restore_level_check(&r, &row, zOwn);
    if (zReason) {
        zErr = mopitr_errf("cannot restore %s: %s", zWhat, zReason);
        rc = SQLITE_ERROR;
        goto out;
    }
    rc = mopitr_srvclock_read(pConn, &clk, &zErr);
    if (rc != SQLITE_OK)
        goto out;
    zReason = restore_window_check(&r, &row, &clk);
    if (zReason) {
        zErr = mopitr_errf("cannot restore %s: %s", zWhat, zReason);
        rc = SQLITE_ERROR;
        goto out;
    }
    /* The time in the server process's zone (spec 8.1). */
    if (!mopitr_time_format_ns(r.tsSec + clk.offset, r.tsNsec, aLocal)) {
        zErr = mopitr_errf("cannot restore %s: the time is outside years 1 to 9999 in the "
                           "server's zone",
                           zWhat);
        rc = SQLITE_ERROR;
        goto out;
    }
    zSql = restore_sql(&r, aLocal, mopitr_conn_no_backslash_escapes(pConn));
    if (zSql == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    if (!f->bDry) {
        mopitr_wait w;
        unsigned t = mopitr_conn_dsn(pConn)->restore_timeout;
        char *zSent = NULL;
        mopitr_wait_begin(&w, NULL, -1);
        w.msRead = t ? (int)t * 1000 : -1; /* read_timeout does not apply to a restore */
        rc = mopitr_conn_exec(pConn, zSql, &info, &zSent);
        mopitr_wait_end(&w);
        if (rc != SQLITE_OK) {
            if (info.bUnknown)
                zErr = mopitr_errf("no reply to the restore of %s: %s; the restore may still be "
                                   "running on the server: it was not sent again; check %s "
                                   "before trying again",
                                   zWhat, zSent ? mopitr_err_body(zSent) : "out of memory", zWhat);
            else
                zErr =
                    mopitr_errf("%s: %s", zSql, zSent ? mopitr_err_body(zSent) : "out of memory");
            sqlite3_free(zSent);
            goto out;
        }
        sqlite3_free(zSent);
    }
    sqlite3_result_text(ctx, zSql, -1, sqlite3_free);
    zSql = NULL;
out:
    if (rc != SQLITE_OK) {
        if (zErr == NULL || rc == SQLITE_NOMEM)
            sqlite3_result_error_nomem(ctx);
        else {
            sqlite3_result_error(ctx, zErr, -1);
            if (rc != SQLITE_ERROR)
                sqlite3_result_error_code(ctx, rc);
        }
    }
    sqlite3_free(zErr);
    sqlite3_free(zReason);
    sqlite3_free(zSql);
    sqlite3_free(zWhat);
    mopitr_row_clear(&row);
    restore_req_clear(&r);
}

/* Destructor of a registration's user data. */
static void restore_fn_free(void *p)
{
    restore_fn *f = p;
    if (f) {
        mopitr_registry_unref(f->pReg);
        sqlite3_free(f);
    }
}

/* Register the restore functions (see the file comment); each holds a registry reference. */
int mopitr_restore_register(sqlite3 *db, mopitr_registry *p)
{
    static const struct {
        const char *zName;
        mopitr_level eLevel;
        int nMin, nMax;
    } aFn[] = {
        {"cluster", MOPITR_LEVEL_CLUSTER, 2, 3},
        {"account", MOPITR_LEVEL_ACCOUNT, 2, 5},
        {"database", MOPITR_LEVEL_DATABASE, 3, 5},
        {"table", MOPITR_LEVEL_TABLE, 4, 6},
    };
    int rc = SQLITE_OK, bDry, n;
    size_t i;
    for (i = 0; rc == SQLITE_OK && i < sizeof(aFn) / sizeof(aFn[0]); i++) {
        for (bDry = 0; rc == SQLITE_OK && bDry < 2; bDry++) {
            char *zName = sqlite3_mprintf("mo_restore_%s%s", aFn[i].zName, bDry ? "_dry_run" : "");
            for (n = aFn[i].nMin; zName && rc == SQLITE_OK && n <= aFn[i].nMax; n++) {
                restore_fn *f = sqlite3_malloc64(sizeof(*f));
                if (f == NULL) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                f->pReg = p;
                mopitr_registry_ref(p);
                f->eLevel = aFn[i].eLevel;
                f->bDry = bDry;
                /* The destructor runs on failure too. */
                rc = sqlite3_create_function_v2(db, zName, n, SQLITE_UTF8 | SQLITE_DIRECTONLY, f,
                                                restore_func, NULL, NULL, restore_fn_free);
            }
            if (zName == NULL)
                rc = SQLITE_NOMEM;
            sqlite3_free(zName);
        }
    }
    return rc;
}
