/*
** cluster_cfg.c: named clusters in a MySQL option file (issue 16).
**
** Usage:
**     SELECT mo_connect('prod');        -- the group [mo_pitr-prod] of the option file
**     SELECT * FROM mo_clusters;        -- every [mo_pitr-*] group (cluster.c)
**
**     $ cat ~/.my.cnf                   -- or the file named by env MO_PITR_CONFIG
**     [mo_pitr-prod]
**     host=10.0.0.1
**     port=6001
**     user=acc01:admin                  -- MatrixOne's account:user[:role] login
**     password=...
**     ssl-ca=/etc/mo/ca.pem
**     ssl_mode=verify_ca                -- mo_pitr's own key (see below)
**     read_timeout=10                   -- mo_pitr's own key
**
** The file: env MO_PITR_CONFIG when set, else $HOME/.my.cnf. A cluster NAME is the group
** [mo_pitr-NAME] (NAME follows the connection-name rule: 1 to 64 letters, digits, '_',
** '-', '.'; the group is found case-insensitively).
**
** Which keys mean what:
**   - libmariadb reads the group itself, with [client], [client-server] and
**     [client-mariadb] before it, exactly as any libmariadb client reads its groups
**     (quotes, escapes, '_' or '-', !include, later lines winning). mo_pitr takes from
**     what it read: host, port, user, password, database, ssl-ca, ssl-cert, ssl-key,
**     connect-timeout, and ssl-verify-server-cert / ssl-enforce (ssl_mode
**     verify_identity / required when the group gives no ssl_mode). Its other client
**     options are not used: the connection's settings are mo_pitr's (TCP, utf8mb4, UTC,
**     the TLS rules of conn.c), whatever a [client] group of ~/.my.cnf says.
**   - mo_pitr's own keys, which libmariadb does not know and skips, are read from the
**     cluster's own group only: account, role, read_timeout, write_timeout, ssl_mode
**     ('_' or '-'), with the DSN's values and rules. Plain values; quotes around a value
**     are dropped.
**   - The values become one DSN (dsn.c checks them as it checks any DSN), so the file is
**     read once per mo_connect: a reconnect uses the same values, an edit applies at the
**     next mo_connect. The group's password comes before MO_PASSWORD.
**
** Refused files: one readable by group or others (mode & 044) that holds a password
** (password, passwd, ssl-passphrase, tls-passphrase, in any group), and one writable by
** group or others (anyone who can write it can send a password to a server of their
** choice). The message says how to fix it (chmod 600 FILE). The same holds for every
** file it includes. A key outside any group and an unreadable file are errors too
** (libmariadb would stop reading there without a word).
**
** How it works: the values come from a probe handle: mysql_init, MYSQL_READ_DEFAULT_FILE
** and _GROUP, and mysql_real_connect, which reads the file before anything else and is
** made to stop right after: the probe asks for a protocol libmariadb refuses on this
** platform (MYSQL_PROTOCOL_MEMORY: "Wrong or unknown protocol", 2047, before any socket
** is opened). Should the file itself set `protocol`, the attempt goes to a Unix socket
** path that cannot exist, or over TCP to port 1 of the loopback. The values are then read
** from the handle's options (struct st_mysql_options, public in mysql.h; libmariadb has
** no getter for host, user, password). This file scans the lines itself only for what
** libmariadb cannot tell: the list of groups, where passwords are, and the five keys of
** mo_pitr. The scan follows !include FILE and !includedir DIR (DIR/my.cnf, as libmariadb).
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <mysql.h>

#include "mo_pitr_int.h"

#define CFG_PREFIX     "mo_pitr-"
#define CFG_PREFIX_LEN 8
#define CFG_MAX_DEPTH  8 /* !include nesting */

/* mo_pitr's own keys (DSN names), read from the cluster's group. */
static const char *const cfg_azOwn[] = {"account", "role", "read_timeout", "write_timeout",
                                        "ssl_mode"};
#define CFG_NOWN 5

/* What a scan of the file collects. */
typedef struct cfg_scan {
    const char *zWant; /* the group whose own keys are wanted (case-insensitive), or NULL */
    char *zGroup;      /* the spelling of zWant in the file (the first one found) */
    char *azOwn[CFG_NOWN];
    char **azName; /* the clusters: NAME of every [mo_pitr-NAME], in file order, unique */
    int nName;
    char **pzErr;
} cfg_scan;

/* See the header: a bare name, not a DSN. */
int mopitr_cluster_is_name(const char *z, int n)
{
    if (z == NULL)
        return 0;
    if (n < 0)
        n = (int)strlen(z);
    return mopitr_dsn_name_ok(z, n);
}

/* See the header. */
char *mopitr_cluster_file(char **pzErr)
{
    const char *zEnv = getenv("MO_PITR_CONFIG");
    const char *zHome = getenv("HOME");
    char *z;
    if (zEnv && zEnv[0])
        z = sqlite3_mprintf("%s", zEnv);
    else if (zHome && zHome[0])
        z = sqlite3_mprintf("%s/.my.cnf", zHome);
    else {
        *pzErr = mopitr_errf("no option file for named clusters: set MO_PITR_CONFIG (or HOME, "
                             "for ~/.my.cnf)");
        return NULL;
    }
    if (z == NULL)
        *pzErr = NULL;
    return z;
}

/* Key k[0..n) equal to zKey, reading '_' as '-' and ignoring ASCII case? */
static int cfg_key_eq(const char *k, int n, const char *zKey)
{
    int i;
    if ((int)strlen(zKey) != n)
        return 0;
    for (i = 0; i < n; i++) {
        char a = k[i] == '_' ? '-' : k[i], b = zKey[i] == '_' ? '-' : zKey[i];
        if (a >= 'A' && a <= 'Z')
            a = (char)(a + 32);
        if (a != b)
            return 0;
    }
    return 1;
}

/* Does key k[0..n) hold a secret (libmariadb's password keys and TLS key passphrases)? */
static int cfg_key_secret(const char *k, int n)
{
    return cfg_key_eq(k, n, "password") || cfg_key_eq(k, n, "passwd") ||
           cfg_key_eq(k, n, "ssl-passphrase") || cfg_key_eq(k, n, "tls-passphrase");
}

/* Add NAME of group zGroup ("mo_pitr-NAME") to s->azName unless it is there. */
static int cfg_add_name(cfg_scan *s, const char *zGroup)
{
    const char *zName = zGroup + CFG_PREFIX_LEN;
    char **azNew;
    int i;
    for (i = 0; i < s->nName; i++) {
        if (sqlite3_stricmp(s->azName[i], zName) == 0)
            return SQLITE_OK;
    }
    azNew = sqlite3_realloc64(s->azName, sizeof(char *) * (size_t)(s->nName + 1));
    if (azNew == NULL)
        return SQLITE_NOMEM;
    s->azName = azNew;
    s->azName[s->nName] = sqlite3_mprintf("%s", zName);
    if (s->azName[s->nName] == NULL)
        return SQLITE_NOMEM;
    s->nName++;
    return SQLITE_OK;
}

/* Keep value v of own key iOwn (the last one wins, as in libmariadb). */
static int cfg_set_own(cfg_scan *s, int iOwn, const char *v, int n)
{
    if (n >= 2 && (v[0] == '\'' || v[0] == '"') && v[n - 1] == v[0])
        v++, n -= 2;
    sqlite3_free(s->azOwn[iOwn]);
    s->azOwn[iOwn] = sqlite3_mprintf("%.*s", n, v);
    return s->azOwn[iOwn] ? SQLITE_OK : SQLITE_NOMEM;
}

static int cfg_scan_file(cfg_scan *s, const char *zFile, int depth);

/* A "!include X" / "!includedir D" line (z after the '!'). */
static int cfg_directive(cfg_scan *s, char *z, int depth)
{
    char *zArg = strchr(z, ' ');
    char *zPath;
    int rc;
    if (zArg == NULL)
        return SQLITE_OK; /* as libmariadb: ignored */
    *zArg++ = 0;
    while (*zArg == ' ' || *zArg == '\t')
        zArg++;
    if (strcmp(z, "include") == 0)
        return cfg_scan_file(s, zArg, depth + 1);
    if (strcmp(z, "includedir") != 0)
        return SQLITE_OK;
    zPath = sqlite3_mprintf("%s/my.cnf", zArg);
    if (zPath == NULL)
        return SQLITE_NOMEM;
    rc = access(zPath, R_OK) == 0 ? cfg_scan_file(s, zPath, depth + 1) : SQLITE_OK;
    sqlite3_free(zPath);
    return rc;
}

/* The permission rules of the manual for zFile (st: its fstat), bSecret: it holds a
** password. SQLITE_OK or SQLITE_ERROR with *s->pzErr. */
static int cfg_check_mode(cfg_scan *s, const char *zFile, const struct stat *st, int bSecret)
{
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        *s->pzErr = mopitr_errf("option file '%s' is writable by group or others, so anyone "
                                "who can write it could point a cluster at another server: "
                                "run chmod 600 %s",
                                zFile, zFile);
        return *s->pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    if (bSecret && (st->st_mode & (S_IRGRP | S_IROTH))) {
        *s->pzErr = mopitr_errf("option file '%s' holds a password and is readable by group "
                                "or others: run chmod 600 %s",
                                zFile, zFile);
        return *s->pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
    }
    return SQLITE_OK;
}

/*
** Scan one option file (see the manual): the groups, the password lines, the own keys of
** s->zWant, the includes; then its permissions. SQLITE_OK or an error with *s->pzErr.
*/
static int cfg_scan_file(cfg_scan *s, const char *zFile, int depth)
{
    FILE *fp = NULL;
    char *zLine = NULL;
    size_t nAlloc = 0;
    ssize_t nLine;
    struct stat st;
    int rc = SQLITE_OK, iLine = 0, bSecret = 0, bInGroup = 0, bWanted = 0;

    if (depth > CFG_MAX_DEPTH) {
        *s->pzErr = mopitr_errf("option file '%s': !include nested more than %d deep", zFile,
                                CFG_MAX_DEPTH);
        rc = SQLITE_ERROR;
        goto out;
    }
    fp = fopen(zFile, "r");
    if (fp == NULL || fstat(fileno(fp), &st) != 0) {
        *s->pzErr = mopitr_errf("cannot read option file '%s': %s", zFile, strerror(errno));
        rc = SQLITE_ERROR;
        goto out;
    }
    while (rc == SQLITE_OK && (nLine = getline(&zLine, &nAlloc, fp)) >= 0) {
        char *z = zLine, *zEnd, *zEq;
        iLine++;
        while (nLine > 0 && (zLine[nLine - 1] == '\n' || zLine[nLine - 1] == '\r' ||
                             zLine[nLine - 1] == ' ' || zLine[nLine - 1] == '\t'))
            zLine[--nLine] = 0;
        while (*z == ' ' || *z == '\t')
            z++;
        if (*z == 0 || *z == '#' || *z == ';' || *z == '\'' || *z == '"')
            continue;
        if (*z == '!') {
            rc = cfg_directive(s, z + 1, depth);
            continue;
        }
        if (*z == '[') {
            zEnd = strchr(++z, ']');
            if (zEnd == NULL) {
                *s->pzErr =
                    mopitr_errf("option file '%s' line %d: a group name without ']'", zFile, iLine);
                rc = SQLITE_ERROR;
                break;
            }
            while (zEnd > z && (zEnd[-1] == ' ' || zEnd[-1] == '\t'))
                zEnd--;
            *zEnd = 0;
            bInGroup = 1;
            bWanted = s->zWant && strlen(z) > CFG_PREFIX_LEN &&
                      sqlite3_strnicmp(z, CFG_PREFIX, CFG_PREFIX_LEN) == 0 &&
                      sqlite3_stricmp(z + CFG_PREFIX_LEN, s->zWant) == 0;
            if (bWanted && s->zGroup == NULL && (s->zGroup = sqlite3_mprintf("%s", z)) == NULL)
                rc = SQLITE_NOMEM;
            if (rc == SQLITE_OK && strlen(z) > CFG_PREFIX_LEN &&
                sqlite3_strnicmp(z, CFG_PREFIX, CFG_PREFIX_LEN) == 0)
                rc = cfg_add_name(s, z);
            continue;
        }
        if (!bInGroup) {
            *s->pzErr = mopitr_errf("option file '%s' line %d: a setting before the first "
                                    "[group]",
                                    zFile, iLine);
            rc = SQLITE_ERROR;
            break;
        }
        zEq = strchr(z, '=');
        zEnd = zEq ? zEq : z + strlen(z);
        while (zEnd > z && (zEnd[-1] == ' ' || zEnd[-1] == '\t'))
            zEnd--;
        if (cfg_key_secret(z, (int)(zEnd - z)))
            bSecret = 1;
        if (bWanted && zEq) {
            int i;
            char *v = zEq + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            for (i = 0; i < CFG_NOWN; i++) {
                if (cfg_key_eq(z, (int)(zEnd - z), cfg_azOwn[i]))
                    rc = cfg_set_own(s, i, v, (int)strlen(v));
            }
        }
    }
    if (rc == SQLITE_OK)
        rc = cfg_check_mode(s, zFile, &st, bSecret);
out:
    if (zLine) {
        memset(zLine, 0, nAlloc); /* it may have held a password */
        free(zLine);
    }
    if (fp)
        fclose(fp);
    if (rc == SQLITE_ERROR && *s->pzErr == NULL)
        rc = SQLITE_NOMEM;
    return rc;
}

/* Free what a scan collected. */
static void cfg_scan_clear(cfg_scan *s)
{
    int i;
    for (i = 0; i < CFG_NOWN; i++)
        sqlite3_free(s->azOwn[i]);
    sqlite3_free(s->zGroup);
    mopitr_cluster_list_free(s->azName, s->nName);
    memset(s, 0, sizeof(*s));
}

/* See the header. */
void mopitr_cluster_list_free(char **azName, int nName)
{
    int i;
    for (i = 0; i < nName; i++)
        sqlite3_free(azName[i]);
    sqlite3_free(azName);
}

/* See the header: the clusters of zFile, in file order. */
int mopitr_cluster_list(const char *zFile, char ***pazName, int *pnName, char **pzErr)
{
    cfg_scan s;
    int rc;
    memset(&s, 0, sizeof(s));
    s.pzErr = pzErr;
    *pazName = NULL;
    *pnName = 0;
    rc = cfg_scan_file(&s, zFile, 0);
    if (rc == SQLITE_OK) {
        *pazName = s.azName;
        *pnName = s.nName;
        s.azName = NULL;
        s.nName = 0;
    }
    cfg_scan_clear(&s);
    return rc;
}

/* Append " key='value'" to x (the key=value DSN form: ' doubled inside quotes). */
static void cfg_put(sqlite3_str *x, const char *zKey, const char *zVal)
{
    const char *z;
    if (zVal == NULL)
        return;
    sqlite3_str_appendf(x, " %s='", zKey);
    for (z = zVal; *z; z++) {
        if (*z == '\'')
            sqlite3_str_appendchar(x, 1, '\'');
        sqlite3_str_appendchar(x, 1, *z);
    }
    sqlite3_str_appendchar(x, 1, '\'');
}

/* Wipe and free a string that held a password. */
static void cfg_free_secret(char *z)
{
    if (z) {
        volatile char *v = z;
        while (*v)
            *v++ = 0;
        sqlite3_free(z);
    }
}

/*
** Read group zGroup of zFile through libmariadb (the probe of the manual) and append what
** it gives to x as DSN pairs; own[] are mo_pitr's keys of the group (ssl_mode decides
** whether libmariadb's ssl flags matter). SQLITE_OK or SQLITE_NOMEM.
*/
static int cfg_probe(sqlite3_str *x, const char *zFile, const char *zGroup, char *const *azOwn)
{
    MYSQL *m = mysql_init(NULL);
    unsigned int proto = MYSQL_PROTOCOL_MEMORY;
    my_bool bVerify = 0;

    if (m == NULL)
        return SQLITE_NOMEM;
    if (mysql_optionsv(m, MYSQL_READ_DEFAULT_FILE, zFile) != 0 ||
        mysql_optionsv(m, MYSQL_READ_DEFAULT_GROUP, zGroup) != 0 ||
        mysql_optionsv(m, MYSQL_OPT_PROTOCOL, &proto) != 0) {
        mysql_close(m);
        return SQLITE_NOMEM;
    }
    /* Fails at once (see the manual); what matters is that the options were read. */
    (void)mysql_real_connect(m, "localhost", "-", "", NULL, 1, "/nonexistent/mo_pitr-probe", 0);
    cfg_put(x, "host", m->options.host);
    if (m->options.port)
        sqlite3_str_appendf(x, " port=%u", m->options.port);
    cfg_put(x, "user", m->options.user);
    cfg_put(x, "password", m->options.password);
    cfg_put(x, "database", m->options.db);
    cfg_put(x, "ssl_ca", m->options.ssl_ca);
    cfg_put(x, "ssl_cert", m->options.ssl_cert);
    cfg_put(x, "ssl_key", m->options.ssl_key);
    if (m->options.connect_timeout)
        sqlite3_str_appendf(x, " connect_timeout=%u", m->options.connect_timeout);
    if (azOwn[4] == NULL) { /* ssl_mode not given: libmariadb's flags say it */
        if (mysql_get_optionv(m, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &bVerify) == 0 && bVerify)
            sqlite3_str_appendall(x, " ssl_mode=verify_identity");
        else if (m->options.use_ssl)
            sqlite3_str_appendall(x, " ssl_mode=required");
    }
    mysql_close(m);
    return SQLITE_OK;
}

/*
** See the header: the DSN of cluster zName of zFile in *pOut (cleared first). *pbKnown is
** set when the file names that cluster (its group exists), whatever the outcome.
*/
int mopitr_cluster_dsn(const char *zFile, const char *zName, mopitr_dsn *pOut, int *pbKnown,
                       char **pzErr)
{
    cfg_scan s;
    sqlite3_str *x = NULL;
    char *zDsn = NULL, *zErr = NULL;
    int rc, i;

    memset(pOut, 0, sizeof(*pOut));
    memset(&s, 0, sizeof(s));
    *pbKnown = 0;
    s.zWant = zName;
    s.pzErr = pzErr;
    rc = cfg_scan_file(&s, zFile, 0);
    if (rc != SQLITE_OK)
        goto out;
    if (s.zGroup == NULL) {
        sqlite3_str *y = sqlite3_str_new(NULL);
        for (i = 0; i < s.nName; i++)
            sqlite3_str_appendf(y, "%s%s", i ? ", " : "", s.azName[i]);
        zErr = sqlite3_str_finish(y);
        *pzErr = mopitr_errf("'%s' is not a DSN, and option file '%s' has no group "
                             "[" CFG_PREFIX "%s] (clusters there: %s)",
                             zName, zFile, zName, zErr && zErr[0] ? zErr : "none");
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    *pbKnown = 1;
    if (!mopitr_dsn_name_ok(zName, -1)) {
        /* It becomes the connection's name: the rule of mo_connect's names. */
        char aClip[MOPITR_CLIP_SIZE];
        *pzErr = mopitr_errf("cluster name '%s' ([%s] in '%s') is not valid: use 1 to 64 "
                             "letters, digits, '_', '-' or '.'",
                             mopitr_err_clip(aClip, zName, -1), s.zGroup, zFile);
        rc = *pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
        goto out;
    }
    x = sqlite3_str_new(NULL);
    for (i = 0; i < CFG_NOWN; i++)
        cfg_put(x, cfg_azOwn[i], s.azOwn[i]);
    rc = cfg_probe(x, zFile, s.zGroup, s.azOwn);
    if (sqlite3_str_errcode(x) != SQLITE_OK)
        rc = SQLITE_NOMEM;
    zDsn = sqlite3_str_finish(x);
    x = NULL;
    if (rc == SQLITE_OK && zDsn == NULL)
        rc = SQLITE_NOMEM;
    if (rc != SQLITE_OK)
        goto out;
    rc = mopitr_dsn_parse(zDsn, pOut, &zErr);
    if (rc == SQLITE_ERROR) {
        /* dsn.c's message never quotes a password. */
        *pzErr = mopitr_errf("cluster '%s' ([%s] in '%s'): %s", zName, s.zGroup, zFile,
                             mopitr_err_body(zErr));
        if (*pzErr == NULL)
            rc = SQLITE_NOMEM;
    }
out:
    cfg_free_secret(zDsn);
    sqlite3_free(zErr);
    cfg_scan_clear(&s);
    return rc;
}
