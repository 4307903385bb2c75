/*
** srvclock.c: the server's clock and the UTC offset of its process's time zone (live).
**
** MatrixOne reads a RESTORE time, and prints SHOW RECOVERY_WINDOW's PITR times, in the
** local zone of its server process (spec 8.1, 8.6), not in the session zone the
** extension pins to UTC. No variable names that zone (@@system_time_zone is empty on
** MatrixOne), but the session zone SYSTEM is the process zone, so the offset in force
** now can be read:
**     SELECT now()                 -- the server's UTC time (the session zone is +00:00)
**     SET time_zone = 'SYSTEM'
**     SELECT now()                 -- the same clock in the process zone
**     SET time_zone = '+00:00'     -- back to the extension's session zone
** The offset is the difference rounded to 15 minutes (every zone's offset is a multiple
** of 15 minutes; the two reads are milliseconds apart).
**
** Usage:
**     mopitr_srvclock c;
**     if (mopitr_srvclock_read(pConn, &c, &zErr) == SQLITE_OK)
**         local = utc + c.offset;      -- c.nowSec/nowNsec: the server's UTC now
**
** Limits (docs/recovery.md): the offset is the one in force now; a zone with daylight
** saving time has another offset on the other side of a change. If the zone cannot be
** set back to +00:00 (a server error, not a lost connection, which reconnects with the
** init command anyway), the connection is closed for good: its SHOW PITR times would
** no longer be UTC.
*/
#include "mo_pitr_int.h"

#include <string.h>

/* Read one SELECT now() value on p into *pSec and *pNsec (the time as written, taken as UTC). */
static int srvclock_now(mopitr_conn *p, sqlite3_int64 *pSec, int *pNsec, char **pzErr)
{
    mopitr_text_result t;
    const char *z;
    char aClip[MOPITR_CLIP_SIZE];
    int n, rc = mopitr_conn_select(p, "SELECT now()", 64, &t, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    z = t.nRow == 1 && t.nCol == 1 ? mopitr_text_cell(&t, 0, 0, &n) : NULL;
    if (z == NULL || !mopitr_time_parse(z, n, pSec, pNsec)) {
        *pzErr = mopitr_errf("the server answered SELECT now() with %s",
                             z ? mopitr_err_clip(aClip, z, n) : "no time");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    mopitr_text_result_clear(&t);
    return rc;
}

/* Read the server's UTC now and its zone's offset into *pOut (see the file comment). */
int mopitr_srvclock_read(mopitr_conn *p, mopitr_srvclock *pOut, char **pzErr)
{
    sqlite3_int64 localSec = 0, diff;
    int localNsec = 0, rc, rc2;
    char *zErr2 = NULL;

    memset(pOut, 0, sizeof(*pOut));
    rc = srvclock_now(p, &pOut->nowSec, &pOut->nowNsec, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    rc = mopitr_conn_exec(p, "SET time_zone = 'SYSTEM'", NULL, pzErr);
    if (rc != SQLITE_OK)
        return rc;
    rc = srvclock_now(p, &localSec, &localNsec, pzErr);
    /* Always back to UTC, also after a failed read (unless the handle is gone: a new
    ** one gets the init command). */
    if (strcmp(mopitr_conn_state(p), "connected") == 0) {
        rc2 = mopitr_conn_exec(p, "SET time_zone = '+00:00'", NULL, &zErr2);
        if (rc2 != SQLITE_OK && strcmp(mopitr_conn_state(p), "connected") == 0) {
            mopitr_conn_shutdown(p);
            sqlite3_free(*pzErr);
            *pzErr = mopitr_errf("could not set the session time zone back to UTC (%s): the "
                                 "connection was closed; call mo_connect() again",
                                 zErr2 ? mopitr_err_body(zErr2) : "out of memory");
            sqlite3_free(zErr2);
            return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        }
        sqlite3_free(zErr2);
    }
    if (rc != SQLITE_OK)
        return rc;
    diff = localSec - pOut->nowSec;
    diff = (diff >= 0 ? diff + 450 : diff - 450) / 900 * 900;
    if (diff > 14 * 3600 || diff < -14 * 3600) {
        *pzErr = mopitr_errf("cannot tell the server's time zone: its local clock is %lld s "
                             "from its UTC clock",
                             (long long)(localSec - pOut->nowSec));
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    pOut->offset = (int)diff;
    return SQLITE_OK;
}
