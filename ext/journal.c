/*
** journal.c: the journal of every remote statement one SQLite connection sent
** (issue 13, "audit after"), and the mo_pitr_journal table that shows it.
**
** Usage:
**     SELECT seq, time_utc, connection, statement, duration_ms, rows, error_number,
**            error_message FROM mo_pitr_journal;
**     SELECT mo_pitr_journal_size();          -- 1000: the entries kept (oldest dropped)
**     SELECT mo_pitr_journal_size(10000);     -- keep more; 0 keeps none
**
** One journal per SQLite connection (the registry holds it; every MatrixOne connection
** made through mo_connect() holds a reference). The connection layer records, through
** the one hook mopitr_journal_record(), every statement it sends and every connect:
** scans (SHOW PITR, with the rows delivered), writes (CREATE/ALTER/DROP PITR, with the
** rows affected), the checks after a lost reply, reads retried on a fresh connection,
** and each connect or reconnect ("CONNECT user@host:port"). Code that talks to the
** server through conn.c is journaled without doing anything; code that sends something
** another way calls mopitr_journal_record() itself.
**
** Columns:
**     seq            1, 2, ... for the life of the SQLite connection (gaps: dropped)
**     time_utc       when it was sent, 'YYYY-MM-DD HH:MM:SS.mmm' UTC
**     connection     the mo_connect() name
**     statement      the text sent ("CONNECT user@host:port" for a login)
**     duration_ms    from sending to the last row or the reply (REAL)
**     rows           rows returned (a read) or affected (a write); NULL after an error
**     error_number   the server's or libmariadb's error number, NULL on success
**     error_message  its message, NULL on success
** Never a secret: statements are PITR statements and logins are written without the
** password; messages are the server's or libmariadb's, which never echo one.
**
** How it works: a ring of entries (default MOPITR_JOURNAL_DEFAULT); a full ring drops
** its oldest entry. The table is a snapshot table (snaptab.c): each scan copies the
** entries, so it is stable while the journal moves (reading mo_pitr_journal sends
** nothing, so it adds nothing either).
*/
#include <string.h>
#include <time.h>

#include "mo_pitr_int.h"

typedef struct journal_entry {
    sqlite3_int64 iSeq;
    sqlite3_int64 iTimeMs; /* Unix time in ms, UTC */
    double msDuration;
    sqlite3_int64 nRows; /* -1: NULL */
    unsigned merr;
    char *zConn; /* the three texts share one allocation, at zConn */
    char *zSql;
    char *zMsg; /* NULL on success */
} journal_entry;

struct mopitr_journal {
    int nRef;
    journal_entry *aEntry;   /* ring of nSize */
    int nSize, nUsed, iHead; /* iHead: the oldest entry */
    sqlite3_int64 iSeq;      /* the last seq given */
};

/* Free what one entry owns and zero it. */
static void journal_entry_clear(journal_entry *e)
{
    sqlite3_free(e->zConn);
    memset(e, 0, sizeof(*e));
}

/* See the header. */
mopitr_journal *mopitr_journal_new(void)
{
    mopitr_journal *j = sqlite3_malloc64(sizeof(*j));
    if (j == NULL)
        return NULL;
    memset(j, 0, sizeof(*j));
    j->nRef = 1;
    if (mopitr_journal_resize(j, MOPITR_JOURNAL_DEFAULT) != SQLITE_OK) {
        sqlite3_free(j);
        return NULL;
    }
    return j;
}

/* See the header. */
void mopitr_journal_ref(mopitr_journal *j)
{
    if (j)
        j->nRef++;
}

/* See the header. */
void mopitr_journal_unref(void *pArg)
{
    mopitr_journal *j = pArg;
    int i;
    if (j == NULL || --j->nRef > 0)
        return;
    for (i = 0; i < j->nSize; i++)
        journal_entry_clear(&j->aEntry[i]);
    sqlite3_free(j->aEntry);
    sqlite3_free(j);
}

/* See the header. */
int mopitr_journal_resize(mopitr_journal *j, int nSize)
{
    journal_entry *aNew = NULL;
    int i, nKeep = j->nUsed < nSize ? j->nUsed : nSize;
    if (nSize > 0) {
        aNew = sqlite3_malloc64(sizeof(journal_entry) * (size_t)nSize);
        if (aNew == NULL)
            return SQLITE_NOMEM;
        memset(aNew, 0, sizeof(journal_entry) * (size_t)nSize);
    }
    /* Keep the newest nKeep entries, oldest first; free the rest. */
    for (i = 0; i < j->nUsed; i++) {
        journal_entry *e = &j->aEntry[(j->iHead + i) % j->nSize];
        int iNew = i - (j->nUsed - nKeep);
        if (iNew >= 0) {
            aNew[iNew] = *e;
            memset(e, 0, sizeof(*e));
        } else {
            journal_entry_clear(e);
        }
    }
    sqlite3_free(j->aEntry);
    j->aEntry = aNew;
    j->nSize = nSize;
    j->nUsed = nKeep;
    j->iHead = 0;
    return SQLITE_OK;
}

/* See the header. */
int mopitr_journal_size(const mopitr_journal *j)
{
    return j->nSize;
}

/* Now, as Unix time in ms (UTC). */
static sqlite3_int64 journal_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sqlite3_int64)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* See the header. */
sqlite3_int64 mopitr_journal_clock_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (sqlite3_int64)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* See the header. */
void mopitr_journal_record(mopitr_journal *j, const char *zConn, const char *zSql,
                           sqlite3_int64 iStartUs, sqlite3_int64 nRows, unsigned merr,
                           const char *zMsg)
{
    sqlite3_int64 iNowUs = mopitr_journal_clock_us();
    journal_entry *e;
    if (j == NULL || j->nSize == 0)
        return;
    if (j->nUsed == j->nSize) {
        e = &j->aEntry[j->iHead]; /* full: drop the oldest */
        journal_entry_clear(e);
        j->iHead = (j->iHead + 1) % j->nSize;
    } else {
        e = &j->aEntry[(j->iHead + j->nUsed) % j->nSize];
        j->nUsed++;
    }
    e->iSeq = ++j->iSeq;
    e->msDuration = iStartUs > 0 && iNowUs >= iStartUs ? (double)(iNowUs - iStartUs) / 1000.0 : 0;
    e->iTimeMs = journal_now_ms() - (sqlite3_int64)e->msDuration;
    e->nRows = merr || zMsg ? -1 : nRows;
    e->merr = merr;
    /* One allocation for the three texts. Out of memory: the entry stays, texts NULL. */
    {
        size_t nConn = strlen(zConn ? zConn : ""), nSql = strlen(zSql ? zSql : "");
        size_t nMsg = zMsg ? strlen(zMsg) : 0;
        char *z = sqlite3_malloc64(nConn + nSql + nMsg + 3);
        if (z == NULL)
            return;
        e->zConn = z;
        memcpy(z, zConn ? zConn : "", nConn + 1);
        e->zSql = z + nConn + 1;
        memcpy(e->zSql, zSql ? zSql : "", nSql + 1);
        if (zMsg) {
            e->zMsg = e->zSql + nSql + 1;
            memcpy(e->zMsg, zMsg, nMsg + 1);
        }
    }
}

/* ---- the mo_pitr_journal table (snaptab.c) ----------------------------- */

/* The entry's time as 'YYYY-MM-DD HH:MM:SS.mmm' (UTC) into aBuf (32 bytes). */
static void journal_format_time(sqlite3_int64 iMs, char *aBuf)
{
    time_t t = (time_t)(iMs / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    sqlite3_snprintf(32, aBuf, "%04d-%02d-%02d %02d:%02d:%02d.%03d", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     (int)(iMs % 1000));
}

/* The table's rows: the entries, oldest first. */
static int journal_fill(void *pAux, mopitr_snap *s)
{
    const mopitr_journal *j = pAux;
    char aTime[32];
    int i;
    for (i = 0; i < j->nUsed; i++) {
        const journal_entry *e = &j->aEntry[(j->iHead + i) % j->nSize];
        journal_format_time(e->iTimeMs, aTime);
        mopitr_snap_int(s, e->iSeq);
        mopitr_snap_text(s, aTime);
        mopitr_snap_text(s, e->zConn);
        mopitr_snap_text(s, e->zSql);
        mopitr_snap_real(s, e->msDuration);
        if (e->nRows >= 0)
            mopitr_snap_int(s, e->nRows);
        else
            mopitr_snap_null(s);
        if (e->merr || e->zMsg)
            mopitr_snap_int(s, (sqlite3_int64)e->merr);
        else
            mopitr_snap_null(s);
        mopitr_snap_text(s, e->zMsg);
    }
    return SQLITE_OK;
}

/* SQL function mo_pitr_journal_size([n]): the ring's size, set to n first. */
static void journal_size_func(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    mopitr_journal *j = sqlite3_user_data(ctx);
    if (argc == 1) {
        sqlite3_int64 n = sqlite3_value_int64(argv[0]);
        char *zErr;
        if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER || n < 0 || n > MOPITR_JOURNAL_MAX) {
            zErr = mopitr_errf(
                "mo_pitr_journal_size() takes an integer from 0 to %d, got '%s'",
                MOPITR_JOURNAL_MAX,
                sqlite3_value_text(argv[0]) ? (const char *)sqlite3_value_text(argv[0]) : "NULL");
            if (zErr)
                sqlite3_result_error(ctx, zErr, -1);
            else
                sqlite3_result_error_nomem(ctx);
            sqlite3_free(zErr);
            return;
        }
        if (mopitr_journal_resize(j, (int)n) != SQLITE_OK) {
            sqlite3_result_error_nomem(ctx);
            return;
        }
    }
    sqlite3_result_int(ctx, j->nSize);
}

/* See the header. */
int mopitr_journal_register(sqlite3 *db, mopitr_journal *j)
{
    int rc, i;
    for (i = 0, rc = SQLITE_OK; rc == SQLITE_OK && i < 2; i++) {
        mopitr_journal_ref(j); /* dropped by the destructor, also on failure */
        rc = sqlite3_create_function_v2(db, "mo_pitr_journal_size", i,
                                        SQLITE_UTF8 | SQLITE_DIRECTONLY, j, journal_size_func, NULL,
                                        NULL, mopitr_journal_unref);
    }
    if (rc == SQLITE_OK) {
        mopitr_journal_ref(j);
        rc = mopitr_snap_register(db, "mo_pitr_journal",
                                  "CREATE TABLE x(seq INTEGER, time_utc TEXT, connection TEXT, "
                                  "statement TEXT, duration_ms REAL, rows INTEGER, "
                                  "error_number INTEGER, error_message TEXT)",
                                  8, journal_fill, j, mopitr_journal_unref);
    }
    return rc;
}
