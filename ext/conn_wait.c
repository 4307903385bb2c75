/*
** conn_wait.c: every socket wait of the extension: timeouts in slices, interrupts.
**
** libmariadb calls mopitr_io_wait (MARIADB_OPT_IO_WAIT, set on every handle) whenever a
** read or write on the socket would block, with the socket timeout in ms (read_timeout,
** write_timeout, or connect_timeout during the handshake). The hook gets no user
** pointer, only the socket, so it finds its wait context (mopitr_wait) in one of two
** places, in this order:
**   1. the socket's slot: a streaming SHOW PITR attaches its context to its socket once
**      when the stream opens and detaches it when the stream ends or another command
**      takes the handle (mopitr_wait_attach/_detach), so reading a row costs nothing
**      here (a per-row install cost ~50 instructions: a memset and thread-local
**      accesses). Slots exist for sockets below CONN_WAIT_FDS; a stream on a higher
**      one installs its context per call as below.
**   2. the thread's current context: every other entry point of conn.c / conn_result.c
**      installs one in a thread-local variable for the duration of the call
**      (mopitr_wait_begin/_end, or _swap/_restore for a context that lives longer).
** The hook then waits in slices of at most CONN_WAIT_SLICE_MS and between slices asks
** whether the SQLite connection was interrupted; returning -1 makes libmariadb fail the
** call with 2013, and the caller then reports SQLITE_INTERRUPT (or the timeout) instead
** of libmariadb's message.
**
** A socket's slot is written only by the thread that uses the handle (SQLite serializes
** the calls on one connection) and is cleared before the handle is closed, so a socket
** number reused later never finds a stale context; the slots are relaxed atomics.
**
** The interrupt test: sqlite3_is_interrupted() from SQLite 3.41 when the host has it.
** Older hosts (Debian 12: 3.40) get a probe: a "SELECT 1" prepared on the same db and
** stepped while the outer statement is running returns SQLITE_INTERRUPT once
** sqlite3_interrupt() was called (the flag stays set while any statement is active).
** The probe is prepared on the first slice that expires and finalized when the entry
** point returns (mopitr_wait_end, _restore, or _idle for an attached stream), so it
** never outlives the call (sqlite3_close would see it as busy).
*/
#include <errno.h>
#include <stdatomic.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <mysql.h>

#include "mo_pitr_int.h"

/* Sockets below this number have a slot (see the manual); a stream on a higher one
** installs its context per call. */
#define CONN_WAIT_FDS 1024

static _Thread_local mopitr_wait *conn_tl_wait;
static _Atomic(mopitr_wait *) conn_fd_wait[CONN_WAIT_FDS];

/* The innermost wait context of this thread, or NULL. */
mopitr_wait *mopitr_wait_current(void)
{
    return conn_tl_wait;
}

/* Set w up, interrupted through db (NULL: no interrupt source), with a budget (-1:
** none), without installing it. */
void mopitr_wait_init(mopitr_wait *w, sqlite3 *db, int msBudget)
{
    memset(w, 0, sizeof(*w));
    w->db = db;
    w->msBudget = msBudget;
    w->msRead = conn_tl_wait ? conn_tl_wait->msRead : 0; /* restore_timeout reaches conn.c */
}

/* Install w as this thread's wait context; returns the one it replaces, for
** mopitr_wait_restore. Installing the current context again is harmless. */
mopitr_wait *mopitr_wait_swap(mopitr_wait *w)
{
    mopitr_wait *pPrev = conn_tl_wait;
    conn_tl_wait = w;
    return pPrev;
}

/* Reinstall pPrev (what mopitr_wait_swap(w) returned) and finalize w's probe. */
void mopitr_wait_restore(mopitr_wait *pPrev, mopitr_wait *w)
{
    conn_tl_wait = pPrev;
    mopitr_wait_idle(w);
}

/* Finalize w's probe, if it has one: call when the entry point that waited returns. */
void mopitr_wait_idle(mopitr_wait *w)
{
    if (w->pProbe)
        sqlite3_finalize(w->pProbe);
    w->pProbe = NULL;
}

/* Set w up (mopitr_wait_init) and install it as this thread's wait context. Pair with
** mopitr_wait_end. */
void mopitr_wait_begin(mopitr_wait *w, sqlite3 *db, int msBudget)
{
    mopitr_wait_init(w, db, msBudget);
    w->pPrev = mopitr_wait_swap(w);
}

/* Remove w (installed last) and finalize its probe. */
void mopitr_wait_end(mopitr_wait *w)
{
    mopitr_wait_restore(w->pPrev, w);
}

/* Route every wait on socket fd to w until mopitr_wait_detach(w, fd); it takes
** precedence over the thread's context. Returns 1, or 0 when fd has no slot (the
** caller then installs w per call). */
int mopitr_wait_attach(mopitr_wait *w, int fd)
{
    if (fd < 0 || fd >= CONN_WAIT_FDS)
        return 0;
    atomic_store_explicit(&conn_fd_wait[fd], w, memory_order_relaxed);
    return 1;
}

/* Undo mopitr_wait_attach(w, fd) before the socket is read by another command or
** closed; a no-op when w is not the context attached to fd. */
void mopitr_wait_detach(mopitr_wait *w, int fd)
{
    if (fd >= 0 && fd < CONN_WAIT_FDS &&
        atomic_load_explicit(&conn_fd_wait[fd], memory_order_relaxed) == w)
        atomic_store_explicit(&conn_fd_wait[fd], NULL, memory_order_relaxed);
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
    mopitr_wait *w = NULL;
    struct pollfd pfd;
    long long tStart = conn_now_ms(), tNow;
    int rc;

    if (fd >= 0 && fd < CONN_WAIT_FDS)
        w = atomic_load_explicit(&conn_fd_wait[fd], memory_order_relaxed);
    if (w == NULL)
        w = conn_tl_wait;

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
