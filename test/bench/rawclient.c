/*
** rawclient.c: mopitr_rawclient, the raw libmariadb client that is the benchmark floor.
**
** Everything scripts/bench compares the extension with is measured against this program:
** plain libmariadb calls, no SQLite, no decoding, no copies it does not need. It also fills
** the test server with PITRs for the benchmark, fast.
**
** Usage (connection from the environment: MO_HOST 127.0.0.1, MO_PORT 6001, MO_USER root,
** MO_PASSWORD 111):
**
**     mopitr_rawclient scan                      SHOW PITR, every row read (mysql_use_result)
**     mopitr_rawclient scan-print                the same, rows written to stdout, TAB
**                                                separated, like `mariadb -N -B`
**     mopitr_rawclient scan-sqlite               the same, rows written to stdout exactly as
**                                                the sqlite3 shell prints SELECT * FROM
**                                                mo_pitr (see below): the floor of that case
**     mopitr_rawclient where 'EXPR'              SHOW PITR WHERE EXPR, every row read
**     mopitr_rawclient create N PREFIX LEVEL...  N CREATE PITR, one statement per round trip
**     mopitr_rawclient targets N PREFIX LEVEL... create the databases/tables that `create`
**                                                needs (IF NOT EXISTS; batched)
**     mopitr_rawclient drop N PREFIX             DROP PITR IF EXISTS PREFIX0..N-1 (batched)
**     mopitr_rawclient load N                    N PITRs of mixed levels plus their targets
**
** Every connection sets `time_zone = '+00:00'` on connect (MYSQL_INIT_COMMAND), as the
** extension does (it returns UTC times), so the server does the same work for both.
**
** scan-sqlite prints what `sqlite3 -batch` prints for `SELECT * FROM mo_pitr` (list mode,
** no header, `|` between fields, NULL as nothing, LF after each row), byte for byte: the
** extension's columns in its order (name, level, account_name, database_name, table_name,
** range_value, range_unit, created_time, modified_time, earliest_restorable), a '*' the
** extension turns into NULL printed as nothing (ACCOUNT_NAME at cluster level,
** DATABASE_NAME at cluster and account level, TABLE_NAME unless table level), PITR_LENGTH
** as the integer SQLite prints, times as the server sent them (UTC: time_zone is set on
** connect, as the extension does). earliest_restorable is computed here as the extension
** computes it (the later of created + 1 s and now - range rounded up to the second; months
** and years by calendar, with libc's timegm normalising as Go's AddDate does), from its
** own code: the floor does the same work. scripts/bench checks the two outputs with cmp
** (the last column only to within the seconds between the two runs: it moves with now).
**
** scan and where print `rows=R bytes=B` (B = sum of the field lengths); create and drop
** print `statements=N`; load prints what it made and how long it took on stderr.
** Exit status 0, or 1 with the server's error on stderr (a broken run).
**
** Names. PITR i of PREFIX is `PREFIXi`. Its target, by level:
**     cluster   FOR CLUSTER                       (MatrixOne: one per creating account)
**     account   FOR ACCOUNT                       (the caller's own account: one per creator)
**     database  FOR DATABASE PREFIX_dbI           (one PITR per database)
**     table     FOR TABLE PREFIX_tdb PREFIX_tI    (one PITR per table)
** With several LEVELs, PITR i has level LEVEL[i mod count].
**
** load N uses PREFIX `p` and this mix: PITR 0 is account level, PITR 1 cluster level,
** every i with i % 100 == 50 table level (1% of the rows), every other one database level.
** MatrixOne allows one cluster PITR per creating account and SHOW PITR lists only the
** caller's own PITRs (spec 3.3, 2.2), so a 1%-cluster data set is impossible for one
** account; the 1% selective filter of the benchmark is `pitr_level = 'table'`.
** The targets and PITRs are sent as multi-statement batches of BATCH_STMTS statements.
**
** How it works: one blocking MYSQL handle over TCP, CLIENT_MULTI_STATEMENTS for the
** batched modes; every result of a batch is drained (mysql_next_result) so an error in
** the middle is seen.
*/
#define _GNU_SOURCE /* fwrite_unlocked, fputs_unlocked */
#include <mysql.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH_STMTS 500 /* statements per multi-statement COM_QUERY in batched modes */

/* A growable text buffer (malloc'd). */
typedef struct sbuf {
    char *z;
    size_t n, cap;
} sbuf;

/* The levels a `create`/`targets` run cycles through. */
typedef struct levels {
    int n;
    char *const *az; /* argv slice, not owned */
} levels;

/* Append printf-style text to *b. Returns 0, or -1 on OOM (message on stderr). */
static int sbuf_printf(sbuf *b, const char *fmt, ...)
{
    int rc = -1;
    va_list ap;
    for (;;) {
        size_t room = b->cap - b->n;
        va_start(ap, fmt);
        int k = vsnprintf(b->z ? b->z + b->n : NULL, room, fmt, ap);
        va_end(ap);
        if (k < 0)
            goto out;
        if ((size_t)k < room) {
            b->n += (size_t)k;
            rc = 0;
            goto out;
        }
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + (size_t)k + 1)
            cap *= 2;
        char *z = realloc(b->z, cap);
        if (!z)
            goto out;
        b->z = z;
        b->cap = cap;
    }
out:
    if (rc)
        fprintf(stderr, "rawclient: out of memory\n");
    return rc;
}

/* Free what *b owns; accepts an empty buffer. */
static void sbuf_free(sbuf *b)
{
    free(b->z);
    b->z = NULL;
    b->n = b->cap = 0;
}

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Print the handle's error with a context and return -1. */
static int fail(MYSQL *m, const char *what)
{
    fprintf(stderr, "rawclient: %s: %s (error %u)\n", what, mysql_error(m), mysql_errno(m));
    return -1;
}

/* Connect from MO_HOST/MO_PORT/MO_USER/MO_PASSWORD. bMulti turns on multi-statements.
** Returns the handle (close with mysql_close) or NULL with a message on stderr. */
static MYSQL *connect_env(int bMulti)
{
    const char *host = getenv("MO_HOST") ? getenv("MO_HOST") : "127.0.0.1";
    const char *port = getenv("MO_PORT") ? getenv("MO_PORT") : "6001";
    const char *user = getenv("MO_USER") ? getenv("MO_USER") : "root";
    const char *pw = getenv("MO_PASSWORD") ? getenv("MO_PASSWORD") : "111";
    unsigned proto = MYSQL_PROTOCOL_TCP, tmo_connect = 10, tmo_rw = 600;
    MYSQL *m = mysql_init(NULL);
    if (!m) {
        fprintf(stderr, "rawclient: mysql_init failed\n");
        return NULL;
    }
    mysql_options(m, MYSQL_OPT_PROTOCOL, &proto);
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &tmo_connect);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &tmo_rw);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &tmo_rw);
    /* The extension asks for UTC times; ask the server for the same work. */
    mysql_options(m, MYSQL_INIT_COMMAND, "SET time_zone = '+00:00'");
    if (!mysql_real_connect(m, host, user, pw, NULL, (unsigned)atoi(port), NULL,
                            bMulti ? CLIENT_MULTI_STATEMENTS : 0)) {
        fprintf(stderr, "rawclient: cannot connect to %s@%s:%s: %s (error %u)\n", user, host, port,
                mysql_error(m), mysql_errno(m));
        mysql_close(m);
        return NULL;
    }
    return m;
}

/* How run_select shows the rows. */
enum { SHOW_COUNT, SHOW_TAB, SHOW_SQLITE };

/* Is field f of a SHOW PITR row with level field zLevel (nLevel bytes) one the extension
** turns into NULL when it is '*' (see the file comment)? f: 4 account, 5 database, 6 table. */
static int star_is_null(int f, const char *zLevel, unsigned long nLevel)
{
    int bCluster = nLevel == 7 && zLevel[0] == 'c';
    int bAccount = nLevel == 7 && zLevel[0] == 'a';
    int bTable = nLevel == 5 && zLevel[0] == 't';
    if (f == 4)
        return bCluster;
    if (f == 5)
        return bCluster || bAccount;
    return !bTable;
}

/* now - v units, for every unit and v in 0..100, set once per scan (earliest_init). */
#define EARLIEST_MAXV 100
static long long earliest_start[4][EARLIEST_MAXV + 1]; /* h, d, mo, y */

/* Fill earliest_start for the current time: now - range, rounded up to the second. */
static void earliest_init(void)
{
    struct timespec ts;
    struct tm now;
    clock_gettime(CLOCK_REALTIME, &ts);
    long long up = ts.tv_nsec > 0; /* ceil */
    gmtime_r(&ts.tv_sec, &now);
    for (int v = 0; v <= EARLIEST_MAXV; v++) {
        struct tm t;
        earliest_start[0][v] = (long long)ts.tv_sec - 3600LL * v + up;
        t = now;
        t.tm_mday -= v;
        earliest_start[1][v] = (long long)timegm(&t) + up;
        t = now;
        t.tm_mon -= v;
        earliest_start[2][v] = (long long)timegm(&t) + up;
        t = now;
        t.tm_year -= v;
        earliest_start[3][v] = (long long)timegm(&t) + up;
    }
}

/* Days since 1970-01-01 of y-m-d (the civil-calendar formula, any year). */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

/* n digits of z as a number. */
static unsigned digits(const char *z, int n)
{
    unsigned v = 0;
    while (n-- > 0)
        v = v * 10 + (unsigned)(*z++ - '0');
    return v;
}

/* Write earliest_restorable of a SHOW PITR row (see the file comment); nothing when the
** row cannot have one (no creation time, an unknown unit or range). */
static void print_earliest(MYSQL_ROW row, const unsigned long *len)
{
    const char *c = row[1], *u = row[8];
    if (c == NULL || len[1] != 19 || u == NULL || row[7] == NULL)
        return;
    unsigned v = digits(row[7], (int)len[7]);
    int iu = len[8] == 1 && u[0] == 'h'   ? 0
             : len[8] == 1 && u[0] == 'd' ? 1
             : len[8] == 2 && u[0] == 'm' ? 2
             : len[8] == 1 && u[0] == 'y' ? 3
                                          : -1;
    if (iu < 0 || v > EARLIEST_MAXV)
        return;
    long long created = days_from_civil(digits(c, 4), digits(c + 5, 2), digits(c + 8, 2)) * 86400 +
                        digits(c + 11, 2) * 3600 + digits(c + 14, 2) * 60 + digits(c + 17, 2);
    long long e = created + 1 > earliest_start[iu][v] ? created + 1 : earliest_start[iu][v];
    time_t t = (time_t)e;
    struct tm tm;
    char b[20];
    gmtime_r(&t, &tm);
    unsigned y = (unsigned)tm.tm_year + 1900;
    b[0] = (char)('0' + y / 1000), b[1] = (char)('0' + y / 100 % 10);
    b[2] = (char)('0' + y / 10 % 10), b[3] = (char)('0' + y % 10), b[4] = '-';
    b[5] = (char)('0' + (tm.tm_mon + 1) / 10), b[6] = (char)('0' + (tm.tm_mon + 1) % 10);
    b[7] = '-', b[8] = (char)('0' + tm.tm_mday / 10), b[9] = (char)('0' + tm.tm_mday % 10);
    b[10] = ' ', b[11] = (char)('0' + tm.tm_hour / 10), b[12] = (char)('0' + tm.tm_hour % 10);
    b[13] = ':', b[14] = (char)('0' + tm.tm_min / 10), b[15] = (char)('0' + tm.tm_min % 10);
    b[16] = ':', b[17] = (char)('0' + tm.tm_sec / 10), b[18] = (char)('0' + tm.tm_sec % 10);
    fwrite_unlocked(b, 1, 19, stdout);
}

/* Write one SHOW PITR row as the sqlite3 shell prints the extension's row of SELECT *
** (see the file comment). */
static void print_sqlite_row(MYSQL_ROW row, const unsigned long *len)
{
    static const int aOrder[9] = {0, 3, 4, 5, 6, 7, 8, 1, 2}; /* SHOW PITR field per column */
    for (int c = 0; c < 9; c++) {
        int f = aOrder[c];
        const char *z = row[f];
        unsigned long n = len[f];
        if (c)
            putchar_unlocked('|');
        if (z == NULL || (f >= 4 && f <= 6 && n == 1 && z[0] == '*' && row[3] &&
                          star_is_null(f, row[3], len[3])))
            continue;
        if (f == 7) {
            /* An INTEGER column: SQLite prints the number, not the server's digits (no
            ** leading zeros). Digits by hand: snprintf would cost ~600 instructions a row
            ** and make this floor look slower than it needs to be. */
            char buf[24], *p = buf + sizeof(buf);
            unsigned long long v = 0;
            for (unsigned long i = 0; i < n; i++)
                v = v * 10 + (unsigned)(z[i] - '0');
            do
                *--p = (char)('0' + v % 10);
            while ((v /= 10) != 0);
            fwrite_unlocked(p, 1, (size_t)(buf + sizeof(buf) - p), stdout);
            continue;
        }
        fwrite_unlocked(z, 1, n, stdout);
    }
    putchar_unlocked('|');
    print_earliest(row, len);
    putchar_unlocked('\n');
}

/* Send zSql and read its result set row by row (mysql_use_result). eShow SHOW_TAB writes
** the rows to stdout TAB separated (NULL as \N, like the mariadb CLI); SHOW_SQLITE as the
** sqlite3 shell prints SELECT * FROM mo_pitr; SHOW_COUNT prints rows= and bytes=.
** Returns 0 or -1. */
static int run_select(MYSQL *m, const char *zSql, int eShow)
{
    int rc = -1;
    MYSQL_RES *res = NULL;
    MYSQL_ROW row;
    unsigned long long nRow = 0, nByte = 0;
    if (mysql_real_query(m, zSql, (unsigned long)strlen(zSql))) {
        fail(m, zSql);
        goto out;
    }
    res = mysql_use_result(m);
    if (!res) {
        fail(m, "mysql_use_result");
        goto out;
    }
    unsigned nf = mysql_num_fields(res);
    int bPrint = eShow == SHOW_TAB;
    if (eShow == SHOW_SQLITE && nf != 9) {
        fprintf(stderr, "rawclient: %s answered %u columns, not 9\n", zSql, nf);
        goto out;
    }
    if (eShow == SHOW_SQLITE)
        earliest_init(); /* "now" once per scan, as the extension's xFilter */
    while ((row = mysql_fetch_row(res)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(res);
        if (eShow == SHOW_SQLITE) {
            print_sqlite_row(row, len);
            nRow++;
            continue;
        }
        for (unsigned i = 0; i < nf; i++) {
            nByte += len[i];
            if (bPrint) {
                if (i)
                    putchar_unlocked('\t');
                if (row[i])
                    fwrite_unlocked(row[i], 1, len[i], stdout);
                else
                    fputs_unlocked("\\N", stdout);
            }
        }
        if (bPrint)
            putchar_unlocked('\n');
        nRow++;
    }
    if (mysql_errno(m)) {
        fail(m, "mysql_fetch_row");
        goto out;
    }
    if (eShow != SHOW_COUNT)
        fflush(stdout);
    else
        printf("rows=%llu bytes=%llu\n", nRow, nByte);
    rc = 0;
out:
    mysql_free_result(res);
    return rc;
}

/* Send one multi-statement batch and drain every result; an error in any statement fails.
** Returns 0 or -1. */
static int run_batch(MYSQL *m, const sbuf *b)
{
    int status;
    if (b->n == 0)
        return 0;
    if (mysql_real_query(m, b->z, (unsigned long)b->n))
        return fail(m, "batch");
    do {
        MYSQL_RES *res = mysql_store_result(m);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(m) != 0)
            return fail(m, "batch result");
        status = mysql_next_result(m);
    } while (status == 0);
    if (status > 0)
        return fail(m, "batch statement");
    return 0;
}

/* Append to *b the CREATE PITR statement for PITR i of zPrefix at level zLevel (no `;`).
** Returns 0, or -1 for an unknown level or OOM. */
static int append_create(sbuf *b, const char *zPrefix, long i, const char *zLevel)
{
    if (strcmp(zLevel, "cluster") == 0)
        return sbuf_printf(b, "CREATE PITR %s%ld FOR CLUSTER RANGE 1 'd'", zPrefix, i);
    if (strcmp(zLevel, "account") == 0)
        return sbuf_printf(b, "CREATE PITR %s%ld FOR ACCOUNT RANGE 1 'd'", zPrefix, i);
    if (strcmp(zLevel, "database") == 0)
        return sbuf_printf(b, "CREATE PITR %s%ld FOR DATABASE %s_db%ld RANGE 1 'd'", zPrefix, i,
                           zPrefix, i);
    if (strcmp(zLevel, "table") == 0)
        return sbuf_printf(b, "CREATE PITR %s%ld FOR TABLE %s_tdb %s_t%ld RANGE 1 'd'", zPrefix, i,
                           zPrefix, zPrefix, i);
    fprintf(stderr, "rawclient: unknown level '%s' (cluster, account, database, table)\n", zLevel);
    return -1;
}

/* Append to *b the statements (each ending `;`) that make the target of PITR i at zLevel,
** IF NOT EXISTS. *pbTdb says whether PREFIX_tdb was already made by this batch run.
** Returns 0 or -1. */
static int append_target(sbuf *b, const char *zPrefix, long i, const char *zLevel, int *pbTdb)
{
    if (strcmp(zLevel, "database") == 0)
        return sbuf_printf(b, "CREATE DATABASE IF NOT EXISTS %s_db%ld;", zPrefix, i);
    if (strcmp(zLevel, "table") == 0) {
        if (!*pbTdb) {
            *pbTdb = 1;
            if (sbuf_printf(b, "CREATE DATABASE IF NOT EXISTS %s_tdb;", zPrefix))
                return -1;
        }
        return sbuf_printf(b, "CREATE TABLE IF NOT EXISTS %s_tdb.%s_t%ld (a INT);", zPrefix,
                           zPrefix, i);
    }
    return 0;
}

/* The level of PITR i in `load`'s mix (see the file comment). Static string. */
static const char *mix_level(long i)
{
    if (i == 0)
        return "account";
    if (i == 1)
        return "cluster";
    if (i % 100 == 50)
        return "table";
    return "database";
}

/* `create N PREFIX LEVEL...`: N CREATE PITR, one per round trip, as a user would type them.
** Returns 0 or -1. */
static int cmd_create(MYSQL *m, long n, const char *zPrefix, levels lv)
{
    int rc = -1;
    sbuf b = {0};
    for (long i = 0; i < n; i++) {
        b.n = 0;
        if (append_create(&b, zPrefix, i, lv.az[i % lv.n]))
            goto out;
        if (mysql_real_query(m, b.z, (unsigned long)b.n)) {
            fail(m, b.z);
            goto out;
        }
    }
    printf("statements=%ld\n", n);
    rc = 0;
out:
    sbuf_free(&b);
    return rc;
}

/* Add one statement to a batch and send the batch when it is full. *pnStmt counts the
** statements in the batch. Returns 0 or -1. */
static int batch_step(MYSQL *m, sbuf *b, int *pnStmt)
{
    if (++*pnStmt < BATCH_STMTS)
        return 0;
    *pnStmt = 0;
    int rc = run_batch(m, b);
    b->n = 0;
    return rc;
}

/* `targets N PREFIX LEVEL...`: make the databases/tables that `create` will name.
** Returns 0 or -1. */
static int cmd_targets(MYSQL *m, long n, const char *zPrefix, levels lv)
{
    int rc = -1, nStmt = 0, bTdb = 0;
    sbuf b = {0};
    for (long i = 0; i < n; i++) {
        size_t before = b.n;
        if (append_target(&b, zPrefix, i, lv.az[i % lv.n], &bTdb))
            goto out;
        if (b.n != before && batch_step(m, &b, &nStmt))
            goto out;
    }
    if (run_batch(m, &b))
        goto out;
    rc = 0;
out:
    sbuf_free(&b);
    return rc;
}

/* `drop N PREFIX`: DROP PITR IF EXISTS PREFIX0..N-1 in batches. Returns 0 or -1. */
static int cmd_drop(MYSQL *m, long n, const char *zPrefix)
{
    int rc = -1, nStmt = 0;
    sbuf b = {0};
    for (long i = 0; i < n; i++) {
        if (sbuf_printf(&b, "DROP PITR IF EXISTS %s%ld;", zPrefix, i))
            goto out;
        if (batch_step(m, &b, &nStmt))
            goto out;
    }
    if (run_batch(m, &b))
        goto out;
    printf("statements=%ld\n", n);
    rc = 0;
out:
    sbuf_free(&b);
    return rc;
}

/* `load N`: N PITRs of the mix with their targets, in multi-statement batches.
** Returns 0 or -1. */
static int cmd_load(MYSQL *m, long n)
{
    int rc = -1, nStmt = 0, bTdb = 0;
    long nLevel[4] = {0};
    sbuf b = {0};
    double t0 = now_s();
    for (long i = 0; i < n; i++) {
        const char *zLevel = mix_level(i);
        if (append_target(&b, "p", i, zLevel, &bTdb) || append_create(&b, "p", i, zLevel) ||
            sbuf_printf(&b, ";"))
            goto out;
        nLevel[zLevel[0] == 'c' ? 0 : zLevel[0] == 'a' ? 1 : zLevel[0] == 'd' ? 2 : 3]++;
        if (batch_step(m, &b, &nStmt))
            goto out;
    }
    if (run_batch(m, &b))
        goto out;
    fprintf(stderr,
            "rawclient: loaded %ld PITRs (cluster %ld, account %ld, database %ld, table %ld) "
            "in %.1f s\n",
            n, nLevel[0], nLevel[1], nLevel[2], nLevel[3], now_s() - t0);
    rc = 0;
out:
    sbuf_free(&b);
    return rc;
}

/* Parse a positive count argument. Returns it, or -1 with a message. */
static long parse_count(const char *z)
{
    char *end;
    long n = strtol(z, &end, 10);
    if (*z == 0 || *end != 0 || n < 0) {
        fprintf(stderr, "rawclient: bad count '%s'\n", z);
        return -1;
    }
    return n;
}

/* Print usage and return 2. */
static int usage(void)
{
    fprintf(stderr, "usage: mopitr_rawclient scan | scan-print | scan-sqlite | where EXPR |\n"
                    "         create N PREFIX LEVEL... | targets N PREFIX LEVEL... |\n"
                    "         drop N PREFIX | load N\n"
                    "  env: MO_HOST MO_PORT MO_USER MO_PASSWORD\n");
    return 2;
}

int main(int argc, char **argv)
{
    int rc = 1;
    MYSQL *m = NULL;
    sbuf q = {0};
    if (argc < 2)
        return usage();
    const char *mode = argv[1];
    int bBatch = !strcmp(mode, "targets") || !strcmp(mode, "drop") || !strcmp(mode, "load");
    long n = 0;
    levels lv = {0};
    if (!strcmp(mode, "create") || !strcmp(mode, "targets")) {
        if (argc < 5)
            return usage();
        lv.n = argc - 4;
        lv.az = argv + 4;
    } else if (!strcmp(mode, "drop")) {
        if (argc != 4)
            return usage();
    } else if (!strcmp(mode, "load") || !strcmp(mode, "where")) {
        if (argc != 3)
            return usage();
    } else if (strcmp(mode, "scan") && strcmp(mode, "scan-print") && strcmp(mode, "scan-sqlite")) {
        return usage();
    }
    if (!strcmp(mode, "create") || !strcmp(mode, "targets") || !strcmp(mode, "drop") ||
        !strcmp(mode, "load")) {
        n = parse_count(argv[2]);
        if (n < 0)
            return 2;
    }
    if (mysql_library_init(0, NULL, NULL)) {
        fprintf(stderr, "rawclient: mysql_library_init failed\n");
        return 1;
    }
    m = connect_env(bBatch);
    if (!m)
        goto out;
    int r;
    if (!strcmp(mode, "scan"))
        r = run_select(m, "SHOW PITR", SHOW_COUNT);
    else if (!strcmp(mode, "scan-print"))
        r = run_select(m, "SHOW PITR", SHOW_TAB);
    else if (!strcmp(mode, "scan-sqlite"))
        r = run_select(m, "SHOW PITR", SHOW_SQLITE);
    else if (!strcmp(mode, "where"))
        r = sbuf_printf(&q, "SHOW PITR WHERE %s", argv[2]) ? -1 : run_select(m, q.z, SHOW_COUNT);
    else if (!strcmp(mode, "create"))
        r = cmd_create(m, n, argv[3], lv);
    else if (!strcmp(mode, "targets"))
        r = cmd_targets(m, n, argv[3], lv);
    else if (!strcmp(mode, "drop"))
        r = cmd_drop(m, n, argv[3]);
    else
        r = cmd_load(m, n);
    if (r == 0)
        rc = 0;
out:
    sbuf_free(&q);
    if (m)
        mysql_close(m);
    mysql_library_end();
    return rc;
}
