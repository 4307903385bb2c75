/*
** mopitr_dsn_exec: run the mariadb CLI against the server that MO_DSN names, reading the
** DSN exactly as mo_connect() does (the extension's own parser, ext/dsn.c).
**
** Usage:
**     MO_DSN=... [MO_PASSWORD=...] mopitr_dsn_exec --describe
**         prints "user@host:port" (the login name as the extension composes it; never
**         the password) and exits 0, or prints the parser's error and exits 1
**     MO_DSN=... [MO_PASSWORD=...] mopitr_dsn_exec [--] [mariadb options...]
**         execs `mariadb` with the DSN's host, port, login, database, connect timeout
**         and TLS settings, then the given options (e.g. -N -B -e 'SHOW DATABASES')
**
** Options
**   MO_DSN          the connection string (URI or key=value; required, not empty)
**   MO_PASSWORD     the password when the DSN has none (the extension's rule)
**   MOPITR_MARIADB  the client program (default: mariadb, found on PATH)
**
** How it works: the DSN is parsed with mopitr_dsn_parse(), so every DSN form the
** extension accepts works here, with the same errors. The password never reaches argv
** (where `ps` shows it): it is handed over in MYSQL_PWD, which the mariadb CLI reads;
** with no password in the DSN or MO_PASSWORD the environment is left as it is. The CLI
** always uses TCP (--protocol=TCP), as the extension does. DSN keys map to options:
**     option_file       --defaults-file=FILE (instead of --no-defaults)
**     connect_timeout   --connect-timeout
**     database          --database
**     ssl_mode          disabled: --skip-ssl; preferred or unset: the CLI's default;
**                       required, verify_ca, verify_identity: --ssl
**                       --ssl-verify-server-cert. Stricter than the extension for the
**                       first two, on purpose: the CLI's --ssl alone falls back to plain
**                       text when the server offers no TLS, and verifying the server's
**                       certificate (chain and host name) is its only mode that fails
**                       closed. A server whose certificate the system (or ssl_ca) does
**                       not vouch for is refused here.
**     ssl_ca ssl_cert ssl_key   --ssl-ca --ssl-cert --ssl-key
** option_group has no equivalent in the mariadb CLI: it is refused (exit 2).
** Exit status: the client's, 1 for a bad or missing DSN, 2 for bad usage.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mo_pitr_int.h"

#define DSN_EXEC_MAXARG 32

static void dsn_exec_usage(FILE *f)
{
    fputs("usage: mopitr_dsn_exec --describe\n"
          "       mopitr_dsn_exec [--] [mariadb options...]\n"
          "Reads MO_DSN (and MO_PASSWORD) as mo_connect() does; --describe prints\n"
          "user@host:port, otherwise the mariadb CLI runs against that server (the\n"
          "password goes in MYSQL_PWD, never on the command line).\n",
          f);
}

/* "--name=value" in a fresh sqlite3 string (NULL on OOM). */
static char *dsn_exec_opt(const char *zName, const char *zValue)
{
    return sqlite3_mprintf("--%s=%s", zName, zValue);
}

int main(int argc, char **argv)
{
    mopitr_dsn dsn;
    char *zErr = NULL;
    char *zLogin = NULL, *zDescribe = NULL;
    char *azArg[DSN_EXEC_MAXARG + 64];
    int nArg = 0, nFree = 0, i, iFirst = 1, bDescribe = 0, rc = 1;
    int aFree[DSN_EXEC_MAXARG]; /* indexes of azArg that we allocated */
    const char *zDsn = getenv("MO_DSN");
    const char *zProg = getenv("MOPITR_MARIADB");

    memset(&dsn, 0, sizeof(dsn));
    if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))) {
        dsn_exec_usage(stdout);
        return 0;
    }
    if (argc > 1 && !strcmp(argv[1], "--describe")) {
        if (argc > 2) {
            dsn_exec_usage(stderr);
            return 2;
        }
        bDescribe = 1;
    } else if (argc > 1 && !strcmp(argv[1], "--")) {
        iFirst = 2; /* everything else goes to the mariadb CLI, which refuses what it
                    ** does not know */
    }
    if (argc - iFirst > DSN_EXEC_MAXARG + 32) {
        fputs("mopitr_dsn_exec: too many arguments\n", stderr);
        return 2;
    }
    if (zDsn == NULL || zDsn[0] == 0) {
        fputs("mopitr_dsn_exec: MO_DSN is not set (the DSN mo_connect() would use)\n", stderr);
        return 1;
    }
    if (mopitr_dsn_parse(zDsn, &dsn, &zErr) != SQLITE_OK) {
        fprintf(stderr, "%s\n", zErr ? zErr : "mo_pitr: out of memory");
        goto out;
    }
    zDescribe = mopitr_dsn_describe(&dsn);
    zLogin = mopitr_dsn_login(&dsn);
    if (zDescribe == NULL || zLogin == NULL) {
        fputs("mopitr_dsn_exec: out of memory\n", stderr);
        goto out;
    }
    if (bDescribe) {
        printf("%s\n", zDescribe);
        rc = 0;
        goto out;
    }
    if (dsn.option_group) {
        fprintf(stderr,
                "mopitr_dsn_exec: option_group '%s' has no equivalent in the mariadb client; "
                "use a DSN without it\n",
                dsn.option_group);
        rc = 2;
        goto out;
    }
    if (dsn.password) {
        if (setenv("MYSQL_PWD", dsn.password, 1) != 0)
            goto out;
    } else if (getenv("MO_PASSWORD")) {
        if (setenv("MYSQL_PWD", getenv("MO_PASSWORD"), 1) != 0)
            goto out;
    }

#define ADD_FREE(z)                                                                                \
    do {                                                                                           \
        char *z_ = (z);                                                                            \
        if (z_ == NULL)                                                                            \
            goto oom;                                                                              \
        aFree[nFree++] = nArg;                                                                     \
        azArg[nArg++] = z_;                                                                        \
    } while (0)

    azArg[nArg++] = (char *)(zProg && zProg[0] ? zProg : "mariadb");
    if (dsn.option_file)
        ADD_FREE(dsn_exec_opt("defaults-file", dsn.option_file));
    else
        azArg[nArg++] = "--no-defaults";
    azArg[nArg++] = "--protocol=TCP";
    ADD_FREE(dsn_exec_opt("host", dsn.host ? dsn.host : "127.0.0.1"));
    ADD_FREE(sqlite3_mprintf("--port=%u", dsn.port ? dsn.port : 6001u));
    ADD_FREE(dsn_exec_opt("user", zLogin));
    if (dsn.database)
        ADD_FREE(dsn_exec_opt("database", dsn.database));
    ADD_FREE(
        sqlite3_mprintf("--connect-timeout=%u", dsn.connect_timeout ? dsn.connect_timeout : 10u));
    switch (dsn.ssl_mode) {
    case MOPITR_SSL_REQUIRED:
    case MOPITR_SSL_VERIFY_CA:
    case MOPITR_SSL_VERIFY_IDENTITY:
        azArg[nArg++] = "--ssl";
        azArg[nArg++] = "--ssl-verify-server-cert";
        break;
    case MOPITR_SSL_DISABLED:
        azArg[nArg++] = "--skip-ssl";
        break;
    default:
        break;
    }
    if (dsn.ssl_mode != MOPITR_SSL_DISABLED) {
        if (dsn.ssl_ca)
            ADD_FREE(dsn_exec_opt("ssl-ca", dsn.ssl_ca));
        if (dsn.ssl_cert)
            ADD_FREE(dsn_exec_opt("ssl-cert", dsn.ssl_cert));
        if (dsn.ssl_key)
            ADD_FREE(dsn_exec_opt("ssl-key", dsn.ssl_key));
    }
#undef ADD_FREE
    for (i = iFirst; i < argc; i++)
        azArg[nArg++] = argv[i];
    azArg[nArg] = NULL;
    /* The parsed DSN holds the password: wipe it before the exec keeps nothing anyway. */
    if (dsn.password)
        memset(dsn.password, 0, strlen(dsn.password));
    fflush(NULL);
    execvp(azArg[0], azArg);
    fprintf(stderr, "mopitr_dsn_exec: cannot run %s\n", azArg[0]);
    rc = 127;
    goto out;
oom:
    fputs("mopitr_dsn_exec: out of memory\n", stderr);
out:
    for (i = 0; i < nFree; i++)
        sqlite3_free(azArg[aFree[i]]);
    if (dsn.password)
        memset(dsn.password, 0, strlen(dsn.password));
    mopitr_dsn_clear(&dsn);
    sqlite3_free(zLogin);
    sqlite3_free(zDescribe);
    sqlite3_free(zErr);
    return rc;
}
