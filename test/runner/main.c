/*
** main.c: the command line of mopitr_slt, the sqllogictest-style runner of mo_pitr.
**
** Usage:
**     mopitr_slt [--ext PATH | --no-ext] [--label L]... [--timeout SECONDS] [--verbose]
**                [--server DSN] FILE...
**   Options may come before or after the files; `--` ends them.
**
** Options:
**     --ext PATH       the extension to load into every SQLite connection (default: env
**                      MOPITR_EXT); entry point sqlite3_mopitr_init
**     --no-ext         plain SQLite connections (for runner self-tests, remote-only suites)
**     --label L        a label for skipif/onlyif (repeatable); env MOPITR_LABELS adds a
**                      comma-separated list
**     --timeout S      seconds allowed per file (default 300, 0 = none); when they run out
**                      the runner prints the file:line being run and exits 1
**     --verbose, -v    print each record as it runs
**     --server DSN     run against a real (scratch) MatrixOne instead of mosim (default:
**                      env MOPITR_SERVER): DSN `[mysql://][user[:password]@]host[:port]`
**                      sets MO_HOST, MO_PORT (6001), MO_USER, MO_PASSWORD and MO_DSN
**                      (user@host:port) for remote records and ${...}; adds the label
**                      `server`; records that need
**                      mosim are skipped and counted as skipped (run.c)
**
** Output: failures as `file:line: FAIL ...` blocks on stdout, then exactly one closing line
** `N passed, N failed, N skipped`. Exit status: 0 all passed, 1 a record failed, 2 a usage
** error or a file that cannot be read.
**
** How it works: each file runs alone (run.c) with fresh connections. The timeout is an
** alarm() per file; the handler writes a message prepared before each record (so it only
** calls write()) and _exit(1)s.
*/
#define _GNU_SOURCE /* memrchr */
#include "slt.h"

#include <mysql.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* What the alarm handler prints: prepared by slt_where_set() before each record. */
static char where_msg[2048];
static size_t where_len;
static unsigned timeout_secs = 300;

/* Prepare the timeout message for path:line with the counts so far (the running record
** counted as failed). Called before each record. */
void slt_where_set(const char *path, int line, const slt_counts *c)
{
    int n = snprintf(where_msg, sizeof where_msg,
                     "%s:%d: FAIL timeout: still running after %u s (--timeout)\n"
                     "%ld passed, %ld failed, %ld skipped\n",
                     path, line, timeout_secs, c->passed, c->failed + 1, c->skipped);
    where_len = n < 0 ? 0 : (size_t)n >= sizeof where_msg ? sizeof where_msg - 1 : (size_t)n;
}

/* SIGALRM: print the prepared message and exit 1 (async-signal-safe calls only). */
static void on_alarm(int sig)
{
    (void)sig;
    ssize_t w = write(STDOUT_FILENO, "\n", 1);
    w = write(STDOUT_FILENO, where_msg, where_len);
    (void)w;
    _exit(1);
}

/* Print the usage text to f. */
static void usage(FILE *f)
{
    fputs("usage: mopitr_slt [--ext PATH | --no-ext] [--label L]... [--timeout SECONDS] "
          "[--verbose] [--server DSN] FILE...\n",
          f);
}

/* Add the comma-separated labels of list to labels. */
static void add_labels(slt_strv *labels, const char *list)
{
    const char *p = list;
    while (p && *p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        char *l = slt_xstrndup(p, n);
        char *s = l;
        while (*s == ' ' || *s == '\t')
            s++;
        slt_rtrim(s);
        if (*s)
            slt_strv_push(labels, slt_xstrdup(s));
        free(l);
        p = e ? e + 1 : NULL;
    }
}

/* Value of option `name` at argv[*i]: `--name VALUE` or `--name=VALUE`. Returns NULL when
** argv[*i] is not that option; sets *missing when the value is absent. */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n) != 0)
        return NULL;
    if (argv[*i][n] == '=')
        return argv[*i] + n + 1;
    if (argv[*i][n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* Export name=value[0..n). */
static void set_env_n(const char *name, const char *value, size_t n)
{
    char *v = slt_xstrndup(value, n);
    setenv(name, v, 1);
    free(v);
}

/* See slt.h. */
int slt_server_env(const char *dsn, char **err)
{
    const char *p = dsn, *at, *end, *colon, *rb;
    if (strncmp(p, "mysql://", 8) == 0)
        p += 8;
    end = p + strcspn(p, "/?");
    at = memrchr(p, '@', (size_t)(end - p));
    if (at) {
        const char *c = memchr(p, ':', (size_t)(at - p));
        set_env_n("MO_USER", p, (size_t)((c ? c : at) - p));
        if (c)
            set_env_n("MO_PASSWORD", c + 1, (size_t)(at - c - 1));
        p = at + 1;
    }
    /* host, [v6 host], then an optional :port */
    rb = *p == '[' ? memchr(p, ']', (size_t)(end - p)) : NULL;
    colon = memchr(rb ? rb : p, ':', (size_t)(end - (rb ? rb : p)));
    if (rb)
        set_env_n("MO_HOST", p + 1, (size_t)(rb - p - 1));
    else
        set_env_n("MO_HOST", p, (size_t)((colon ? colon : end) - p));
    if (!*getenv("MO_HOST")) {
        *err = slt_xstrdup("--server: the DSN names no host");
        return -1;
    }
    if (colon) {
        char *port = slt_xstrndup(colon + 1, (size_t)(end - colon - 1)), *e = NULL;
        long v = strtol(port, &e, 10);
        if (!*port || *e || v <= 0 || v > 65535) {
            *err = slt_xprintf("--server: bad port '%s'", port);
            free(port);
            return -1;
        }
        setenv("MO_PORT", port, 1);
        free(port);
    } else {
        setenv("MO_PORT", "6001", 1);
    }
    /* MO_DSN as test/run-suite.sh exports it for mosim: no password in it */
    {
        const char *h = getenv("MO_HOST"), *u = getenv("MO_USER");
        char *d =
            slt_xprintf("mysql://%s@%s%s%s:%s", u && *u ? u : "root", strchr(h, ':') ? "[" : "", h,
                        strchr(h, ':') ? "]" : "", getenv("MO_PORT"));
        setenv("MO_DSN", d, 1);
        free(d);
    }
    return 0;
}

/* Entry point: parse options, run the files, print the summary line. */
int main(int argc, char **argv)
{
    slt_opts o = {0};
    slt_counts c = {0};
    const char *ext = NULL, *server = getenv("MOPITR_SERVER"), *v;
    bool no_ext = false, missing = false, file_error = false, only_files = false;
    slt_strv files = {0};
    int status = 0;

    o.timeout = timeout_secs;
    for (int i = 1; i < argc; i++) {
        if (only_files || argv[i][0] != '-' || argv[i][1] == '\0') {
            slt_strv_push(&files, slt_xstrdup(argv[i]));
        } else if (strcmp(argv[i], "--") == 0) {
            only_files = true;
        } else if ((v = opt_value(argc, argv, &i, "--ext", &missing)) != NULL) {
            ext = v;
        } else if ((v = opt_value(argc, argv, &i, "--server", &missing)) != NULL) {
            server = v;
        } else if ((v = opt_value(argc, argv, &i, "--label", &missing)) != NULL) {
            add_labels(&o.labels, v);
        } else if ((v = opt_value(argc, argv, &i, "--timeout", &missing)) != NULL) {
            char *end = NULL;
            long t = strtol(v, &end, 10);
            if (*end || end == v || t < 0 || t > 86400) {
                fprintf(stderr, "mopitr_slt: bad --timeout '%s' (seconds, 0 = none)\n", v);
                status = 2;
                goto out;
            }
            o.timeout = (unsigned)t;
        } else if (missing) {
            fprintf(stderr, "mopitr_slt: %s needs a value\n", argv[i]);
            status = 2;
            goto out;
        } else if (strcmp(argv[i], "--no-ext") == 0) {
            no_ext = true;
        } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
            o.verbose = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            goto out;
        } else {
            fprintf(stderr, "mopitr_slt: unknown option '%s'\n", argv[i]);
            usage(stderr);
            status = 2;
            goto out;
        }
    }
    if (files.n == 0) {
        usage(stderr);
        status = 2;
        goto out;
    }
    if (!no_ext && !ext)
        ext = getenv("MOPITR_EXT");
    if (no_ext) {
        ext = NULL;
    } else if (!ext || !*ext) {
        fprintf(stderr, "mopitr_slt: no extension: give --ext PATH (or env MOPITR_EXT) or "
                        "--no-ext\n");
        status = 2;
        goto out;
    }
    o.ext = ext;
    add_labels(&o.labels, getenv("MOPITR_LABELS"));
    if (server && *server) {
        char *err = NULL;
        if (slt_server_env(server, &err) != 0) {
            fprintf(stderr, "mopitr_slt: %s\n", err);
            free(err);
            status = 2;
            goto out;
        }
        o.server = true;
        slt_strv_push(&o.labels, slt_xstrdup("server"));
    }
    timeout_secs = o.timeout;

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGALRM, on_alarm);
    for (size_t i = 0; i < files.n; i++) {
        alarm(o.timeout);
        if (slt_run_file(&o, files.v[i], &c) != 0)
            file_error = true;
        alarm(0);
    }
    printf("%ld passed, %ld failed, %ld skipped\n", c.passed, c.failed, c.skipped);
    status = file_error ? 2 : c.failed ? 1 : 0;
out:
    slt_strv_free(&files);
    slt_strv_free(&o.labels);
    mysql_library_end();
    return status;
}
