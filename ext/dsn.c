/*
** dsn.c: parse mo_pitr connection strings (pure: no connection is made here).
**
** Usage:
**     mopitr_dsn d;
**     char *zErr = 0;
**     if (mopitr_dsn_parse("mysql://root:111@127.0.0.1:6001/db1?read_timeout=5", &d, &zErr))
**         ... report zErr (never contains the password), sqlite3_free(zErr) ...
**     zLogin = mopitr_dsn_login(&d);   -- "root", or "acc01:admin[:role]"
**     mopitr_dsn_clear(&d);
**
** Two forms are accepted:
**
**   URI        mysql://[user[:password]@]host[:port][/database][?key=value&key=value]
**              user, password, database and query keys and values are percent-decoded
**              (%40 is '@'). An IPv6 host is written in brackets: mysql://root@[::1]:6001.
**              The user information ends at the LAST '@', so a password may hold
**              unencoded '@', ':', '/' and '?'; an '@' in the database or a query value
**              must then be written %40.
**   key=value  host=127.0.0.1 port=6001 user=root password='s e;cret'
**              Pairs are separated by blanks or ';'. No blanks around '='. A value may be
**              quoted with ' or "; inside quotes the quote character is written twice.
**              No percent-decoding in this form.
**
** Keys (both forms; case-insensitive)      default
**   host                                   127.0.0.1 (libmariadb reads "localhost" as the
**                                          Unix socket; the connection layer forces TCP)
**   port             1..65535              6001
**   user                                   root
**   password                               none (then MO_PASSWORD / option file)
**   account, role                          none: MatrixOne login "account:user[:role]"
**   database                               none (an empty value is none)
**   connect_timeout  seconds, 1..86400     10
**   read_timeout     seconds, 1..86400     30
**   write_timeout    seconds, 1..86400     30
**   ssl_mode         disabled|preferred|required|verify_ca|verify_identity   unset
**   ssl_ca ssl_cert ssl_key option_file option_group   file names / group, no default
**   restore_timeout  seconds, 0..604800    0 = none: how long a RESTORE's reply may take
**                                          (restore.c; read_timeout does not apply to it)
**
** Errors ("mo_pitr: ..."): an unknown key is answered with the list of valid keys; a
** duplicate key, an empty host/user/account/role/file, a bad number, a bad ssl_mode,
** a bad percent escape, a NUL byte (%00) or an unterminated quote names the key and
** quotes only the offending piece. Nothing about the password is ever quoted: an
** error inside it says "password" and no more, and a stray token right after an
** unquoted password is not quoted either (it may be the password's second half).
**
** How it works: the text is cut into (key, value) pieces by the form's tokenizer, each
** value is decoded into a fresh sqlite3_malloc'd string and handed to dsn_set(), which
** checks duplicates (a bit per key) and the key's own rule. Login composition:
** "account:user:role"; a role without an account logs in as "sys:user:role" (a bare
** user means account sys in MatrixOne). With an account or role given, none of the
** three may contain ':' (MatrixOne would split there).
*/
#include "mo_pitr_int.h"

#include <string.h>

/* The keys, in the order the "valid options" list shows them. */
enum {
    K_HOST = 0,
    K_PORT,
    K_USER,
    K_PASSWORD,
    K_ACCOUNT,
    K_ROLE,
    K_DATABASE,
    K_CONNECT_TIMEOUT,
    K_READ_TIMEOUT,
    K_WRITE_TIMEOUT,
    K_SSL_MODE,
    K_SSL_CA,
    K_SSL_CERT,
    K_SSL_KEY,
    K_OPTION_FILE,
    K_OPTION_GROUP,
    K_RESTORE_TIMEOUT,
    K_N
};

static const char *const azKey[K_N] = {
    "host",           "port",          "user",        "password",
    "account",        "role",          "database",    "connect_timeout",
    "read_timeout",   "write_timeout", "ssl_mode",    "ssl_ca",
    "ssl_cert",       "ssl_key",       "option_file", "option_group",
    "restore_timeout"};

#define DSN_VALID_KEYS                                                                             \
    "host, port, user, password, account, role, database, connect_timeout, read_timeout, "         \
    "write_timeout, ssl_mode, ssl_ca, ssl_cert, ssl_key, option_file, option_group, "              \
    "restore_timeout"

static const char *const azSslMode[] = {"disabled", "preferred", "required", "verify_ca",
                                        "verify_identity"};

/* Parser state shared by both forms. */
typedef struct dsn_state {
    mopitr_dsn *p;
    unsigned seen;      /* bit per K_* already given */
    int bAfterPassword; /* the last value was an unquoted password */
    char **pzErr;
} dsn_state;

/* ASCII lower case of one byte. */
static int dsn_lower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + 32 : c;
}

/* Blank for the key=value tokenizer (';' separates too). */
static int dsn_is_sep(int c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v' || c == ';';
}

/* Index of key z[0..n) (case-insensitive), or -1. */
static int dsn_key_find(const char *z, int n)
{
    int i;
    for (i = 0; i < K_N; i++) {
        if ((int)strlen(azKey[i]) == n && sqlite3_strnicmp(azKey[i], z, n) == 0)
            return i;
    }
    return -1;
}

/* Set *pzErr to a formatted message (mopitr_errf). Returns SQLITE_ERROR. */
static int dsn_err(dsn_state *s, const char *zMsg)
{
    *s->pzErr = (char *)zMsg;
    return zMsg ? SQLITE_ERROR : SQLITE_NOMEM;
}

/*
** Parse an unsigned decimal in z[0..n) into *pv if it lies in [lo, hi]. Returns 1 on
** success, 0 otherwise (empty, non-digit, out of range).
*/
static int dsn_uint(const char *z, int n, unsigned lo, unsigned hi, unsigned *pv)
{
    unsigned long long v = 0;
    int i;
    if (n <= 0 || n > 10)
        return 0;
    for (i = 0; i < n; i++) {
        if (z[i] < '0' || z[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(z[i] - '0');
    }
    if (v < lo || v > hi)
        return 0;
    *pv = (unsigned)v;
    return 1;
}

/* The string field of *p that key k fills, or NULL for the numeric keys. */
static char **dsn_slot(mopitr_dsn *p, int k)
{
    switch (k) {
    case K_HOST:
        return &p->host;
    case K_USER:
        return &p->user;
    case K_PASSWORD:
        return &p->password;
    case K_ACCOUNT:
        return &p->account;
    case K_ROLE:
        return &p->role;
    case K_DATABASE:
        return &p->database;
    case K_SSL_CA:
        return &p->ssl_ca;
    case K_SSL_CERT:
        return &p->ssl_cert;
    case K_SSL_KEY:
        return &p->ssl_key;
    case K_OPTION_FILE:
        return &p->option_file;
    case K_OPTION_GROUP:
        return &p->option_group;
    default:
        return NULL;
    }
}

/*
** Apply key k with decoded value z[0..n) (z is sqlite3_malloc'd, NUL-terminated, and
** owned by this function from now on). Returns SQLITE_OK or an error with *pzErr.
*/
static int dsn_set(dsn_state *s, int k, char *z, int n)
{
    mopitr_dsn *p = s->p;
    char aClip[MOPITR_CLIP_SIZE];
    unsigned v = 0;
    int rc = SQLITE_OK;
    char **pz;

    if (s->seen & (1u << k)) {
        rc = dsn_err(s, mopitr_errf("duplicate connection option '%s'", azKey[k]));
        goto out;
    }
    s->seen |= 1u << k;
    if (memchr(z, 0, (size_t)n)) {
        rc = dsn_err(s, mopitr_errf("%s contains a NUL byte", azKey[k]));
        goto out;
    }
    switch (k) {
    case K_PORT:
        if (!dsn_uint(z, n, 1, 65535, &v)) {
            rc = dsn_err(s, mopitr_errf("port must be an integer from 1 to 65535, got '%s'",
                                        mopitr_err_clip(aClip, z, n)));
            goto out;
        }
        p->port = v;
        goto out;
    case K_CONNECT_TIMEOUT:
    case K_READ_TIMEOUT:
    case K_WRITE_TIMEOUT:
        if (!dsn_uint(z, n, 1, 86400, &v)) {
            rc = dsn_err(s, mopitr_errf("%s must be an integer from 1 to 86400, got '%s'", azKey[k],
                                        mopitr_err_clip(aClip, z, n)));
            goto out;
        }
        if (k == K_CONNECT_TIMEOUT)
            p->connect_timeout = v;
        else if (k == K_READ_TIMEOUT)
            p->read_timeout = v;
        else
            p->write_timeout = v;
        goto out;
    case K_RESTORE_TIMEOUT:
        if (!dsn_uint(z, n, 0, 604800, &v)) {
            rc = dsn_err(s, mopitr_errf("restore_timeout must be an integer from 0 to 604800, "
                                        "got '%s'",
                                        mopitr_err_clip(aClip, z, n)));
            goto out;
        }
        p->restore_timeout = v;
        goto out;
    case K_SSL_MODE: {
        int i;
        for (i = 0; i < 5; i++) {
            if (sqlite3_stricmp(z, azSslMode[i]) == 0) {
                p->ssl_mode = (mopitr_ssl_mode)(MOPITR_SSL_DISABLED + i);
                goto out;
            }
        }
        rc = dsn_err(s, mopitr_errf("ssl_mode must be one of disabled, preferred, required, "
                                    "verify_ca, verify_identity, got '%s'",
                                    mopitr_err_clip(aClip, z, n)));
        goto out;
    }
    case K_PASSWORD:
        break;
    case K_DATABASE:
        if (n == 0)
            goto out; /* an empty database is no database */
        break;
    default:
        if (n == 0) {
            rc = dsn_err(s, mopitr_errf("%s must not be empty", azKey[k]));
            goto out;
        }
        if (k == K_HOST && z[0] == '[' && z[n - 1] == ']') {
            if (n == 2) {
                rc = dsn_err(s, mopitr_errf("host must not be empty"));
                goto out;
            }
            memmove(z, z + 1, (size_t)n - 2);
            z[n - 2] = 0;
        }
        break;
    }
    pz = dsn_slot(p, k);
    sqlite3_free(*pz);
    *pz = z;
    z = NULL;
out:
    sqlite3_free(z);
    return rc;
}

/* Value of one hex digit, or -1. */
static int dsn_hex(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = dsn_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

/*
** Percent-decode z[0..n) into a new string *pzOut (length *pnOut; may contain NUL
** bytes, which dsn_set refuses). zWhat names the part for messages; a bad escape in the
** password is reported without quoting it. Returns SQLITE_OK, SQLITE_NOMEM or
** SQLITE_ERROR with *s->pzErr.
*/
static int dsn_decode(dsn_state *s, const char *z, int n, const char *zWhat, char **pzOut,
                      int *pnOut)
{
    char *zOut = sqlite3_malloc64((sqlite3_uint64)n + 1);
    char aClip[MOPITR_CLIP_SIZE];
    int i, j = 0, rc = SQLITE_OK;

    if (zOut == NULL) {
        rc = SQLITE_NOMEM;
        goto out;
    }
    for (i = 0; i < n; i++) {
        if (z[i] != '%') {
            zOut[j++] = z[i];
            continue;
        }
        if (i + 2 >= n || dsn_hex(z[i + 1]) < 0 || dsn_hex(z[i + 2]) < 0) {
            rc = SQLITE_ERROR;
            int nBad = n - i < 3 ? n - i : 3;
            if (strcmp(zWhat, "password") == 0)
                *s->pzErr = mopitr_errf("bad percent escape in password");
            else
                *s->pzErr = mopitr_errf("bad percent escape '%s' in %s",
                                        mopitr_err_clip(aClip, z + i, nBad), zWhat);
            if (*s->pzErr == NULL)
                rc = SQLITE_NOMEM;
            goto out;
        }
        zOut[j++] = (char)(dsn_hex(z[i + 1]) * 16 + dsn_hex(z[i + 2]));
        i += 2;
    }
    zOut[j] = 0;
    *pzOut = zOut;
    *pnOut = j;
    zOut = NULL;
out:
    sqlite3_free(zOut);
    return rc;
}

/* Copy z[0..n) into a new NUL-terminated string. NULL on OOM. */
static char *dsn_dup(const char *z, int n)
{
    char *zOut = sqlite3_malloc64((sqlite3_uint64)n + 1);
    if (zOut) {
        memcpy(zOut, z, (size_t)n);
        zOut[n] = 0;
    }
    return zOut;
}

/*
** Decode (when bDecode) and apply key k with raw value z[0..n). Returns SQLITE_OK or
** an error with *pzErr.
*/
static int dsn_put(dsn_state *s, int k, const char *z, int n, int bDecode)
{
    char *zVal = NULL;
    int nVal = n, rc;

    if (bDecode) {
        rc = dsn_decode(s, z, n, azKey[k], &zVal, &nVal);
        if (rc != SQLITE_OK)
            return rc;
    } else {
        zVal = dsn_dup(z, n);
        if (zVal == NULL)
            return SQLITE_NOMEM;
    }
    return dsn_set(s, k, zVal, nVal);
}

/*
** The error for a token that is not "key=value" or names no known key. Right after an
** unquoted password the token is not quoted (it may be part of the password).
*/
static int dsn_bad_token(dsn_state *s, const char *z, int n, int bUnknown)
{
    char aClip[MOPITR_CLIP_SIZE];
    if (s->bAfterPassword)
        return dsn_err(s, mopitr_errf("expected key=value after the password (quote a "
                                      "password that contains blanks, ';' or '&')"));
    if (bUnknown)
        return dsn_err(s, mopitr_errf("unknown connection option '%s'; valid options: %s",
                                      mopitr_err_clip(aClip, z, n), DSN_VALID_KEYS));
    return dsn_err(s, mopitr_errf("expected key=value in connection string, got '%s'",
                                  mopitr_err_clip(aClip, z, n)));
}

/* Parse the key=value form z[0..n). */
static int dsn_parse_kv(dsn_state *s, const char *z, int n)
{
    int i = 0, rc = SQLITE_OK;

    while (rc == SQLITE_OK) {
        int iKey, nKey, k, bQuoted = 0;
        while (i < n && dsn_is_sep(z[i]))
            i++;
        if (i >= n)
            break;
        iKey = i;
        while (i < n && z[i] != '=' && !dsn_is_sep(z[i]))
            i++;
        nKey = i - iKey;
        if (i >= n || z[i] != '=' || nKey == 0)
            return dsn_bad_token(s, z + iKey, nKey ? nKey : 1, 0);
        k = dsn_key_find(z + iKey, nKey);
        if (k < 0)
            return dsn_bad_token(s, z + iKey, nKey, 1);
        i++; /* '=' */
        if (i < n && (z[i] == '\'' || z[i] == '"')) {
            char q = z[i++];
            char *zVal = sqlite3_malloc64((sqlite3_uint64)(n - i) + 1);
            int j = 0;
            if (zVal == NULL)
                return SQLITE_NOMEM;
            for (;;) {
                if (i >= n) {
                    sqlite3_free(zVal);
                    if (k == K_PASSWORD)
                        return dsn_err(s, mopitr_errf("unterminated quote in password"));
                    return dsn_err(s, mopitr_errf("unterminated quote in value of %s", azKey[k]));
                }
                if (z[i] == q) {
                    if (i + 1 < n && z[i + 1] == q) {
                        zVal[j++] = q;
                        i += 2;
                        continue;
                    }
                    i++;
                    break;
                }
                zVal[j++] = z[i++];
            }
            zVal[j] = 0;
            if (i < n && !dsn_is_sep(z[i])) {
                sqlite3_free(zVal);
                if (k == K_PASSWORD)
                    return dsn_err(s, mopitr_errf("unexpected text after the quoted password"));
                return dsn_err(
                    s, mopitr_errf("unexpected text after the quoted value of %s", azKey[k]));
            }
            bQuoted = 1;
            s->bAfterPassword = 0;
            rc = dsn_set(s, k, zVal, j);
        } else {
            int iVal = i;
            while (i < n && !dsn_is_sep(z[i]))
                i++;
            s->bAfterPassword = 0;
            rc = dsn_put(s, k, z + iVal, i - iVal, 0);
        }
        s->bAfterPassword = (k == K_PASSWORD && !bQuoted);
    }
    return rc;
}

/* Parse the query string z[0..n) of a URI ("k=v&k=v"), percent-decoding keys and values. */
static int dsn_parse_query(dsn_state *s, const char *z, int n)
{
    int i = 0, rc = SQLITE_OK;

    while (rc == SQLITE_OK && i < n) {
        int iStart = i, iEq = -1, k, nKey;
        char *zKey = NULL;
        while (i < n && z[i] != '&') {
            if (z[i] == '=' && iEq < 0)
                iEq = i;
            i++;
        }
        if (i == iStart) {
            i++; /* empty segment: "&&" or a trailing '&' */
            continue;
        }
        if (iEq < 0) {
            rc = dsn_bad_token(s, z + iStart, i - iStart, 0);
            break;
        }
        rc = dsn_decode(s, z + iStart, iEq - iStart, "option name", &zKey, &nKey);
        if (rc != SQLITE_OK)
            break;
        k = dsn_key_find(zKey, nKey);
        if (k < 0 || nKey == 0) {
            rc = dsn_bad_token(s, zKey, nKey, nKey > 0);
            sqlite3_free(zKey);
            break;
        }
        sqlite3_free(zKey);
        s->bAfterPassword = 0;
        rc = dsn_put(s, k, z + iEq + 1, i - iEq - 1, 1);
        s->bAfterPassword = (k == K_PASSWORD);
        if (i < n)
            i++; /* '&' */
    }
    return rc;
}

/* Parse the URI form; z[0..n) is the text after "mysql://". */
static int dsn_parse_uri(dsn_state *s, const char *z, int n)
{
    char aClip[MOPITR_CLIP_SIZE];
    int iAt = -1, iHost = 0, iEnd, iPort = -1, i, rc;

    for (i = 0; i < n; i++) {
        if (z[i] == '@')
            iAt = i;
    }
    if (iAt >= 0) {
        int iColon = -1;
        for (i = 0; i < iAt; i++) {
            if (z[i] == ':') {
                iColon = i;
                break;
            }
        }
        rc = dsn_put(s, K_USER, z, iColon >= 0 ? iColon : iAt, 1);
        if (rc == SQLITE_OK && iColon >= 0)
            rc = dsn_put(s, K_PASSWORD, z + iColon + 1, iAt - iColon - 1, 1);
        if (rc != SQLITE_OK)
            return rc;
        iHost = iAt + 1;
    }
    /* host[:port] runs to the first '/' or '?' */
    iEnd = iHost;
    if (iEnd < n && z[iEnd] == '[') {
        while (iEnd < n && z[iEnd] != ']')
            iEnd++;
        if (iEnd >= n)
            return dsn_err(s, mopitr_errf("unterminated '[' in host '%s'",
                                          mopitr_err_clip(aClip, z + iHost, n - iHost)));
        iEnd++;
        if (iEnd < n && z[iEnd] != ':' && z[iEnd] != '/' && z[iEnd] != '?')
            return dsn_err(s, mopitr_errf("unexpected text after host '%s'",
                                          mopitr_err_clip(aClip, z + iHost, iEnd - iHost)));
    }
    while (iEnd < n && z[iEnd] != '/' && z[iEnd] != '?') {
        if (z[iEnd] == ':' && iPort < 0)
            iPort = iEnd;
        iEnd++;
    }
    if (iAt < 0 && iPort >= 0) {
        /* "mysql://user:secret" without "@host": the "port" may be a password */
        unsigned v;
        if (!dsn_uint(z + iPort + 1, iEnd - iPort - 1, 1, 65535, &v))
            return dsn_err(s, mopitr_errf("port must be an integer from 1 to 65535 (the URI has "
                                          "no '@': for user:password write user:password@host)"));
    }
    rc = dsn_put(s, K_HOST, z + iHost, (iPort >= 0 ? iPort : iEnd) - iHost, 0);
    if (rc == SQLITE_OK && iPort >= 0)
        rc = dsn_put(s, K_PORT, z + iPort + 1, iEnd - iPort - 1, 0);
    if (rc != SQLITE_OK)
        return rc;
    if (iEnd < n && z[iEnd] == '/') {
        int iDb = iEnd + 1;
        iEnd = iDb;
        while (iEnd < n && z[iEnd] != '?')
            iEnd++;
        if (iEnd > iDb) {
            rc = dsn_put(s, K_DATABASE, z + iDb, iEnd - iDb, 1);
            if (rc != SQLITE_OK)
                return rc;
        }
    }
    if (iEnd < n && z[iEnd] == '?')
        return dsn_parse_query(s, z + iEnd + 1, n - iEnd - 1);
    return SQLITE_OK;
}

/* Fill in the defaults for what was not given. Returns SQLITE_OK or SQLITE_NOMEM. */
static int dsn_defaults(mopitr_dsn *p)
{
    if (p->host == NULL && (p->host = sqlite3_mprintf("127.0.0.1")) == NULL)
        return SQLITE_NOMEM;
    if (p->user == NULL && (p->user = sqlite3_mprintf("root")) == NULL)
        return SQLITE_NOMEM;
    if (p->port == 0)
        p->port = 6001;
    if (p->connect_timeout == 0)
        p->connect_timeout = 10;
    if (p->read_timeout == 0)
        p->read_timeout = 30;
    if (p->write_timeout == 0)
        p->write_timeout = 30;
    return SQLITE_OK;
}

/* With an account or role given, user/account/role must not contain ':'. */
static int dsn_check_login(dsn_state *s)
{
    mopitr_dsn *p = s->p;
    char aClip[MOPITR_CLIP_SIZE];
    const char *az[3];
    const char *azName[3] = {"user", "account", "role"};
    int i;

    if (p->account == NULL && p->role == NULL)
        return SQLITE_OK;
    az[0] = p->user;
    az[1] = p->account;
    az[2] = p->role;
    for (i = 0; i < 3; i++) {
        if (az[i] && strchr(az[i], ':'))
            return dsn_err(s, mopitr_errf("%s '%s' must not contain ':' when account or role "
                                          "is given",
                                          azName[i], mopitr_err_clip(aClip, az[i], -1)));
    }
    return SQLITE_OK;
}

/*
** Parse zText[0..nText) (nText < 0: up to the NUL) into *pOut, which is cleared first.
** Returns SQLITE_OK, SQLITE_NOMEM, or SQLITE_ERROR with *pzErr (sqlite3_malloc'd, owned
** by the caller). On failure *pOut is left cleared.
*/
int mopitr_dsn_parse_n(const char *zText, int nText, mopitr_dsn *pOut, char **pzErr)
{
    dsn_state s;
    int rc = SQLITE_OK, i;

    memset(pOut, 0, sizeof(*pOut));
    memset(&s, 0, sizeof(s));
    s.p = pOut;
    s.pzErr = pzErr;
    *pzErr = NULL;
    if (zText == NULL)
        zText = "";
    if (nText < 0)
        nText = (int)strlen(zText);
    if (memchr(zText, 0, (size_t)nText)) {
        rc = dsn_err(&s, mopitr_errf("connection string contains a NUL byte"));
        goto out;
    }
    for (i = 0; i < nText &&
                ((zText[i] >= 'a' && zText[i] <= 'z') || (zText[i] >= 'A' && zText[i] <= 'Z') ||
                 (zText[i] >= '0' && zText[i] <= '9') || zText[i] == '+');
         i++) {
    }
    if (i > 0 && i + 3 <= nText && memcmp(zText + i, "://", 3) == 0) {
        char aClip[MOPITR_CLIP_SIZE];
        if (i != 5 || sqlite3_strnicmp(zText, "mysql", 5) != 0) {
            rc = dsn_err(&s, mopitr_errf("unsupported scheme '%s' in connection string; use "
                                         "mysql://user@host:port",
                                         mopitr_err_clip(aClip, zText, i)));
            goto out;
        }
        rc = dsn_parse_uri(&s, zText + 8, nText - 8);
    } else {
        rc = dsn_parse_kv(&s, zText, nText);
    }
    if (rc == SQLITE_OK)
        rc = dsn_defaults(pOut);
    if (rc == SQLITE_OK)
        rc = dsn_check_login(&s);
out:
    if (rc != SQLITE_OK)
        mopitr_dsn_clear(pOut);
    return rc;
}

/* mopitr_dsn_parse_n() of a NUL-terminated string. */
int mopitr_dsn_parse(const char *zText, mopitr_dsn *pOut, char **pzErr)
{
    return mopitr_dsn_parse_n(zText, -1, pOut, pzErr);
}

/* Free every string *p owns (the password is wiped first) and zero *p. NULL is fine. */
void mopitr_dsn_clear(mopitr_dsn *p)
{
    if (p == NULL)
        return;
    if (p->password) {
        volatile char *z = p->password;
        while (*z)
            *z++ = 0;
    }
    sqlite3_free(p->host);
    sqlite3_free(p->user);
    sqlite3_free(p->password);
    sqlite3_free(p->account);
    sqlite3_free(p->role);
    sqlite3_free(p->database);
    sqlite3_free(p->ssl_ca);
    sqlite3_free(p->ssl_cert);
    sqlite3_free(p->ssl_key);
    sqlite3_free(p->option_file);
    sqlite3_free(p->option_group);
    memset(p, 0, sizeof(*p));
}

/*
** Is z[0..n) (n < 0: strlen) a connection name: 1 to 64 ASCII letters, digits, '_', '-'
** or '.'? (The rule of mo_connect's names; a named cluster is one, cluster_cfg.c.)
*/
int mopitr_dsn_name_ok(const char *z, int n)
{
    int i;
    if (n < 0)
        n = (int)strlen(z);
    if (n < 1 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = z[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.'))
            return 0;
    }
    return 1;
}

/* Copy z into *pz (NULL stays NULL); returns 0 on OOM. */
static int dsn_copy_str(char **pz, const char *z)
{
    *pz = z ? sqlite3_mprintf("%s", z) : NULL;
    return z == NULL || *pz != NULL;
}

/*
** Deep copy of *pIn into *pOut (cleared first), the password included (a second
** connection to the same server: conn_fanout.c). SQLITE_OK or SQLITE_NOMEM (then *pOut
** is left cleared).
*/
int mopitr_dsn_copy(mopitr_dsn *pOut, const mopitr_dsn *pIn)
{
    int bOk;
    memset(pOut, 0, sizeof(*pOut));
    pOut->port = pIn->port;
    pOut->connect_timeout = pIn->connect_timeout;
    pOut->read_timeout = pIn->read_timeout;
    pOut->write_timeout = pIn->write_timeout;
    pOut->ssl_mode = pIn->ssl_mode;
    bOk = dsn_copy_str(&pOut->host, pIn->host) && dsn_copy_str(&pOut->user, pIn->user) &&
          dsn_copy_str(&pOut->password, pIn->password) &&
          dsn_copy_str(&pOut->account, pIn->account) && dsn_copy_str(&pOut->role, pIn->role) &&
          dsn_copy_str(&pOut->database, pIn->database) &&
          dsn_copy_str(&pOut->ssl_ca, pIn->ssl_ca) &&
          dsn_copy_str(&pOut->ssl_cert, pIn->ssl_cert) &&
          dsn_copy_str(&pOut->ssl_key, pIn->ssl_key) &&
          dsn_copy_str(&pOut->option_file, pIn->option_file) &&
          dsn_copy_str(&pOut->option_group, pIn->option_group);
    if (bOk)
        return SQLITE_OK;
    mopitr_dsn_clear(pOut);
    return SQLITE_NOMEM;
}

/*
** MatrixOne login name: "account:user", "account:user:role", "sys:user:role" for a role
** without an account, or the bare user. Caller frees. NULL on OOM.
*/
char *mopitr_dsn_login(const mopitr_dsn *p)
{
    const char *zUser = p->user ? p->user : "root";
    if (p->account && p->role)
        return sqlite3_mprintf("%s:%s:%s", p->account, zUser, p->role);
    if (p->account)
        return sqlite3_mprintf("%s:%s", p->account, zUser);
    if (p->role)
        return sqlite3_mprintf("sys:%s:%s", zUser, p->role);
    return sqlite3_mprintf("%s", zUser);
}

/*
** "login@host:port" for messages, the host in brackets when it holds a ':' (IPv6).
** The login is mopitr_dsn_login()'s (for a plain login just the user). Never holds the
** password. Caller frees. NULL on OOM.
*/
char *mopitr_dsn_describe(const mopitr_dsn *p)
{
    char *zLogin = mopitr_dsn_login(p);
    const char *zHost = p->host ? p->host : "127.0.0.1";
    char *zOut = NULL;
    if (zLogin == NULL)
        return NULL;
    zOut = sqlite3_mprintf(strchr(zHost, ':') ? "%s@[%s]:%u" : "%s@%s:%u", zLogin, zHost,
                           p->port ? p->port : 6001u);
    sqlite3_free(zLogin);
    return zOut;
}

/*
** The account this DSN logs in to: the account option; else the part of the user
** before ':' (or '#') when the user is written "acc:user" (MatrixOne's own login
** syntax); else "sys". Lower-cased (MatrixOne account names are case-insensitive).
** Caller frees. NULL on OOM.
*/
char *mopitr_dsn_account(const mopitr_dsn *p)
{
    const char *zUser = p->user ? p->user : "";
    char *zOut;
    int n, i;

    if (p->account) {
        zOut = sqlite3_mprintf("%s", p->account);
    } else {
        const char *zSep = strchr(zUser, ':');
        if (zSep == NULL)
            zSep = strchr(zUser, '#');
        if (zSep && zSep > zUser)
            zOut = sqlite3_mprintf("%.*s", (int)(zSep - zUser), zUser);
        else
            zOut = sqlite3_mprintf("sys");
    }
    if (zOut) {
        n = (int)strlen(zOut);
        for (i = 0; i < n; i++)
            zOut[i] = (char)dsn_lower((unsigned char)zOut[i]);
    }
    return zOut;
}
