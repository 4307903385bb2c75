/*
** conn_wait.c: every socket wait of the extension: timeouts in slices, interrupts.
**
** libmariadb calls conn_io_wait (MARIADB_OPT_IO_WAIT, set on every handle) whenever a
** read or write on the socket would block, with the socket timeout in ms (read_timeout,
** write_timeout, or connect_timeout during the handshake). The hook gets no user
** pointer, so the public entry points of this file install a conn_wait in a
** thread-local variable for the duration of the call. The hook then waits in slices of
** at most CONN_WAIT_SLICE_MS and between slices asks whether the SQLite connection was
** interrupted; returning -1 makes libmariadb fail the call with 2013, and the caller
** then reports SQLITE_INTERRUPT (or the timeout) instead of libmariadb's message.
**
** The interrupt test: sqlite3_is_interrupted() from SQLite 3.41 when the host has it.
** Older hosts (Debian 12: 3.40) get a probe: a "SELECT 1" prepared on the same db and
** stepped while the outer statement is running returns SQLITE_INTERRUPT once
** sqlite3_interrupt() was called (the flag stays set while any statement is active).
** The probe is prepared on the first slice that expires and finalized when the entry
** point returns, so it never outlives the call (sqlite3_close would see it as busy).
*/
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#include "mo_pitr_int.h"

static _Thread_local mopitr_wait *conn_tl_wait;

/* The innermost wait context of this thread, or NULL. */
mopitr_wait *mopitr_wait_current(void)
{
    return conn_tl_wait;
}

/* Install w as this thread's wait context, interrupted through db (NULL: no interrupt
** source), with a budget (-1: none). Pair with mopitr_wait_end. */
void mopitr_wait_begin(mopitr_wait *w, sqlite3 *db, int msBudget)
{
    memset(w, 0, sizeof(*w));
    w->db = db;
    w->msBudget = msBudget;
    w->msRead = conn_tl_wait ? conn_tl_wait->msRead : 0; /* restore_timeout reaches conn.c */
    w->pPrev = conn_tl_wait;
    conn_tl_wait = w;
}

/* Remove w (installed last) and finalize its probe. */
void mopitr_wait_end(mopitr_wait *w)
{
    conn_tl_wait = w->pPrev;
    if (w->pProbe)
        sqlite3_finalize(w->pProbe);
    w->pProbe = NULL;
}

/* Was w's SQLite connection interrupted? Remembers a yes in w->bInterrupted (also used
** by conn_fanout.c, which polls several sockets itself). */
int mopitr_wait_interrupted(mopitr_wait *w)
{
    int rc;
    if (w->bInterrupted)
        return 1;
    if (w->db == NULL)
        return 0;
#if SQLITE_VERSION_NUMBER >= 3041000
    if (sqlite3_libversion_number() >= 3041000) {
        w->bInterrupted = sqlite3_is_interrupted(w->db) != 0;
        return w->bInterrupted;
    }
#endif
    if (w->pProbe == NULL &&
        sqlite3_prepare_v2(w->db, "SELECT 1", -1, &w->pProbe, NULL) != SQLITE_OK)
        return 0;
    rc = sqlite3_step(w->pProbe);
    sqlite3_reset(w->pProbe);
    w->bInterrupted = rc == SQLITE_INTERRUPT;
    return w->bInterrupted;
}

/* Milliseconds of a monotonic clock. */
static long long conn_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
** The MARIADB_OPT_IO_WAIT hook: wait until fd is readable (bRead) or writable, at most
** msTimeout ms (< 0: no limit). Returns > 0 when ready, 0 on timeout (errno ETIMEDOUT),
** -1 when the wait was abandoned (interrupt, drain budget) or poll failed.
*/
int mopitr_io_wait(my_socket fd, my_bool bRead, int msTimeout)
{
    mopitr_wait *w = conn_tl_wait;
    struct pollfd pfd;
    long long tStart = conn_now_ms(), tNow;
    int rc;

    pfd.fd = (int)fd;
    pfd.events = bRead ? POLLIN : POLLOUT;
    if (bRead && w && w->msRead != 0)
        msTimeout = w->msRead; /* a RESTORE's own timeout (restore.c), -1: none */
    for (;;) {
        int ms = msTimeout;
        tNow = conn_now_ms();
        if (msTimeout >= 0) {
            ms = msTimeout - (int)(tNow - tStart);
            if (ms <= 0) {
                if (w) {
                    w->bTimedOut = 1;
                    w->msTimeout = msTimeout;
                    w->bTimedOutRead = bRead != 0;
                }
                errno = ETIMEDOUT;
                return 0;
            }
        }
        if (w) {
            if (w->msBudget >= 0) {
                int left = w->msBudget - (int)(tNow - tStart);
                if (left <= 0) {
                    w->bBudgetSpent = 1;
                    return -1;
                }
                if (ms < 0 || ms > left)
                    ms = left;
            }
            if (ms < 0 || ms > CONN_WAIT_SLICE_MS)
                ms = CONN_WAIT_SLICE_MS;
        }
        pfd.revents = 0;
        rc = poll(&pfd, 1, ms);
        if (rc > 0)
            return rc;
        if (rc < 0 && errno != EINTR)
            return -1;
        if (w && mopitr_wait_interrupted(w))
            return -1;
    }
}
