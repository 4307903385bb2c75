/*
** conn_result.c: streaming a SHOW PITR result of a mopitr_conn (live).
**
** The reading half of the connection: a mopitr_result is one SHOW PITR read with
** mysql_use_result(), row by row, each row checked and decoded (value.c) as it
** arrives. conn.c keeps the handle (connect, reconnect, errors, writes); this file
** only reads through it.
**
** Usage:
**     mopitr_result *r; mopitr_row row = {0};
**     mopitr_conn_query(c, "SHOW PITR", &r, &zErr);
**     while( mopitr_result_next(r, &row, &zErr)==SQLITE_ROW ){ ... row.az[...] ... }
**     mopitr_result_free(r); mopitr_row_clear(&row);
**     mopitr_conn_fetch_sql(c, "SHOW PITR", &aRow, &nRow, &zErr);   -- all rows in one array
**
** How it works:
**   - A live row is decoded into the caller's previous row block (one allocation per
**     scan). A field longer than CONN_MAX_FIELD, or any row a real MatrixOne could not
**     send, ends the scan with an error and closes the handle (the rest of the stream
**     is not trusted).
**   - One stream at a time per handle: before any other command conn.c calls
**     mopitr_result_spill(), which reads the stream's remaining rows into the result's
**     memory; the result then serves them from there, then the error met while
**     spilling, if any.
**   - A lost connection before the first row is retried once on a fresh connection
**     (not after a timeout or an interrupt).
**   - mopitr_result_free() does not drain an unfinished stream: what arrives within
**     CONN_DRAIN_BUDGET_MS is read away, else the handle is closed (reconnects later).
**   - Every send is journaled once (mopitr_result_journal, journal.c): at its end, with
**     the rows read, or with its error; a read retried on a fresh connection is two
**     entries.
**   - Waits (conn_wait.c): the stream's wait context r->wait is set up once and
**     attached to the socket while the stream is live, so mopitr_result_next installs
**     nothing per row. It is detached (result_detach) before anything else reads the
**     socket or closes it: spilling, freeing, the end of the stream, a drop.
*/
#include <string.h>

#include <mysql.h>
#include <errmsg.h>

#define MOPITR_CONN_INTERNALS /* struct mopitr_conn, shared with conn.c */
#include "mo_pitr_int.h"

/* The longest value a SHOW PITR field may have: names are at most 64 characters and
** times 19, so anything near this is a broken or hostile server. */
#define CONN_MAX_FIELD 4096

/* Decode the current row of pRes (mopitr_row_decode, or _reuse when bReuse), first
** refusing a field longer than CONN_MAX_FIELD bytes. SQLITE_OK or SQLITE_ERROR with *pzErr. */
static int conn_row_decode(mopitr_row *pRow, MYSQL_RES *pRes, MYSQL_ROW azRow, int bReuse,
                           char **pzErr)
{
    static const char *const azCol[MOPITR_SHOW_NCOL] = {
        "PITR_NAME",     "CREATED_TIME", "MODIFIED_TIME", "PITR_LEVEL", "ACCOUNT_NAME",
        "DATABASE_NAME", "TABLE_NAME",   "PITR_LENGTH",   "PITR_UNIT"};
    unsigned i, n = mysql_num_fields(pRes);
    unsigned long *aLen = mysql_fetch_lengths(pRes);

    for (i = 0; aLen && i < n; i++) {
        if (aLen[i] > CONN_MAX_FIELD) {
            *pzErr =
                mopitr_errf("server sent a %s value of %lu bytes (at most %d expected)",
                            i < MOPITR_SHOW_NCOL ? azCol[i] : "SHOW PITR", aLen[i], CONN_MAX_FIELD);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
    }
    if (bReuse)
        return mopitr_row_decode_reuse(pRow, (const char *const *)azRow, aLen, n, pzErr);
    return mopitr_row_decode(pRow, (const char *const *)azRow, aLen, n, pzErr);
}

/* Stop routing the waits of r's socket to r->wait (see the manual). */
static void result_detach(mopitr_result *r)
{
    if (r->fdWait >= 0) {
        mopitr_wait_detach(&r->wait, r->fdWait);
        r->fdWait = -1;
    }
}

/* Detach r's wait context and close its handle (the stream is abandoned). */
static void result_drop(mopitr_result *r)
{
    result_detach(r);
    mopitr_conn_drop(r->pConn);
}

/* Read the rest of r's stream into r->aSpill so the handle is free again. An error on
** the way is kept in r and reported after the rows read before it. The reads wait
** under the caller's context (the command that needs the handle). */
void mopitr_result_spill(mopitr_result *r)
{
    mopitr_conn *p = r->pConn;
    result_detach(r);
    while (r->pRes) {
        MYSQL_ROW azRow = mysql_fetch_row(r->pRes);
        if (azRow == NULL) {
            unsigned merr = mysql_errno(p->m);
            mopitr_result_journal(r, merr, merr ? mysql_error(p->m) : NULL);
            if (merr && mopitr_conn_is_lost(merr)) {
                mopitr_wait w0;
                const mopitr_wait *w = mopitr_wait_current();
                if (w == NULL) {
                    memset(&w0, 0, sizeof(w0));
                    w = &w0;
                }
                r->zSpillErr =
                    mopitr_conn_lost_errf(p, w, merr, mysql_error(p->m), NULL, &r->rcSpill);
                mopitr_conn_drop(p); /* frees r->pRes and clears p->pStream */
                break;
            }
            if (merr) {
                r->zSpillErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
                r->rcSpill = r->zSpillErr ? SQLITE_ERROR : SQLITE_NOMEM;
            }
            mysql_free_result(r->pRes);
            r->pRes = NULL;
            p->pStream = NULL;
            mopitr_conn_read_status(p);
            break;
        }
        if (r->nSpill == r->nSpillAlloc) {
            int nNew = r->nSpillAlloc ? r->nSpillAlloc * 2 : 16;
            mopitr_row *aNew = sqlite3_realloc64(r->aSpill, sizeof(mopitr_row) * (size_t)nNew);
            if (aNew == NULL) {
                r->rcSpill = SQLITE_NOMEM;
                mopitr_conn_drop(p);
                break;
            }
            r->aSpill = aNew;
            r->nSpillAlloc = nNew;
        }
        memset(&r->aSpill[r->nSpill], 0, sizeof(mopitr_row));
        {
            char *zErr = NULL;
            int rc = conn_row_decode(&r->aSpill[r->nSpill], r->pRes, azRow, 0, &zErr);
            if (rc != SQLITE_OK) {
                mopitr_row_clear(&r->aSpill[r->nSpill]);
                mopitr_result_journal(r, 0, zErr ? mopitr_err_body(zErr) : "out of memory");
                r->rcSpill = rc;
                r->zSpillErr = zErr;
                /* A row no MatrixOne could send: do not read on, close. */
                mopitr_conn_drop(p);
                break;
            }
        }
        r->nSpill++;
    }
}

/* Send r->zSql on r->pConn and open the stream, retrying once on a fresh connection
** when a connection that was already open turns out to be lost (not after a timeout
** or an interrupt: a slow server would only be asked twice). */
static int result_send(mopitr_result *r, mopitr_wait *w, char **pzErr)
{
    mopitr_conn *p = r->pConn;
    int rc, bFresh;
    unsigned merr;

again:
    rc = mopitr_conn_ready(p, &bFresh, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    r->iStartUs = mopitr_journal_clock_us();
    r->bJournaled = 0;
    if (mysql_real_query(p->m, r->zSql, (unsigned long)strlen(r->zSql)) == 0) {
        r->pRes = mysql_use_result(p->m);
        if (r->pRes) {
            int fd = (int)mysql_get_socket(p->m);
            p->pStream = r;
            r->fdWait = mopitr_wait_attach(&r->wait, fd) ? fd : -1;
            return SQLITE_OK;
        }
        if (mysql_errno(p->m) == 0) {
            mopitr_result_journal(r, 0, "the server answered without a result set");
            *pzErr = mopitr_errf("the server answered \"%s\" without a result set", r->zSql);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
    }
    merr = mysql_errno(p->m);
    mopitr_result_journal(r, merr, mysql_error(p->m));
    if (!mopitr_conn_is_lost(merr)) {
        *pzErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (!bFresh && !r->bRetried && mopitr_conn_is_retryable(merr) && !w->bInterrupted &&
        !w->bTimedOut) {
        mopitr_conn_drop(p);
        r->bRetried = 1;
        goto again;
    }
    *pzErr = mopitr_conn_lost_errf(p, w, merr, mysql_error(p->m), NULL, &rc);
    mopitr_conn_drop(p);
    return rc;
}

/* Send a SHOW PITR and open its stream (one retry if the connection was lost). */
int mopitr_conn_query(mopitr_conn *p, const char *zSql, mopitr_result **ppOut, char **pzErr)
{
    int rc = SQLITE_OK;
    mopitr_result *r;
    mopitr_wait *w, *pPrev;

    *ppOut = NULL;
    r = sqlite3_malloc64(sizeof(*r));
    if (r == NULL)
        return SQLITE_NOMEM;
    memset(r, 0, sizeof(*r));
    r->pConn = p;
    r->fdWait = -1;
    mopitr_conn_ref(p);
    /* The stream's context, for its whole life; installed for the send. */
    w = &r->wait;
    mopitr_wait_init(w, p->db, -1);
    pPrev = mopitr_wait_swap(w);
    r->zSql = sqlite3_mprintf("%s", zSql);
    if (r->zSql == NULL)
        rc = SQLITE_NOMEM;
    if (rc != SQLITE_OK)
        goto out;
    rc = result_send(r, w, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    *ppOut = r;
    r = NULL;
out:
    mopitr_wait_restore(pPrev, w); /* w lives in *ppOut or r */
    mopitr_result_free(r);
    return rc;
}

/* Serve the next row of a spilled (or finished) stream from memory, then the spill's
** error. SQLITE_ROW, SQLITE_DONE or the error with *pzErr. */
static int result_next_spilled(mopitr_result *r, mopitr_row *pRow, char **pzErr)
{
    int rc;
    if (r->iSpill < r->nSpill) {
        *pRow = r->aSpill[r->iSpill];
        memset(&r->aSpill[r->iSpill], 0, sizeof(mopitr_row));
        r->iSpill++;
        r->nDelivered++;
        return SQLITE_ROW;
    }
    if (r->rcSpill != SQLITE_OK) {
        rc = r->rcSpill;
        *pzErr = r->zSpillErr;
        r->zSpillErr = NULL;
        r->rcSpill = SQLITE_OK;
        return rc;
    }
    return SQLITE_DONE;
}

/* Next row of a live stream (see mopitr_result_next), within the wait context w. */
static int result_next_live(mopitr_result *r, mopitr_wait *w, mopitr_row *pRow, char **pzErr)
{
    mopitr_conn *p = r->pConn;
    int rc;

    for (;;) {
        MYSQL_ROW azRow = mysql_fetch_row(r->pRes);
        unsigned merr;
        if (azRow) {
            rc = conn_row_decode(pRow, r->pRes, azRow, 1, pzErr);
            if (rc != SQLITE_OK) {
                /* A row no MatrixOne could send: the rest of the stream is not
                ** trusted either. Abandon it without reading on. */
                mopitr_result_journal(r, 0, *pzErr ? mopitr_err_body(*pzErr) : "out of memory");
                result_drop(r);
                return rc;
            }
            r->nDelivered++;
            return SQLITE_ROW;
        }
        result_detach(r);
        merr = mysql_errno(p->m);
        mopitr_result_journal(r, merr, merr ? mysql_error(p->m) : NULL);
        if (merr == 0) {
            mysql_free_result(r->pRes);
            r->pRes = NULL;
            p->pStream = NULL;
            mopitr_conn_read_status(p);
            return SQLITE_DONE;
        }
        if (!mopitr_conn_is_lost(merr)) {
            *pzErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
            mysql_free_result(r->pRes);
            r->pRes = NULL;
            p->pStream = NULL;
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        if (r->nDelivered == 0 && !r->bRetried && mopitr_conn_is_retryable(merr) &&
            !w->bInterrupted && !w->bTimedOut) {
            mopitr_wait *pPrev;
            mopitr_conn_drop(p); /* frees r->pRes */
            r->bRetried = 1;
            /* Reconnect and resend under w (no socket to attach it to yet). */
            pPrev = mopitr_wait_swap(w);
            rc = result_send(r, w, pzErr);
            mopitr_wait_restore(pPrev, w);
            if (rc != SQLITE_OK)
                return rc;
            continue;
        }
        *pzErr = mopitr_conn_lost_errf(p, w, merr, mysql_error(p->m), NULL, &rc);
        mopitr_conn_drop(p); /* frees r->pRes */
        return rc;
    }
}

/* Next decoded row: SQLITE_ROW, SQLITE_DONE or an error with *pzErr. */
int mopitr_result_next(mopitr_result *r, mopitr_row *pRow, char **pzErr)
{
    mopitr_wait *pPrev = NULL;
    int rc, bInstall;

    if (r->pRes == NULL) {
        mopitr_row_clear(pRow);
        return result_next_spilled(r, pRow, pzErr);
    }
    /* A live row is decoded into pRow's previous block (one allocation per scan). Its
    ** waits find r->wait through the socket; only a socket without a slot needs the
    ** context installed per call. */
    bInstall = r->fdWait < 0;
    if (bInstall)
        pPrev = mopitr_wait_swap(&r->wait);
    rc = result_next_live(r, &r->wait, pRow, pzErr);
    if (bInstall)
        mopitr_wait_restore(pPrev, &r->wait);
    else if (r->wait.pProbe)
        mopitr_wait_idle(&r->wait);
    if (rc != SQLITE_ROW)
        mopitr_row_clear(pRow);
    return rc;
}

/*
** Free a result; drops its connection reference. An unfinished stream is not drained
** from the network: what arrives within CONN_DRAIN_BUDGET_MS of waiting in all is read
** away; if more would have to be waited for, the handle is closed instead and the next
** command reconnects (notes B5: mysql_free_result would block until the server sent
** everything, the full read timeout for a stalled server).
*/
#define CONN_DRAIN_BUDGET_MS 50

void mopitr_result_free(mopitr_result *r)
{
    int i;
    if (r == NULL)
        return;
    result_detach(r);
    if (r->pRes) {
        mopitr_conn *p = r->pConn;
        mopitr_wait w;
        mopitr_result_journal(r, 0, NULL); /* abandoned: the rows delivered so far */
        /* A short budget: the end of a small result (its EOF) often arrives in a packet
        ** of its own just after the rows; closing for that would cost a reconnect. */
        mopitr_wait_begin(&w, NULL, CONN_DRAIN_BUDGET_MS);
        mysql_free_result(r->pRes);
        mopitr_wait_end(&w);
        r->pRes = NULL;
        if (p->pStream == r)
            p->pStream = NULL;
        if (w.bBudgetSpent || (p->m && mysql_errno(p->m) && mopitr_conn_is_lost(mysql_errno(p->m))))
            mopitr_conn_drop(p);
    }
    for (i = r->iSpill; i < r->nSpill; i++)
        mopitr_row_clear(&r->aSpill[i]);
    sqlite3_free(r->aSpill);
    sqlite3_free(r->zSpillErr);
    sqlite3_free(r->zSql);
    mopitr_conn_unref(r->pConn);
    sqlite3_free(r);
}

/* See the header: zShow on p, every row into one array. */
int mopitr_conn_fetch_sql(mopitr_conn *p, const char *zShow, mopitr_row **paRow, int *pnRow,
                          char **pzErr)
{
    mopitr_result *pRes = NULL;
    mopitr_row *aRow = NULL;
    int rc, nRow = 0, nAlloc = 0, i;

    *paRow = NULL;
    *pnRow = 0;
    rc = mopitr_conn_query(p, zShow, &pRes, pzErr);
    while (rc == SQLITE_OK) {
        if (nRow == nAlloc) {
            int nNew = nAlloc ? nAlloc * 2 : 64;
            mopitr_row *aNew = sqlite3_realloc64(aRow, sizeof(mopitr_row) * (size_t)nNew);
            if (aNew == NULL) {
                rc = SQLITE_NOMEM;
                break;
            }
            aRow = aNew;
            nAlloc = nNew;
        }
        memset(&aRow[nRow], 0, sizeof(mopitr_row));
        rc = mopitr_result_next(pRes, &aRow[nRow], pzErr);
        if (rc == SQLITE_ROW) {
            nRow++;
            rc = SQLITE_OK;
        } else if (rc == SQLITE_DONE) {
            rc = SQLITE_OK;
            break;
        }
    }
    mopitr_result_free(pRes);
    if (rc != SQLITE_OK) {
        for (i = 0; i < nRow; i++)
            mopitr_row_clear(&aRow[i]);
        sqlite3_free(aRow);
        return rc;
    }
    *paRow = aRow;
    *pnRow = nRow;
    return SQLITE_OK;
}
