/*
** conn_fanout.c: one SHOW PITR sent to several connections at once, the rows streamed as
** they arrive (issue 16; the mo_pitr_all table, vtab_all.c, reads through it).
**
** Usage:
**     mopitr_fanout *f;  mopitr_row row = {0};  int i;  const char *zFail;
**     mopitr_fanout_start(db, apConn, azName, n, args.aArg, args.nArg, bReport, &f, &zErr);
**     while ((rc = mopitr_fanout_next(f, &row, &i, &zFail, &zErr)) == SQLITE_ROW) {
**         ... a row of connection azName[i]; or, in report mode with zFail != NULL, the
**             reason connection i failed (its other rows may have come before) ...
**     }
**     mopitr_fanout_free(f);  mopitr_row_clear(&row);
**
** How it works:
**   - Handles. The fan-out reads through a second mopitr_conn of each connection
**     (mopitr_conn.pFanout), opened from the same DSN and password the first time a
**     fan-out reads that connection and kept for the next ones. Its statements stay
**     suspended inside libmariadb between rows; had they used the connection's own
**     handle, any other read of that connection in the meantime (a join with
**     mo_pitr('prod'), another statement stepped in between) would have to finish them
**     first. The second handle is closed with the connection (mo_disconnect,
**     replacement, the database connection closing); a fan-out still running keeps its
**     own reference and closes it when it ends. It does not show in mo_connections.
**     Opening it is the blocking mopitr_conn_open, one connection after the other; a
**     handle lost since is reconnected the same way (mopitr_conn_ready).
**   - Non-blocking reads. The handle gets MYSQL_OPT_NONBLOCK; each connection runs
**     mysql_real_query_start, mysql_use_result, then mysql_fetch_row_start per row, and
**     the _cont calls when poll() over all their sockets says one is ready. A row is
**     decoded (value.c) as soon as it arrives and handed out in turn with the other
**     connections' rows (round robin), so the slowest server sets the pace, not the
**     sum of them.
**   - Timeouts and interrupts, as for one connection (conn_wait.c): every wait of a
**     connection is bounded by the timeout libmariadb gives for it (the DSN's
**     read_timeout or write_timeout); poll() waits in slices of CONN_WAIT_SLICE_MS and
**     asks mopitr_wait_interrupted() between them. A timeout fails that connection
**     ("no answer from X within N s (read_timeout)"); an interrupt fails the scan
**     (SQLITE_INTERRUPT). Either way the suspended call is ended by handing libmariadb a
**     timeout, and the handle is closed (the next scan reconnects).
**   - Failures. A lost connection before its first row is retried once on a fresh
**     connection (not after a timeout), as mopitr_conn_query does. Otherwise the
**     failure ends that connection: by default mopitr_fanout_next returns it as the
**     scan's error, "mo_pitr: connection 'NAME': <reason>"; in report mode it comes as
**     one more row whose zFail is the reason, and the other connections go on.
**   - Ending early (LIMIT, an error, the statement reset): a suspended call is ended as
**     above and the handle closed; a stream between two rows is drained for at most
**     FANOUT_DRAIN_BUDGET_MS in all (mopitr_wait budget), else its handle is closed.
**   - The journal: every statement sent ends in fanout_journal() (see there).
*/
#include <poll.h>
#include <string.h>
#include <time.h>

#include <mysql.h>
#include <errmsg.h>

#define MOPITR_CONN_INTERNALS /* struct mopitr_conn: the fan-out's own handle */
#include "mo_pitr_int.h"

/* The longest SHOW PITR value accepted (as conn_result.c: names are at most 64 characters,
** times 19; more is a broken or hostile server). */
#define FANOUT_MAX_FIELD 4096

/* What a fan-out that ends early may wait, in all, to read away unfinished streams. */
#define FANOUT_DRAIN_BUDGET_MS 50

/* States of one connection in a fan-out. */
#define FO_QUERY    0 /* mysql_real_query in flight */
#define FO_FETCH    1 /* streaming: a fetch in flight, or a decoded row waiting in `row` */
#define FO_DONE     2 /* every row read */
#define FO_FAILED   3 /* failed: zFail holds why; not reported yet (report mode) */
#define FO_REPORTED 4 /* failed and reported */

typedef struct fanout_one {
    mopitr_conn *pConn;     /* the fan-out's own handle: one reference; NULL if it failed */
    char *zName;            /* the connection's name */
    char *zSql;             /* the statement sent */
    MYSQL_RES *pRes;        /* the stream (FO_FETCH) */
    int eState;             /* FO_* */
    int status;             /* wait flags of the suspended libmariadb call; 0: none in flight */
    long long tWait;        /* when the current wait began (ms, monotonic) */
    int msTimeout;          /* its limit, -1 for none */
    sqlite3_int64 iStartUs; /* when the statement was sent (mopitr_journal_clock_us) */
    sqlite3_int64 nRow;     /* rows decoded */
    int bRetried;           /* the one retry after a lost connection was used */
    int bHasRow;            /* `row` holds a decoded row not handed out yet */
    mopitr_row row;
    char *zFail; /* why it failed, without the "mo_pitr: " prefix */
    int rcFail;  /* ... and the code (SQLITE_ERROR, SQLITE_NOMEM) */
} fanout_one;

struct mopitr_fanout {
    sqlite3 *db; /* interrupts */
    fanout_one *a;
    int n;
    int iNext;        /* where the round robin looks for the next row */
    int bReport;      /* a failed connection is a row, not the scan's error */
    long long tCheck; /* the last interrupt check (ms) */
};

/* Milliseconds of a monotonic clock. */
static long long fanout_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Journal the end of o's statement (zError NULL: success; without the "mo_pitr: "
** prefix): the fan-out's statements appear in mo_pitr_journal like every other one, under
** the connection's name, with the rows decoded. */
static void fanout_end_journal(fanout_one *o, const char *zError)
{
    if (o->zSql && o->pConn)
        mopitr_journal_record(o->pConn->pJournal, o->zName, o->zSql, o->iStartUs,
                              zError ? -1 : o->nRow, 0, zError);
}

/*
** The fan-out handle of pConn, made on first use (see the manual), with one reference
** for the caller in *ppOut. SQLITE_OK or an error with *pzErr.
*/
static int fanout_handle(mopitr_conn *pConn, mopitr_conn **ppOut, char **pzErr)
{
    mopitr_dsn dsn;
    int rc;

    *ppOut = NULL;
    if (pConn->bClosed) {
        *pzErr = mopitr_errf("the connection to %s was closed", pConn->zDescribe);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (pConn->pFanout == NULL) {
        rc = mopitr_dsn_copy(&dsn, &pConn->dsn);
        if (rc != SQLITE_OK)
            return rc;
        if (pConn->zPassword) {
            /* The password the connection logged in with (DSN or MO_PASSWORD then). */
            dsn.password = sqlite3_mprintf("%s", pConn->zPassword);
            if (dsn.password == NULL) {
                mopitr_dsn_clear(&dsn);
                return SQLITE_NOMEM;
            }
        }
        /* Journaled under the connection's name; interruptible like the connection. */
        rc = mopitr_conn_new(&pConn->pFanout, &dsn); /* takes over dsn */
        if (rc == SQLITE_OK)
            rc = mopitr_conn_set_journal(pConn->pFanout, pConn->pJournal, pConn->zName);
        if (rc == SQLITE_OK) {
            mopitr_conn_set_db(pConn->pFanout, pConn->db);
            rc = mopitr_conn_connect(pConn->pFanout, pzErr);
        }
        if (rc != SQLITE_OK) {
            mopitr_conn_unref(pConn->pFanout);
            pConn->pFanout = NULL;
            return rc;
        }
    }
    mopitr_conn_ref(pConn->pFanout);
    *ppOut = pConn->pFanout;
    return SQLITE_OK;
}

/* Record that o failed with zMsg (a full "mo_pitr: ..." message, owned; NULL: out of
** memory). Its stream is gone by now. */
static void fanout_fail(fanout_one *o, char *zMsg, int rc)
{
    sqlite3_free(o->zFail);
    o->zFail = zMsg ? sqlite3_mprintf("%s", mopitr_err_body(zMsg)) : NULL;
    o->rcFail = o->zFail ? (rc == SQLITE_NOMEM ? SQLITE_NOMEM : SQLITE_ERROR) : SQLITE_NOMEM;
    sqlite3_free(zMsg);
    o->eState = FO_FAILED;
    o->status = 0;
    o->bHasRow = 0;
    fanout_end_journal(o, o->zFail ? o->zFail : "out of memory");
}

/* Close o's handle; an open stream is abandoned, not drained. */
static void fanout_drop(fanout_one *o)
{
    MYSQL_RES *pRes = o->pRes;
    o->pRes = NULL;
    if (pRes)
        pRes->handle = NULL; /* mysql_free_result must not read through the handle */
    if (o->pConn)
        mopitr_conn_drop(o->pConn);
    mysql_free_result(pRes);
}

static int fanout_send(fanout_one *o, mopitr_wait *w);

/*
** o's libmariadb call ended with error merr (zMsg: libmariadb's text). A server error
** leaves the handle usable; a lost handle is closed, and before the first row (not after
** an interrupt seen in w) the statement is sent once more on a fresh connection.
** (Timeouts do not come here: fanout_timed_out ends those calls itself.)
*/
static void fanout_error(fanout_one *o, mopitr_wait *w, unsigned merr, const char *zMsg)
{
    char *zErr;
    int rc = SQLITE_ERROR;

    if (!mopitr_conn_is_lost(merr)) {
        zErr = mopitr_server_errf(merr, zMsg, NULL);
        if (o->pRes) {
            mysql_free_result(o->pRes); /* the error ended the stream: nothing to read */
            o->pRes = NULL;
        }
        mopitr_conn_read_status(o->pConn);
        fanout_fail(o, zErr, rc);
        return;
    }
    if (o->nRow == 0 && !o->bRetried && mopitr_conn_is_retryable(merr) && !w->bTimedOut &&
        !w->bInterrupted) {
        fanout_drop(o);
        o->bRetried = 1;
        (void)fanout_send(o, w);
        return;
    }
    zErr = mopitr_conn_lost_errf(o->pConn, w, merr, zMsg, NULL, &rc);
    fanout_drop(o);
    fanout_fail(o, zErr, rc);
}

/* The stream of o ended (fetch gave no row): done, or an error. */
static void fanout_stream_end(fanout_one *o, mopitr_wait *w)
{
    MYSQL *m = o->pConn->m;
    unsigned merr = mysql_errno(m);
    if (merr) {
        char zMsg[512];
        sqlite3_snprintf((int)sizeof(zMsg), zMsg, "%s", mysql_error(m));
        fanout_error(o, w, merr, zMsg);
        return;
    }
    mysql_free_result(o->pRes); /* every row was read: nothing left on the wire */
    o->pRes = NULL;
    mopitr_conn_read_status(o->pConn);
    o->eState = FO_DONE;
    fanout_end_journal(o, NULL);
}

/* Decode row azRow of o's stream into o->row (one allocation reused for the scan). */
static void fanout_decode(fanout_one *o, MYSQL_ROW azRow)
{
    unsigned i, nField = mysql_num_fields(o->pRes);
    unsigned long *aLen = mysql_fetch_lengths(o->pRes);
    char *zErr = NULL;
    int rc = SQLITE_OK;

    for (i = 0; aLen && i < nField && rc == SQLITE_OK; i++) {
        if (aLen[i] > FANOUT_MAX_FIELD) {
            zErr = mopitr_errf("server sent a SHOW PITR value of %lu bytes (at most %d expected)",
                               aLen[i], FANOUT_MAX_FIELD);
            rc = SQLITE_ERROR;
        }
    }
    if (rc == SQLITE_OK)
        rc = mopitr_row_decode_reuse(&o->row, (const char *const *)azRow, aLen, nField, &zErr);
    if (rc == SQLITE_OK) {
        o->nRow++;
        o->bHasRow = 1;
        return;
    }
    /* A row no MatrixOne could send: the rest of the stream is not trusted either. */
    fanout_drop(o);
    fanout_fail(o, zErr, rc);
}

/* Note that o's call is suspended with wait flags st (0: it completed). */
static void fanout_suspended(fanout_one *o, int st)
{
    o->status = st;
    if (st) {
        o->tWait = fanout_now_ms();
        o->msTimeout =
            (st & MYSQL_WAIT_TIMEOUT) ? (int)mysql_get_timeout_value_ms(o->pConn->m) : -1;
    }
}

/* Start the next fetch of o's stream; a row already buffered is decoded at once. */
static void fanout_fetch(fanout_one *o, mopitr_wait *w)
{
    MYSQL_ROW azRow = NULL;
    int st = mysql_fetch_row_start(&azRow, o->pRes);
    fanout_suspended(o, st);
    if (st)
        return;
    if (azRow)
        fanout_decode(o, azRow);
    else
        fanout_stream_end(o, w);
}

/* o's query completed (err: its result). Open the stream and fetch the first row. */
static void fanout_query_done(fanout_one *o, mopitr_wait *w, int err)
{
    MYSQL *m = o->pConn->m;
    char zMsg[512];

    if (err == 0) {
        o->pRes = mysql_use_result(m);
        if (o->pRes) {
            o->eState = FO_FETCH;
            fanout_fetch(o, w);
            return;
        }
        if (mysql_errno(m) == 0) {
            fanout_fail(o, mopitr_errf("the server answered \"%s\" without a result set", o->zSql),
                        SQLITE_ERROR);
            return;
        }
    }
    sqlite3_snprintf((int)sizeof(zMsg), zMsg, "%s", mysql_error(m));
    fanout_error(o, w, mysql_errno(m), zMsg);
}

/*
** Make sure o's handle is open (reconnecting if it was lost, blocking, within w), switch
** it to non-blocking and send o->zSql. Failures are recorded in o (fanout_fail).
** Returns SQLITE_INTERRUPT when the reconnect was interrupted, else SQLITE_OK.
*/
static int fanout_send(fanout_one *o, mopitr_wait *w)
{
    char *zErr = NULL;
    my_bool bNonblock = 0;
    int rc, bFresh, err = 0, st;

    rc = mopitr_conn_ready(o->pConn, &bFresh, &zErr);
    if (rc != SQLITE_OK) {
        fanout_fail(o, zErr, rc);
        return rc == SQLITE_INTERRUPT ? rc : SQLITE_OK;
    }
    if (mysql_get_optionv(o->pConn->m, MYSQL_OPT_NONBLOCK, &bNonblock) != 0 || !bNonblock) {
        if (mysql_optionsv(o->pConn->m, MYSQL_OPT_NONBLOCK, 0) != 0) {
            fanout_fail(o,
                        mopitr_errf("cannot read from %s without blocking: the client library "
                                    "refused MYSQL_OPT_NONBLOCK",
                                    o->pConn->zDescribe),
                        SQLITE_ERROR);
            return SQLITE_OK;
        }
    }
    o->eState = FO_QUERY;
    o->iStartUs = mopitr_journal_clock_us();
    st = mysql_real_query_start(&err, o->pConn->m, o->zSql, (unsigned long)strlen(o->zSql));
    fanout_suspended(o, st);
    if (st == 0)
        fanout_query_done(o, w, err);
    return SQLITE_OK;
}

/* Resume o's suspended call with the events ev (MYSQL_WAIT_*). */
static void fanout_resume(fanout_one *o, mopitr_wait *w, int ev)
{
    int st;
    if (o->eState == FO_QUERY) {
        int err = 0;
        st = mysql_real_query_cont(&err, o->pConn->m, ev);
        fanout_suspended(o, st);
        if (st == 0)
            fanout_query_done(o, w, err);
    } else {
        MYSQL_ROW azRow = NULL;
        st = mysql_fetch_row_cont(&azRow, o->pRes, ev);
        fanout_suspended(o, st);
        if (st == 0) {
            if (azRow)
                fanout_decode(o, azRow);
            else
                fanout_stream_end(o, w);
        }
    }
}

/* End o's suspended call by telling libmariadb its wait timed out (the call then fails
** with a lost connection), and close the handle. */
static void fanout_abort(fanout_one *o)
{
    int i;
    for (i = 0; o->status && i < 16; i++) {
        if (o->eState == FO_QUERY) {
            int err = 0;
            o->status = mysql_real_query_cont(&err, o->pConn->m, MYSQL_WAIT_TIMEOUT);
        } else {
            MYSQL_ROW azRow = NULL;
            o->status = mysql_fetch_row_cont(&azRow, o->pRes, MYSQL_WAIT_TIMEOUT);
        }
    }
    o->status = 0;
    fanout_drop(o);
}

/* Free one connection's part; a suspended call or an unfinished stream is ended (see
** the manual), within the drain budget w. */
static void fanout_one_clear(fanout_one *o)
{
    if (o->pConn && o->status) {
        fanout_abort(o);
    } else if (o->pConn && o->pRes) {
        /* Between two rows: read the rest away if it is already there. */
        mopitr_wait *w = mopitr_wait_current();
        mysql_free_result(o->pRes);
        o->pRes = NULL;
        if ((w && w->bBudgetSpent) || (o->pConn->m && mysql_errno(o->pConn->m) &&
                                       mopitr_conn_is_lost(mysql_errno(o->pConn->m))))
            mopitr_conn_drop(o->pConn);
    }
    if (o->eState == FO_QUERY || o->eState == FO_FETCH)
        fanout_end_journal(o, "not read to the end");
    mopitr_row_clear(&o->row);
    mopitr_conn_unref(o->pConn);
    sqlite3_free(o->zName);
    sqlite3_free(o->zSql);
    sqlite3_free(o->zFail);
    memset(o, 0, sizeof(*o));
}

/* See the header. */
void mopitr_fanout_free(mopitr_fanout *f)
{
    mopitr_wait w;
    int i;
    if (f == NULL)
        return;
    mopitr_wait_begin(&w, NULL, FANOUT_DRAIN_BUDGET_MS);
    for (i = 0; i < f->n; i++)
        fanout_one_clear(&f->a[i]);
    mopitr_wait_end(&w);
    sqlite3_free(f->a);
    sqlite3_free(f);
}

/*
** Start the fan-out: see the header. Each connection's failure to start (its handle
** cannot be opened, the statement is refused) is recorded as its failure, reported by
** mopitr_fanout_next. SQLITE_OK, SQLITE_NOMEM, or SQLITE_INTERRUPT with *pzErr.
*/
int mopitr_fanout_start(sqlite3 *db, mopitr_conn *const *apConn, const char *const *azName, int n,
                        const mopitr_arg *aArg, int nArg, int bReport, mopitr_fanout **ppOut,
                        char **pzErr)
{
    mopitr_fanout *f;
    mopitr_wait w;
    int i, rc = SQLITE_OK;

    *ppOut = NULL;
    f = sqlite3_malloc64(sizeof(*f));
    if (f == NULL)
        return SQLITE_NOMEM;
    memset(f, 0, sizeof(*f));
    f->db = db;
    f->bReport = bReport;
    f->a = sqlite3_malloc64(sizeof(fanout_one) * (size_t)(n > 0 ? n : 1));
    if (f->a == NULL) {
        sqlite3_free(f);
        return SQLITE_NOMEM;
    }
    memset(f->a, 0, sizeof(fanout_one) * (size_t)(n > 0 ? n : 1));
    f->n = n;
    mopitr_wait_begin(&w, db, -1);
    for (i = 0; rc == SQLITE_OK && i < n; i++) {
        fanout_one *o = &f->a[i];
        char *zErr = NULL;
        o->zName = sqlite3_mprintf("%s", azName[i]);
        if (o->zName == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        rc = fanout_handle(apConn[i], &o->pConn, &zErr);
        if (rc == SQLITE_NOMEM)
            break;
        if (rc != SQLITE_OK) {
            fanout_fail(o, zErr, rc);
            rc = SQLITE_OK;
            continue;
        }
        o->zSql = mopitr_plan_render(aArg, nArg, mopitr_conn_no_backslash_escapes(o->pConn));
        if (o->zSql == NULL) {
            rc = SQLITE_NOMEM;
            break;
        }
        rc = fanout_send(o, &w);
        if (rc == SQLITE_INTERRUPT) {
            *pzErr =
                mopitr_errf("connection '%s': %s", o->zName, o->zFail ? o->zFail : "interrupted");
            if (*pzErr == NULL)
                rc = SQLITE_NOMEM;
        }
    }
    mopitr_wait_end(&w);
    if (rc != SQLITE_OK) {
        mopitr_fanout_free(f);
        return rc;
    }
    *ppOut = f;
    return SQLITE_OK;
}

/* The scan's error for failed connection o: "mo_pitr: connection 'NAME': reason". */
static int fanout_fail_error(const fanout_one *o, char **pzErr)
{
    if (o->rcFail == SQLITE_NOMEM)
        return SQLITE_NOMEM;
    *pzErr = mopitr_errf("connection '%s': %s", o->zName, o->zFail);
    return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Interrupted: end every suspended call, close those handles, and make the scan's error
** naming the connections that were still waited for. */
static int fanout_interrupted(mopitr_fanout *f, char **pzErr)
{
    sqlite3_str *x = sqlite3_str_new(NULL);
    char *zList;
    int i, nWait = 0;
    for (i = 0; i < f->n; i++) {
        fanout_one *o = &f->a[i];
        if (!o->status)
            continue;
        sqlite3_str_appendf(x, "%s'%s'", nWait ? ", " : "", o->zName);
        nWait++;
        fanout_abort(o);
        fanout_fail(o, mopitr_errf("interrupted"), SQLITE_ERROR);
        o->eState = FO_REPORTED;
    }
    zList = sqlite3_str_finish(x);
    if (nWait == 0)
        *pzErr = mopitr_errf("interrupted");
    else if (zList)
        *pzErr = mopitr_errf("interrupted while waiting for connection%s %s; %s closed (%s on "
                             "next use)",
                             nWait == 1 ? "" : "s", zList,
                             nWait == 1 ? "its fan-out handle was" : "their fan-out handles were",
                             nWait == 1 ? "it reconnects" : "they reconnect");
    sqlite3_free(zList);
    return *pzErr ? SQLITE_INTERRUPT : SQLITE_NOMEM;
}

/* A connection whose wait ran out: end its call and record the timeout. */
static void fanout_timed_out(fanout_one *o)
{
    mopitr_wait w;
    char *zErr;
    int rc = SQLITE_ERROR;
    memset(&w, 0, sizeof(w));
    w.bTimedOut = 1;
    w.msTimeout = o->msTimeout;
    w.bTimedOutRead = (o->status & MYSQL_WAIT_READ) != 0;
    zErr = mopitr_conn_lost_errf(o->pConn, &w, CR_SERVER_LOST, "timeout", NULL, &rc);
    fanout_abort(o);
    fanout_fail(o, zErr, rc);
}

/*
** Wait (poll, one slice at most) for the suspended calls and resume those that are
** ready or timed out. Returns SQLITE_OK, or SQLITE_INTERRUPT/SQLITE_NOMEM with *pzErr.
*/
static int fanout_wait(mopitr_fanout *f, mopitr_wait *w, char **pzErr)
{
    struct pollfd aPfd[64], *pPfd = aPfd;
    int aIdx[64], *pIdx = aIdx;
    long long tNow = fanout_now_ms();
    int i, nPfd = 0, ms = CONN_WAIT_SLICE_MS, rc = SQLITE_OK, nReady;

    if (f->n > 64) {
        pPfd = sqlite3_malloc64(sizeof(struct pollfd) * (size_t)f->n);
        pIdx = sqlite3_malloc64(sizeof(int) * (size_t)f->n);
        if (pPfd == NULL || pIdx == NULL) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    for (i = 0; i < f->n; i++) {
        fanout_one *o = &f->a[i];
        if (!o->status)
            continue;
        if (o->msTimeout >= 0) {
            int left = o->msTimeout - (int)(tNow - o->tWait);
            if (left < ms)
                ms = left < 0 ? 0 : left;
        }
        pPfd[nPfd].fd = (int)mysql_get_socket(o->pConn->m);
        pPfd[nPfd].events = (short)(((o->status & MYSQL_WAIT_READ) ? POLLIN : 0) |
                                    ((o->status & MYSQL_WAIT_WRITE) ? POLLOUT : 0) |
                                    ((o->status & MYSQL_WAIT_EXCEPT) ? POLLPRI : 0));
        pPfd[nPfd].revents = 0;
        pIdx[nPfd++] = i;
    }
    if (nPfd == 0)
        goto out;
    nReady = poll(pPfd, (nfds_t)nPfd, ms);
    if (nReady < 0)
        nReady = 0; /* EINTR: look again */
    tNow = fanout_now_ms();
    for (i = 0; i < nPfd; i++) {
        fanout_one *o = &f->a[pIdx[i]];
        short re = pPfd[i].revents;
        if (re) {
            int ev = ((re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) ? MYSQL_WAIT_READ : 0) |
                     ((re & (POLLOUT | POLLHUP | POLLERR | POLLNVAL)) ? MYSQL_WAIT_WRITE : 0) |
                     ((re & POLLPRI) ? MYSQL_WAIT_EXCEPT : 0);
            fanout_resume(o, w, ev & (o->status | MYSQL_WAIT_EXCEPT));
        } else if (o->msTimeout >= 0 && tNow - o->tWait >= o->msTimeout) {
            fanout_timed_out(o);
        }
    }
    /* Between slices, as conn_wait.c does; also now and then while rows keep coming, and
    ** whenever a reconnect on the way saw the interrupt. */
    if (w->bInterrupted ||
        ((nReady == 0 || tNow - f->tCheck >= CONN_WAIT_SLICE_MS) && mopitr_wait_interrupted(w)))
        rc = fanout_interrupted(f, pzErr);
    if (nReady == 0 || tNow - f->tCheck >= CONN_WAIT_SLICE_MS)
        f->tCheck = tNow;
out:
    if (pPfd != aPfd)
        sqlite3_free(pPfd);
    if (pIdx != aIdx)
        sqlite3_free(pIdx);
    return rc;
}

/*
** The next row of the fan-out: see the header. A decoded row is swapped into *pRow (its
** previous block is reused for the next row of that connection).
*/
int mopitr_fanout_next(mopitr_fanout *f, mopitr_row *pRow, int *piConn, const char **pzFail,
                       char **pzErr)
{
    mopitr_wait w;
    int rc = SQLITE_DONE;

    *pzFail = NULL;
    mopitr_wait_begin(&w, f->db, -1);
    for (;;) {
        int i, j, bPending = 0;
        for (j = 0; j < f->n; j++) {
            fanout_one *o;
            i = (f->iNext + j) % f->n;
            o = &f->a[i];
            if (o->bHasRow) {
                mopitr_row t = *pRow;
                *pRow = o->row;
                o->row = t;
                o->bHasRow = 0;
                *piConn = i;
                f->iNext = (i + 1) % f->n;
                fanout_fetch(o, &w); /* the next row, often already buffered */
                rc = SQLITE_ROW;
                goto out;
            }
            if (o->eState == FO_FAILED) {
                if (!f->bReport) {
                    rc = fanout_fail_error(o, pzErr);
                    o->eState = FO_REPORTED;
                    goto out;
                }
                o->eState = FO_REPORTED;
                mopitr_row_clear(pRow);
                *piConn = i;
                *pzFail = o->zFail;
                rc = SQLITE_ROW;
                goto out;
            }
            if (o->status)
                bPending = 1;
        }
        if (!bPending) {
            rc = SQLITE_DONE;
            goto out;
        }
        rc = fanout_wait(f, &w, pzErr);
        if (rc != SQLITE_OK)
            goto out;
    }
out:
    mopitr_wait_end(&w);
    return rc;
}
