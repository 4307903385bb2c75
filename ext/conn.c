/*
** conn.c: one libmariadb connection of the mo_pitr extension.
**
** A mopitr_conn owns one MYSQL handle and the DSN it was made from. It knows no
** virtual table: the vtab asks it to run a statement (mopitr_conn_exec) or to stream
** a SHOW PITR (mopitr_conn_query + mopitr_result_next, in conn_result.c).
**
** Usage:
**     mopitr_conn *c; mopitr_result *r; mopitr_row row = {0};
**     mopitr_conn_open(&c, &dsn, &zErr);                 -- connects now
**     mopitr_conn_query(c, "SHOW PITR", &r, &zErr);
**     while( mopitr_result_next(r, &row, &zErr)==SQLITE_ROW ){ ... }
**     mopitr_result_free(r); mopitr_row_clear(&row);
**     mopitr_conn_exec(c, "DROP PITR `p1`", &info, &zErr);
**     mopitr_conn_unref(c);
**
** How it works:
**   - Connect: TCP always (libmariadb takes "localhost" for the Unix socket), the DSN's
**     timeouts, LOCAL INFILE off, utf8mb4, init command SET time_zone = '+00:00' (SHOW
**     PITR renders times in the session zone: this makes them UTC), auto-reconnect off,
**     option file/group, and the ssl_mode mapping below. The password is the DSN's,
**     else env MO_PASSWORD, else whatever the option file gives; it is read once at
**     open and kept only in this object (wiped when freed).
**   - ssl_mode: disabled = no TLS; unset/preferred = TLS if the server offers it;
**     required = TLS or fail; verify_ca = TLS with ssl_ca checking the chain;
**     verify_identity = verify_ca plus the host name. libmariadb's enforce flag alone
**     falls back to plain text, so every mode from required up checks that a cipher
**     is in use after the connect and fails closed otherwise. An ssl_ca given with
**     preferred or required is verified too (libmariadb checks the chain whenever it
**     has a CA). Unreadable ssl_* files are reported by name before connecting.
**   - One stream at a time: libmariadb answers 2014 to any command sent while a
**     mysql_use_result() stream is open. So before every command an open stream is
**     spilled: its remaining rows are read into the owning reader's memory, and that
**     reader then serves them from there.
**   - Lost connections (2006, 2013, 2027, 2014, failures with errno 0, and server
**     codes announcing a disconnect) close the handle; the next use reconnects with a
**     fresh handle and re-applied options. Before a command on an idle handle, a
**     zero-timeout poll finds a connection the server closed meanwhile. A read that
**     fails that way before any row arrived is retried once on a fresh connection;
**     a write is never resent once it left (the outcome is unknown: reported as such).
**   - Timeouts and interrupts: connect_timeout, read_timeout and write_timeout (DSN;
**     10, 30, 30 s) bound every wait. All socket waits go through mopitr_io_wait (the
**     MARIADB_OPT_IO_WAIT hook), which waits in 100 ms slices and between slices asks
**     whether sqlite3_interrupt() was called on the registry's db (conn_wait.c). An interrupt or a
*timeout closes the handle: the error says
**     "interrupted" (SQLITE_INTERRUPT) or "no answer from X within N s (read_timeout)";
**     neither is retried. A stream abandoned before its end (LIMIT, an error, an
**     interrupt) is not drained from the network: what arrives within 50 ms of waiting
**     is read away, else the handle is closed and the next command reconnects.
**   - References: the registry holds one; every open result holds one, so a result
**     outlives mo_disconnect() safely (its rows were spilled).
*/
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mysql.h>
#include <errmsg.h>

#define MOPITR_CONN_INTERNALS /* struct mopitr_conn, shared with conn_result.c */
#include "mo_pitr_int.h"

#define MOPITR_SERVER_STATUS_NO_BACKSLASH_ESCAPES 0x200

/* Wipe and free a secret string. */
static void conn_free_secret(char *z)
{
    if (z) {
        volatile char *v = z;
        while (*v)
            *v++ = 0;
        sqlite3_free(z);
    }
}

/* sqlite3_mprintf copy of z (NULL stays NULL). *pRc becomes SQLITE_NOMEM on OOM. */
static char *conn_strdup(const char *z, int *pRc)
{
    char *zOut;
    if (z == NULL)
        return NULL;
    zOut = sqlite3_mprintf("%s", z);
    if (zOut == NULL)
        *pRc = SQLITE_NOMEM;
    return zOut;
}

/* Does merr mean the handle cannot be used any more (protocol notes B6)? Every
** client-side code (2000-2999: lost, out of sync, malformed, unknown) and a failure
** without a code leave the byte stream in an unknown state; a few server codes
** announce that the server is closing the connection. */
int mopitr_conn_is_lost(unsigned merr)
{
    return merr == 0 || (merr >= 2000 && merr < 3000) || merr == 1053 /* shutdown */ ||
           merr == 1927 /* connection killed */ || merr == 4031 /* idle timeout */;
}

/* May a read that failed with merr before its first row be sent again on a fresh
** connection? Only for a connection that went away (2006, 2013), not for a server that
** answered garbage: that one would answer it again. */
int mopitr_conn_is_retryable(unsigned merr)
{
    return merr == CR_SERVER_GONE_ERROR || merr == CR_SERVER_LOST;
}

/* "message (MatrixOne error N)" for server codes, "message (client error N)" for
** libmariadb's own 2000-2999 codes. sqlite3_malloc'd, NULL on OOM. */
static char *conn_reason(unsigned merr, const char *zMsg)
{
    if (zMsg == NULL || zMsg[0] == 0)
        zMsg = "no error message";
    if (merr >= 2000 && merr < 3000)
        return sqlite3_mprintf("%s (client error %u)", zMsg, merr);
    if (merr == 0)
        return sqlite3_mprintf("%s (client error 0)", zMsg);
    return sqlite3_mprintf("%s (MatrixOne error %u)", zMsg, merr);
}

/*
** The message for a command that failed with a lost handle (merr, zMsg: libmariadb's
** report), told apart by what the wait saw: an interrupt (*pRc SQLITE_INTERRUPT), a
** socket timeout, or a lost connection (*pRc SQLITE_ERROR). zSql is the write that
** was in flight (its outcome is unknown) or NULL for a read. Call before mopitr_conn_drop()
** (it does not touch the handle). sqlite3_malloc'd; NULL on OOM (*pRc SQLITE_NOMEM).
*/
char *mopitr_conn_lost_errf(mopitr_conn *p, const mopitr_wait *w, unsigned merr, const char *zMsg,
                            const char *zSql, int *pRc)
{
    char *zReason = NULL, *zErr = NULL, *zDuring = NULL;
    const char *zUnknown = zSql ? "; the statement may or may not have been applied" : "";

    *pRc = SQLITE_NOMEM;
    zDuring = zSql ? sqlite3_mprintf(" during \"%s\"", zSql) : sqlite3_mprintf("%s", "");
    if (zDuring == NULL)
        goto out;
    if (w->bInterrupted) {
        zErr = mopitr_errf("interrupted while waiting for %s%s%s; the connection was closed "
                           "(it reconnects on next use)",
                           p->zDescribe, zDuring, zUnknown);
        *pRc = SQLITE_INTERRUPT;
    } else if (w->bTimedOut) {
        int s = (w->msTimeout + 999) / 1000;
        zErr = mopitr_errf("no answer from %s within %d s (%s)%s%s; the connection was closed "
                           "(it reconnects on next use)",
                           p->zDescribe, s,
                           !w->bTimedOutRead ? "write_timeout"
                           : w->msRead > 0   ? "restore_timeout"
                                             : "read_timeout",
                           zDuring, zUnknown);
        *pRc = SQLITE_ERROR;
    } else {
        /* 2000 and 2027: libmariadb could not parse what the server sent. */
        int bMalformed = merr == CR_UNKNOWN_ERROR || merr == CR_MALFORMED_PACKET;
        if (merr == CR_UNKNOWN_ERROR)
            zReason = sqlite3_mprintf("the server sent a malformed packet (client error %u)", merr);
        else
            zReason = conn_reason(merr, zMsg);
        if (zReason == NULL)
            goto out;
        zErr = mopitr_errf(
            "connection to %s %s%s%s: %s%s", p->zDescribe,
            mopitr_conn_is_retryable(merr) ? "lost" : "failed", zDuring, zUnknown,
            bMalformed && merr != CR_UNKNOWN_ERROR ? "the server sent a malformed packet: " : "",
            zReason);
        *pRc = SQLITE_ERROR;
    }
    if (zErr == NULL)
        *pRc = SQLITE_NOMEM;
out:
    sqlite3_free(zReason);
    sqlite3_free(zDuring);
    return zErr;
}

/* Read the server status flags that matter to escaping. */
void mopitr_conn_read_status(mopitr_conn *p)
{
    unsigned int status = 0;
    if (p->m && mariadb_get_infov(p->m, MARIADB_CONNECTION_SERVER_STATUS, &status) == 0)
        p->bNoBackslash = (status & MOPITR_SERVER_STATUS_NO_BACKSLASH_ESCAPES) != 0;
}

/* Close the handle (connection lost or shut down). An open stream must have been
** spilled or abandoned by the caller. */
void mopitr_conn_drop(mopitr_conn *p)
{
    if (p->pStream) {
        /* Abandon the stream without draining it: detach the result from the handle
        ** (mysql_free_result would otherwise read the rest through it), close, free. */
        mopitr_result *r = p->pStream;
        MYSQL_RES *pRes = r->pRes;
        r->pRes = NULL;
        p->pStream = NULL;
        if (pRes)
            pRes->handle = NULL;
        if (p->m) {
            mysql_close(p->m);
            p->m = NULL;
        }
        mysql_free_result(pRes);
    }
    if (p->m) {
        mysql_close(p->m);
        p->m = NULL;
    }
    sqlite3_free(p->zCipher);
    p->zCipher = NULL;
    p->threadId = 0;
}

/* Apply one mysql_options() call, remembering the first failure in *pOk. */
static void conn_opt(MYSQL *m, enum mysql_option opt, const void *arg, int *pOk)
{
    if (mysql_options(m, opt, arg) != 0)
        *pOk = 0;
}

/* "verify_ca" etc.: the DSN name of a TLS mode. */
static const char *conn_ssl_mode_name(mopitr_ssl_mode e)
{
    switch (e) {
    case MOPITR_SSL_DISABLED:
        return "disabled";
    case MOPITR_SSL_REQUIRED:
        return "required";
    case MOPITR_SSL_VERIFY_CA:
        return "verify_ca";
    case MOPITR_SSL_VERIFY_IDENTITY:
        return "verify_identity";
    default:
        return "preferred";
    }
}

/* TLS settings that cannot work, found before connecting: verify_ca/verify_identity
** without ssl_ca, an ssl_ca/ssl_cert/ssl_key file that cannot be read (libmariadb would
** only say "No such file or directory" without the name). Returns the reason
** (sqlite3_malloc'd; the caller frees) or NULL when all is well. *pRc becomes
** SQLITE_NOMEM when the message cannot be built. */
static char *conn_tls_precheck(const mopitr_conn *p, int *pRc)
{
    const mopitr_ssl_mode eSsl = p->dsn.ssl_mode;
    const char *azName[3] = {"ssl_ca", "ssl_cert", "ssl_key"};
    const char *azFile[3] = {p->dsn.ssl_ca, p->dsn.ssl_cert, p->dsn.ssl_key};
    char *zErr = NULL;
    int i, bBad = 0;
    if (eSsl == MOPITR_SSL_DISABLED)
        goto out;
    if ((eSsl == MOPITR_SSL_VERIFY_CA || eSsl == MOPITR_SSL_VERIFY_IDENTITY) &&
        p->dsn.ssl_ca == NULL) {
        bBad = 1;
        zErr = sqlite3_mprintf("ssl_mode=%s needs ssl_ca", conn_ssl_mode_name(eSsl));
        goto out;
    }
    for (i = 0; i < 3; i++) {
        if (azFile[i] && access(azFile[i], R_OK) != 0) {
            bBad = 1;
            zErr = sqlite3_mprintf("cannot read %s file '%s': %s", azName[i], azFile[i],
                                   strerror(errno));
            goto out;
        }
    }
out:
    if (bBad && zErr == NULL)
        *pRc = SQLITE_NOMEM;
    return zErr;
}

/* A hint appended to a failed connect's reason when TLS settings are the likely cause
** (static text, "" when none; only with an explicit ssl_mode other than disabled):
**   - verify_identity and libmariadb's "Validation of SSL server certificate failed":
**     that is its host-name check (the chain was verified before);
**   - the connection lost while sending the login: with TLS 1.3 a server that rejects
**     the client certificate (or its absence) ends the session only after the client
**     finished its side of the handshake, so libmariadb sees a lost connection. */
static const char *conn_tls_hint(const mopitr_conn *p, unsigned merr, const char *zMsg)
{
    const mopitr_ssl_mode eSsl = p->dsn.ssl_mode;
    if (zMsg == NULL || eSsl == MOPITR_SSL_DISABLED || eSsl == MOPITR_SSL_UNSET)
        return "";
    if (eSsl == MOPITR_SSL_VERIFY_IDENTITY && merr == CR_SSL_CONNECTION_ERROR &&
        strstr(zMsg, "Validation of SSL server certificate failed"))
        return "; ssl_mode=verify_identity: the server certificate does not name this host";
    if (merr == CR_SERVER_LOST && strstr(zMsg, "sending authentication information"))
        return "; the server may have refused the TLS session (a missing or untrusted client "
               "certificate? see ssl_cert, ssl_key)";
    return "";
}

/* The hint appended to a failed connect's reason, by what failed (issue 13): the login
** refused while no password was given at all, nothing listening (or a host that refuses),
** a host name that does not resolve. sqlite3_malloc'd ("" when none); NULL on OOM. */
static char *conn_connect_hint(const mopitr_conn *p, unsigned merr)
{
    const char *zHostPort = strrchr(p->zDescribe, '@') ? strrchr(p->zDescribe, '@') + 1 : "";
    if (merr == 1045 && p->zPassword == NULL && p->dsn.option_file == NULL)
        return sqlite3_mprintf("; no password was given: put it in the DSN "
                               "(mysql://user:password@host:port) or set MO_PASSWORD");
    if (merr == 1045 && p->zPassword && p->zPassword[0] == 0)
        return sqlite3_mprintf("; the password given was empty");
    if (merr == CR_CONNECTION_ERROR || merr == CR_CONN_HOST_ERROR)
        return sqlite3_mprintf("; is MatrixOne listening on %s?", zHostPort);
    if (merr == CR_UNKNOWN_HOST)
        return sqlite3_mprintf("; the host name '%s' does not resolve: check the DSN's host",
                               p->dsn.host);
    return sqlite3_mprintf("%s", "");
}

/* The error of a failed mysql_real_connect on m: interrupted (SQLITE_INTERRUPT), no
** answer within connect_timeout, or libmariadb's reason, each with the hint that fits.
** Returns the rc, *pzErr set. */
static int conn_connect_failed(mopitr_conn *p, MYSQL *m, char **pzErr)
{
    const mopitr_wait *w = mopitr_wait_current();
    const char *zHostPort = strrchr(p->zDescribe, '@') ? strrchr(p->zDescribe, '@') + 1 : "";
    char *zReason = NULL, *zHint = NULL;
    int rc = SQLITE_ERROR;

    if (w && w->bInterrupted) {
        *pzErr = mopitr_errf("cannot connect to %s: interrupted", p->zDescribe);
        rc = SQLITE_INTERRUPT;
    } else if (w && w->bTimedOut) {
        *pzErr = mopitr_errf("cannot connect to %s: no answer within %d s (connect_timeout); is "
                             "%s reachable from here (a firewall that drops packets?), or is "
                             "the server slower than connect_timeout?",
                             p->zDescribe, (w->msTimeout + 999) / 1000, zHostPort);
    } else {
        zReason = conn_reason(mysql_errno(m), mysql_error(m));
        zHint = conn_connect_hint(p, mysql_errno(m));
        *pzErr = zReason && zHint
                     ? mopitr_errf("cannot connect to %s: %s%s%s", p->zDescribe, zReason,
                                   conn_tls_hint(p, mysql_errno(m), mysql_error(m)), zHint)
                     : NULL;
    }
    sqlite3_free(zReason);
    sqlite3_free(zHint);
    return *pzErr ? rc : SQLITE_NOMEM;
}

/*
** Open a fresh handle with every option and connect it. SQLITE_OK, SQLITE_NOMEM, or
** SQLITE_ERROR with *pzErr "mo_pitr: cannot connect to user@host:port: <reason>".
*/
static int conn_connect_once(mopitr_conn *p, unsigned *pMerr, char **pzMsg, char **pzErr);

/* Connect (conn_connect_once) and journal the attempt as "CONNECT user@host:port". */
static int conn_connect(mopitr_conn *p, char **pzErr)
{
    sqlite3_int64 iStart = mopitr_journal_clock_us();
    unsigned merr = 0;
    char *zMsg = NULL, *zWhat;
    int rc = conn_connect_once(p, &merr, &zMsg, pzErr);
    if (p->pJournal) {
        zWhat = sqlite3_mprintf("CONNECT %s", p->zDescribe);
        mopitr_journal_record(p->pJournal, p->zName, zWhat, iStart, -1, merr,
                              rc == SQLITE_OK ? NULL
                              : zMsg          ? zMsg
                                              : mopitr_err_body(*pzErr ? *pzErr : "out of memory"));
        sqlite3_free(zWhat);
    }
    sqlite3_free(zMsg);
    return rc;
}

/* One connect attempt (see conn_connect). On failure *pMerr and *pzMsg (sqlite3_malloc'd)
** get libmariadb's own number and message when there is one. */
static int conn_connect_once(mopitr_conn *p, unsigned *pMerr, char **pzMsg, char **pzErr)
{
    int rc = SQLITE_OK;
    int bOk = 1;
    MYSQL *m = NULL;
    unsigned int proto = MYSQL_PROTOCOL_TCP;
    unsigned int tConnect = p->dsn.connect_timeout;
    unsigned int tRead = p->dsn.read_timeout;
    unsigned int tWrite = p->dsn.write_timeout;
    unsigned int localInfile = 0;
    my_bool bFalse = 0, bTrue = 1;
    const char *zCipher;
    char *zTls;
    mopitr_ssl_mode eSsl = p->dsn.ssl_mode;

    m = mysql_init(NULL);
    if (m == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    conn_opt(m, MYSQL_OPT_PROTOCOL, &proto, &bOk);
    if (tConnect)
        conn_opt(m, MYSQL_OPT_CONNECT_TIMEOUT, &tConnect, &bOk);
    if (tRead)
        conn_opt(m, MYSQL_OPT_READ_TIMEOUT, &tRead, &bOk);
    if (tWrite)
        conn_opt(m, MYSQL_OPT_WRITE_TIMEOUT, &tWrite, &bOk);
    conn_opt(m, MYSQL_OPT_LOCAL_INFILE, &localInfile, &bOk);
    conn_opt(m, MYSQL_SET_CHARSET_NAME, "utf8mb4", &bOk);
    conn_opt(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'", &bOk);
    conn_opt(m, MYSQL_OPT_RECONNECT, &bFalse, &bOk);
    if (mysql_optionsv(m, MARIADB_OPT_IO_WAIT, mopitr_io_wait) != 0)
        bOk = 0;
    if (p->dsn.option_file)
        conn_opt(m, MYSQL_READ_DEFAULT_FILE, p->dsn.option_file, &bOk);
    if (p->dsn.option_group)
        conn_opt(m, MYSQL_READ_DEFAULT_GROUP, p->dsn.option_group, &bOk);
    if (eSsl != MOPITR_SSL_DISABLED) {
        if (p->dsn.ssl_ca)
            conn_opt(m, MYSQL_OPT_SSL_CA, p->dsn.ssl_ca, &bOk);
        if (p->dsn.ssl_cert)
            conn_opt(m, MYSQL_OPT_SSL_CERT, p->dsn.ssl_cert, &bOk);
        if (p->dsn.ssl_key)
            conn_opt(m, MYSQL_OPT_SSL_KEY, p->dsn.ssl_key, &bOk);
        /* With enforce alone libmariadb uses TLS when offered and falls back to plain
        ** text otherwise (notes B4): exactly "preferred". */
        conn_opt(m, MYSQL_OPT_SSL_ENFORCE, &bTrue, &bOk);
        if (eSsl == MOPITR_SSL_VERIFY_IDENTITY)
            conn_opt(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &bTrue, &bOk);
    }
    if (!bOk) {
        *pzErr =
            mopitr_errf("cannot connect to %s: the client library refused an option", p->zDescribe);
        rc = SQLITE_ERROR;
        goto out;
    }
    zTls = conn_tls_precheck(p, &rc);
    if (zTls || rc != SQLITE_OK) {
        *pzErr = zTls ? mopitr_errf("cannot connect to %s: %s", p->zDescribe, zTls) : NULL;
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        sqlite3_free(zTls);
        goto out;
    }
    if (mysql_real_connect(m, p->dsn.host, p->zLogin, p->zPassword, p->dsn.database, p->dsn.port,
                           NULL, 0) == NULL) {
        *pMerr = mysql_errno(m);
        *pzMsg = sqlite3_mprintf("%s", mysql_error(m));
        rc = conn_connect_failed(p, m, pzErr);
        goto out;
    }
    zCipher = mysql_get_ssl_cipher(m);
    if (zCipher == NULL && eSsl >= MOPITR_SSL_REQUIRED) {
        *pzErr = mopitr_errf("cannot connect to %s: ssl_mode=%s but the connection is not "
                             "encrypted (the server did not offer TLS)",
                             p->zDescribe, conn_ssl_mode_name(eSsl));
        rc = SQLITE_ERROR;
        goto out;
    }
    sqlite3_free(p->zServerVersion);
    p->zServerVersion = conn_strdup(mysql_get_server_info(m), &rc);
    p->zCipher = conn_strdup(zCipher, &rc);
    if (rc != SQLITE_OK)
        goto out;
    p->threadId = mysql_thread_id(m);
    p->m = m;
    m = NULL;
    mopitr_conn_read_status(p);
out:
    if (m)
        mysql_close(m);
    return rc;
}

/*
** Make sure a usable handle is open before a command: spill an open stream, drop a
** handle the server closed while it sat idle, reconnect if needed. *pbFresh is set
** when this call connected. SQLITE_OK or an error with *pzErr.
*/
int mopitr_conn_ready(mopitr_conn *p, int *pbFresh, char **pzErr)
{
    *pbFresh = 0;
    if (p->bClosed) {
        *pzErr = mopitr_errf("the connection to %s was closed", p->zDescribe);
        return *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (p->pStream)
        mopitr_result_spill(p->pStream);
    if (mopitr_wait_current() && mopitr_wait_current()->bInterrupted) {
        *pzErr = mopitr_errf("interrupted while waiting for %s; the connection was closed "
                             "(it reconnects on next use)",
                             p->zDescribe);
        return *pzErr ? SQLITE_INTERRUPT : SQLITE_NOMEM;
    }
    if (p->m) {
        struct pollfd pfd;
        pfd.fd = (int)mysql_get_socket(p->m);
        pfd.events = POLLIN;
        pfd.revents = 0;
        /* An idle handle has nothing to read: anything readable is an EOF or junk. */
        if (pfd.fd < 0 || poll(&pfd, 1, 0) != 0)
            mopitr_conn_drop(p);
    }
    if (p->m == NULL) {
        int rc = conn_connect(p, pzErr);
        if (rc != SQLITE_OK)
            return rc;
        *pbFresh = 1;
    }
    return SQLITE_OK;
}

/* Connect now; takes over *pDsn. One reference on success (see the header). */
int mopitr_conn_open(mopitr_conn **ppOut, mopitr_dsn *pDsn, char **pzErr)
{
    mopitr_conn *p = NULL;
    int rc = mopitr_conn_new(&p, pDsn);
    *ppOut = NULL;
    if (rc == SQLITE_OK)
        rc = mopitr_conn_connect(p, pzErr);
    if (rc == SQLITE_OK) {
        *ppOut = p;
        p = NULL;
    }
    mopitr_conn_unref(p);
    return rc;
}

/* See the header: the object, not connected yet. */
int mopitr_conn_new(mopitr_conn **ppOut, mopitr_dsn *pDsn)
{
    int rc = SQLITE_OK;
    mopitr_conn *p = NULL;

    *ppOut = NULL;
    p = sqlite3_malloc64(sizeof(*p));
    if (p == NULL) {
        mopitr_dsn_clear(pDsn);
        return SQLITE_NOMEM;
    }
    memset(p, 0, sizeof(*p));
    p->nRef = 1;
    p->dsn = *pDsn;
    memset(pDsn, 0, sizeof(*pDsn));
    if (p->dsn.password) {
        p->zPassword = p->dsn.password; /* moved */
        p->dsn.password = NULL;
    } else {
        p->zPassword = conn_strdup(getenv("MO_PASSWORD"), &rc);
    }
    p->zDescribe = mopitr_dsn_describe(&p->dsn);
    p->zLogin = mopitr_dsn_login(&p->dsn);
    p->zAccount = mopitr_dsn_account(&p->dsn);
    p->zServerVersion = conn_strdup("", &rc);
    if (rc != SQLITE_OK || p->zDescribe == NULL || p->zLogin == NULL || p->zAccount == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    *ppOut = p;
    p = NULL;
out:
    mopitr_conn_unref(p);
    return rc;
}

/* See the header: name p and journal what it sends in pJournal (a reference). */
int mopitr_conn_set_journal(mopitr_conn *p, mopitr_journal *pJournal, const char *zName)
{
    char *zCopy = zName ? sqlite3_mprintf("%s", zName) : NULL;
    if (zName && zCopy == NULL)
        return SQLITE_NOMEM;
    sqlite3_free(p->zName);
    p->zName = zCopy;
    mopitr_journal_ref(pJournal);
    mopitr_journal_unref(p->pJournal);
    p->pJournal = pJournal;
    return SQLITE_OK;
}

/* See the header: the first connect (interruptible once mopitr_conn_set_db was called). */
int mopitr_conn_connect(mopitr_conn *p, char **pzErr)
{
    mopitr_wait w;
    int rc;
    mopitr_wait_begin(&w, p->db, -1);
    rc = conn_connect(p, pzErr);
    mopitr_wait_end(&w);
    return rc;
}

/* Let sqlite3_interrupt(db) end this connection's waits (the registry's database
** connection). db must outlive p's use from SQL; NULL turns it off. */
void mopitr_conn_set_db(mopitr_conn *p, sqlite3 *db)
{
    if (p)
        p->db = db;
}

/* Take one more reference. */
void mopitr_conn_ref(mopitr_conn *p)
{
    if (p)
        p->nRef++;
}

/* Drop one reference; the last one closes the handle and wipes the password. */
void mopitr_conn_unref(mopitr_conn *p)
{
    if (p == NULL || --p->nRef > 0)
        return;
    mopitr_conn_drop(p);
    mopitr_conn_unref(p->pFanout); /* conn_fanout.c's handle (a scan may still hold it) */
    mopitr_dsn_clear(&p->dsn);
    conn_free_secret(p->zPassword);
    sqlite3_free(p->zDescribe);
    sqlite3_free(p->zLogin);
    sqlite3_free(p->zAccount);
    sqlite3_free(p->zServerVersion);
    sqlite3_free(p->zName);
    mopitr_journal_unref(p->pJournal);
    sqlite3_free(p);
}

/* Close the handle for good (mo_disconnect, replacement); readers keep spilled rows. */
void mopitr_conn_shutdown(mopitr_conn *p)
{
    if (p == NULL)
        return;
    if (p->pStream)
        mopitr_result_spill(p->pStream);
    mopitr_conn_drop(p);
    p->bClosed = 1;
    /* The fan-out's handle goes too; a running fan-out scan holds its own reference
    ** and closes it when it ends (conn_fanout.c). */
    mopitr_conn_unref(p->pFanout);
    p->pFanout = NULL;
}

/* The DSN (its password field is always NULL: the password is kept apart). */
const mopitr_dsn *mopitr_conn_dsn(const mopitr_conn *p)
{
    return &p->dsn;
}

/* The account logged in to ("sys" for a plain login), lower case. */
const char *mopitr_conn_account(const mopitr_conn *p)
{
    return p->zAccount;
}

/* The server version of the last successful connect ("" before any). */
const char *mopitr_conn_server_version(const mopitr_conn *p)
{
    return p->zServerVersion ? p->zServerVersion : "";
}

/* The server's connection id of the open handle, 0 when none is open. */
unsigned long mopitr_conn_thread_id(const mopitr_conn *p)
{
    return p->m ? p->threadId : 0;
}

/* "connected", "disconnected" (lost; reconnects on next use) or "closed". */
const char *mopitr_conn_state(const mopitr_conn *p)
{
    if (p->bClosed)
        return "closed";
    return p->m ? "connected" : "disconnected";
}

/* The TLS cipher of the open handle, NULL for plain text or no handle. */
const char *mopitr_conn_tls(const mopitr_conn *p)
{
    return p->m ? p->zCipher : NULL;
}

/* Did the server last report NO_BACKSLASH_ESCAPES (string literal escaping)? */
int mopitr_conn_no_backslash_escapes(const mopitr_conn *p)
{
    return p->bNoBackslash;
}

/* Write attempts so far: a reader's copy of the table is stale once it moves. */
unsigned mopitr_conn_generation(const mopitr_conn *p)
{
    return p->generation;
}

/* Fill pInfo (may be NULL) with merr and zMsg. */
static void conn_info(mopitr_exec_info *pInfo, unsigned merr, const char *zMsg, int bUnknown)
{
    if (pInfo == NULL)
        return;
    pInfo->merr = merr;
    pInfo->bUnknown = bUnknown;
    sqlite3_snprintf((int)sizeof(pInfo->zMsg), pInfo->zMsg, "%s", zMsg ? zMsg : "");
}

/* Run one write (OK/ERR answer); never resent once it left. See the header. */
int mopitr_conn_exec(mopitr_conn *p, const char *zSql, mopitr_exec_info *pInfo, char **pzErr)
{
    int rc;
    int bFresh = 0;
    int bRetried = 0;
    unsigned merr;
    sqlite3_int64 iStart;
    mopitr_wait w;

    mopitr_wait_begin(&w, p->db, -1);
    conn_info(pInfo, 0, "", 0);
again:
    rc = mopitr_conn_ready(p, &bFresh, pzErr);
    if (rc != SQLITE_OK)
        goto out;
    p->generation++;
    iStart = mopitr_journal_clock_us();
    if (mysql_real_query(p->m, zSql, (unsigned long)strlen(zSql)) == 0) {
        /* A statement that unexpectedly answers with rows: read them away. */
        if (mysql_field_count(p->m) > 0) {
            MYSQL_RES *pRes = mysql_store_result(p->m);
            mysql_free_result(pRes);
        }
        if (mysql_errno(p->m) == 0) {
            mopitr_journal_record(p->pJournal, p->zName, zSql, iStart,
                                  (sqlite3_int64)mysql_affected_rows(p->m), 0, NULL);
            mopitr_conn_read_status(p);
            rc = SQLITE_OK;
            goto out;
        }
    }
    merr = mysql_errno(p->m);
    mopitr_journal_record(p->pJournal, p->zName, zSql, iStart, 0, merr, mysql_error(p->m));
    conn_info(pInfo, merr, mysql_error(p->m), 0);
    if (!mopitr_conn_is_lost(merr)) {
        *pzErr = mopitr_server_errf(merr, mysql_error(p->m), NULL);
        mopitr_conn_read_status(p);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    if (merr == CR_SERVER_GONE_ERROR && !bRetried && !bFresh && !w.bInterrupted && !w.bTimedOut) {
        /* 2006: the handle was known dead and nothing left: safe to send once more. */
        mopitr_conn_drop(p);
        bRetried = 1;
        goto again;
    }
    /* The statement may have reached the server: the outcome is unknown (bUnknown;
    ** the caller checks the server's state). */
    *pzErr = mopitr_conn_lost_errf(p, &w, merr, mysql_error(p->m), zSql, &rc);
    mopitr_conn_drop(p);
    if (pInfo)
        pInfo->bUnknown = 1;
out:
    mopitr_wait_end(&w);
    return rc;
}

/* See the header (the journal entry of a SHOW PITR stream: conn_result.c calls it when
** the send fails, when the stream ends or is abandoned, and when it is spilled). */
void mopitr_result_journal(mopitr_result *r, unsigned merr, const char *zMsg)
{
    if (r->bJournaled || r->iStartUs == 0)
        return;
    r->bJournaled = 1;
    mopitr_journal_record(r->pConn->pJournal, r->pConn->zName, r->zSql, r->iStartUs,
                          (sqlite3_int64)r->nDelivered + (r->nSpill - r->iSpill), merr, zMsg);
}
