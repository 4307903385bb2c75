/*
** err.c: the one place where mo_pitr's user-facing messages are made.
**
** Every message the extension shows starts "mo_pitr: ", is short and lower case,
** quotes the offending value, names the column or option, has no final period and
** never contains a password. The modules build their texts only through the
** functions below, so the prefix and the shapes stay in one place:
**
**     char *z = mopitr_errf("range_value must be an integer from 1 to 100, got %lld", v);
**     return mopitr_vtab_err(pVtab, "unknown column '%s'", zCol);
**     z = mopitr_server_errf(merr, mysql_error(m), "CREATE PITR %s", zIdent);
**       -> "mo_pitr: CREATE PITR `p1`: internal error: ... (MatrixOne error 20101)"
**
** Values that come from outside (a server row, a user string) may be long or hold
** bytes that make a message unreadable: mopitr_err_clip() shortens them to 64 bytes
** on a UTF-8 boundary and marks the cut with "...".
**
** Message shapes used by the pure modules (tests match them):
**   dsn.c    unknown connection option 'K'; valid options: host, port, ...
**            duplicate connection option 'K'
**            K must be an integer from A to B, got 'V'
**            ssl_mode must be one of disabled, ..., got 'V'
**            K must not be empty / bad percent escape 'V' in K / ...
**   value.c  server sent NULL for FIELD / server sent a NUL byte in FIELD /
**            server sent bad FIELD 'V' (...) / level 'L' takes no K, got 'V' /
**            range_value must be an integer from 1 to 100, got V / ...
**            KIND name 'V' contains a backslash, which MatrixOne would mangle (WHAT
**            IT WOULD DO); ADVICE   (mopitr_name_check; KIND pitr/account/database/table)
** The live modules' messages are listed in their manuals and in docs/transactions.md and
** docs/safety.md (statement and COMMIT failures, the DELETE guard, connect hints).
*/
#include "mo_pitr_int.h"

#include <stdarg.h>
#include <string.h>

/* Format the body of a message and prefix it. NULL only on OOM. */
static char *err_vformat(const char *zFormat, va_list ap)
{
    char *zBody = sqlite3_vmprintf(zFormat, ap);
    char *zOut = NULL;

    if (zBody == NULL)
        goto out;
    zOut = sqlite3_mprintf("mo_pitr: %s", zBody);
out:
    sqlite3_free(zBody);
    return zOut;
}

/*
** sqlite3_mprintf("mo_pitr: " zFormat, ...). The caller frees the result with
** sqlite3_free. NULL only on OOM.
*/
char *mopitr_errf(const char *zFormat, ...)
{
    va_list ap;
    char *z;

    va_start(ap, zFormat);
    z = err_vformat(zFormat, ap);
    va_end(ap);
    return z;
}

/*
** Replace pVtab->zErrMsg (freeing the old one) with the formatted message.
** Returns SQLITE_ERROR, or SQLITE_NOMEM when the message could not be made.
*/
int mopitr_vtab_err(sqlite3_vtab *pVtab, const char *zFormat, ...)
{
    va_list ap;
    char *z;

    va_start(ap, zFormat);
    z = err_vformat(zFormat, ap);
    va_end(ap);
    sqlite3_free(pVtab->zErrMsg);
    pVtab->zErrMsg = z;
    return z ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** A server (or libmariadb) error: "mo_pitr: <what>: <message> (MatrixOne error N)",
** or "mo_pitr: <message> (MatrixOne error N)" when zWhatFmt is NULL. A NULL or empty
** zMsg reads "unknown error"; one trailing newline or period of zMsg is dropped so the
** message ends cleanly. The caller frees the result. NULL only on OOM.
*/
char *mopitr_server_errf(unsigned int merr, const char *zMsg, const char *zWhatFmt, ...)
{
    char *zWhat = NULL;
    char *zOut = NULL;
    int n;

    if (zMsg == NULL || zMsg[0] == 0)
        zMsg = "unknown error";
    n = (int)strlen(zMsg);
    while (n > 0 && (zMsg[n - 1] == '\n' || zMsg[n - 1] == '\r' || zMsg[n - 1] == ' '))
        n--;
    if (n > 1 && zMsg[n - 1] == '.' && zMsg[n - 2] != '.')
        n--;
    if (zWhatFmt) {
        va_list ap;
        va_start(ap, zWhatFmt);
        zWhat = sqlite3_vmprintf(zWhatFmt, ap);
        va_end(ap);
        if (zWhat == NULL)
            goto out;
        zOut = sqlite3_mprintf("mo_pitr: %s: %.*s (MatrixOne error %u)", zWhat, n, zMsg, merr);
    } else {
        zOut = sqlite3_mprintf("mo_pitr: %.*s (MatrixOne error %u)", n, zMsg, merr);
    }
out:
    sqlite3_free(zWhat);
    return zOut;
}

/*
** Copy at most MOPITR_CLIP_MAX bytes of z[0..n) (n < 0: strlen) into aBuf, cutting
** on a UTF-8 character boundary and appending "..." when something was cut. NUL
** bytes and other control characters become '?', so the result is one printable
** line. Returns aBuf, which must hold MOPITR_CLIP_SIZE bytes. z NULL gives "NULL".
*/
const char *mopitr_err_clip(char *aBuf, const char *z, int n)
{
    int i, nKeep;

    if (z == NULL) {
        memcpy(aBuf, "NULL", 5);
        return aBuf;
    }
    if (n < 0)
        n = (int)strlen(z);
    nKeep = n;
    if (nKeep > MOPITR_CLIP_MAX) {
        nKeep = MOPITR_CLIP_MAX;
        /* back off over UTF-8 continuation bytes so no character is split */
        while (nKeep > 0 && ((unsigned char)z[nKeep] & 0xC0) == 0x80)
            nKeep--;
    }
    for (i = 0; i < nKeep; i++) {
        unsigned char c = (unsigned char)z[i];
        aBuf[i] = (c < 0x20 || c == 0x7F) ? '?' : (char)c;
    }
    if (nKeep < n) {
        memcpy(aBuf + i, "...", 3);
        i += 3;
    }
    aBuf[i] = 0;
    return aBuf;
}

/* See the header. */
const char *mopitr_err_body(const char *z)
{
    return strncmp(z, "mo_pitr: ", 9) == 0 ? z + 9 : z;
}
