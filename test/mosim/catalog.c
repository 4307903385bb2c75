/*
** catalog.c: mosim's catalog, kept in SQLite and shaped like MatrixOne's mo_catalog.
**
** Tables (created if missing, so a --data file survives restarts):
**   mo_account(account_id, account_name, admin_name, created_time)   sys = 0, others 1..
**   mo_user(account_id, user_name, h2, default_role)                  h2 = SHA1(SHA1(pw))
**   mo_database(dat_id, account_id, datname)                          user databases
**   mo_tables(rel_id, account_id, reldatabase, relname)               user tables
**   mo_pitr(...)  the spec 6.1 columns; obj_id -1 stands for 18446744073709551615
**                 key (pitr_name, create_account) as MatrixOne; indexes: by creator and
**                 create_time (SHOW PITR's order), by target (duplicate checks), by obj_id,
**                 by database_name and by level (filtered SHOW PITR, see show.c)
**   mo_meta(k, v) counters (next object id)
** System databases (spec 3.3 list) are virtual: they exist in every account with fixed
** ids 1..7 (mo_catalog = 1). User object ids start at 1001.
**
** SQL functions registered on the connection:
**   mo_fmt_time(ns, tz)  ns UTC -> 'YYYY-MM-DD HH:MM:SS' (FLOOR to seconds) in zone tz
**   like(pat, s [, esc]) MySQL LIKE, case-sensitive (binary collation), '\' escape
**   cast_range_value_unit(n, unit)  the range in hours (assumed semantics)
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine.h"

static const char *const schema_sql =
    "CREATE TABLE IF NOT EXISTS mo_account(account_id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " account_name TEXT NOT NULL UNIQUE, admin_name TEXT, created_time INTEGER);"
    "CREATE TABLE IF NOT EXISTS mo_user(account_id INTEGER NOT NULL, user_name TEXT NOT NULL,"
    " h2 BLOB NOT NULL, default_role TEXT NOT NULL, PRIMARY KEY(account_id, user_name));"
    "CREATE TABLE IF NOT EXISTS mo_database(dat_id INTEGER PRIMARY KEY,"
    " account_id INTEGER NOT NULL, datname TEXT NOT NULL, UNIQUE(account_id, datname));"
    "CREATE TABLE IF NOT EXISTS mo_tables(rel_id INTEGER PRIMARY KEY,"
    " account_id INTEGER NOT NULL, reldatabase TEXT NOT NULL, relname TEXT NOT NULL,"
    " UNIQUE(account_id, reldatabase, relname));"
    "CREATE TABLE IF NOT EXISTS mo_pitr(pitr_id TEXT NOT NULL UNIQUE,"
    " pitr_name TEXT NOT NULL, create_account INTEGER NOT NULL,"
    " create_time INTEGER NOT NULL, modified_time INTEGER NOT NULL, level TEXT NOT NULL,"
    " account_id INTEGER NOT NULL, account_name TEXT NOT NULL, database_name TEXT NOT NULL,"
    " table_name TEXT NOT NULL, obj_id INTEGER NOT NULL, pitr_length INTEGER NOT NULL,"
    " pitr_unit TEXT NOT NULL, pitr_status INTEGER NOT NULL DEFAULT 1,"
    " pitr_status_changed_time INTEGER NOT NULL, kind TEXT NOT NULL DEFAULT 'user',"
    " PRIMARY KEY(pitr_name, create_account));"
    "CREATE INDEX IF NOT EXISTS mo_pitr_by_creator ON mo_pitr(create_account, create_time);"
    "CREATE INDEX IF NOT EXISTS mo_pitr_by_target ON mo_pitr(create_account, level,"
    " database_name, table_name, account_name);"
    "CREATE INDEX IF NOT EXISTS mo_pitr_by_object ON mo_pitr(obj_id);"
    /* for SHOW PITR WHERE database_name / pitr_level = or IN (show.c) */
    "CREATE INDEX IF NOT EXISTS mo_pitr_by_database ON mo_pitr(database_name, create_account);"
    "CREATE INDEX IF NOT EXISTS mo_pitr_by_level ON mo_pitr(level, create_account, create_time);"
    "CREATE TABLE IF NOT EXISTS mo_meta(k TEXT PRIMARY KEY, v INTEGER NOT NULL);"
    "INSERT OR IGNORE INTO mo_meta VALUES('next_obj_id', 1000);";

static const char *const sys_dbs[] = {
    "mo_catalog", "information_schema", "mysql", "system", "system_metrics",
    "mo_task",    "mo_debug",           NULL};

/* See engine.h. */
int mocat_is_sys_db(const char *db)
{
    return mocat_sys_db_id(db) > 0;
}

/* See engine.h. */
int64_t mocat_sys_db_id(const char *db)
{
    int k;
    for (k = 0; sys_dbs[k]; k++)
        if (strcmp(sys_dbs[k], db) == 0)
            return k + 1;
    return -1;
}

/* See engine.h. */
int mocat_execf(mosim_engine *e, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    int rc;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (!sql)
        return SQLITE_NOMEM;
    rc = sqlite3_exec(e->db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    return rc;
}

/* See engine.h. */
int mocat_int(mosim_engine *e, int64_t *out, const char *fmt, ...)
{
    va_list ap;
    char *sql;
    sqlite3_stmt *st = NULL;
    int rc, ret = -1;
    va_start(ap, fmt);
    sql = sqlite3_vmprintf(fmt, ap);
    va_end(ap);
    if (!sql)
        goto out;
    if (sqlite3_prepare_v2(e->db, sql, -1, &st, NULL) != SQLITE_OK)
        goto out;
    rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        if (out)
            *out = sqlite3_column_int64(st, 0);
        ret = 1;
    } else if (rc == SQLITE_DONE) {
        ret = 0;
    }
out:
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return ret;
}

/* See engine.h. */
int64_t mocat_next_obj_id(mosim_engine *e)
{
    int64_t v = -1;
    if (mocat_int(e, &v, "UPDATE mo_meta SET v = v + 1 WHERE k = 'next_obj_id' RETURNING v") != 1)
        return -1;
    return v;
}

/* See engine.h. */
int mocat_begin(mosim_engine *e)
{
    return sqlite3_exec(e->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

/* See engine.h. */
int mocat_commit(mosim_engine *e)
{
    return sqlite3_exec(e->db, "COMMIT", NULL, NULL, NULL);
}

/* See engine.h. */
void mocat_rollback(mosim_engine *e)
{
    if (!sqlite3_get_autocommit(e->db))
        sqlite3_exec(e->db, "ROLLBACK", NULL, NULL, NULL);
}

/* See engine.h. */
int64_t mocat_db_id(mosim_engine *e, uint64_t acc, const char *db)
{
    int64_t id = mocat_sys_db_id(db);
    if (id > 0)
        return id;
    if (mocat_int(e, &id, "SELECT dat_id FROM mo_database WHERE account_id = %lld AND datname = %Q",
                  (long long)acc, db) != 1)
        return -1;
    return id;
}

/* See engine.h. */
int64_t mocat_table_id(mosim_engine *e, uint64_t acc, const char *db, const char *t)
{
    int64_t id;
    if (mocat_int(e, &id,
                  "SELECT rel_id FROM mo_tables WHERE account_id = %lld AND reldatabase = %Q"
                  " AND relname = %Q",
                  (long long)acc, db, t) != 1)
        return -1;
    return id;
}

/* See engine.h. */
int64_t mocat_account_id(mosim_engine *e, const char *name)
{
    int64_t id;
    if (mocat_int(e, &id, "SELECT account_id FROM mo_account WHERE account_name = %Q", name) != 1)
        return -1;
    return id;
}

/* See engine.h. */
int64_t mocat_now_ns(mosim_engine *e)
{
    struct timespec ts;
    int64_t ns;
    clock_gettime(CLOCK_REALTIME, &ts);
    ns = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    if (ns <= e->last_ns)
        ns = e->last_ns + 1;
    e->last_ns = ns;
    return ns;
}

/* See engine.h. */
int64_t mocat_range_start(int64_t now_s, int64_t len, const char *unit)
{
    struct tm tm;
    time_t t = (time_t)now_s;
    if (strcmp(unit, "h") == 0)
        return now_s - len * 3600;
    gmtime_r(&t, &tm);
    if (strcmp(unit, "d") == 0)
        tm.tm_mday -= (int)len;
    else if (strcmp(unit, "mo") == 0)
        tm.tm_mon -= (int)len;
    else if (strcmp(unit, "y") == 0)
        tm.tm_year -= (int)len;
    return (int64_t)timegm(&tm);
}

/* A session time zone, parsed: a fixed offset ("+hh:mm"/"-hh:mm") or the system zone. */
typedef struct cat_tz {
    int bFixed;    /* 1: offset applies; 0: localtime */
    time_t offset; /* seconds east of UTC when bFixed */
} cat_tz;

/* Parse tz (NULL or "SYSTEM": the system zone) into *p. */
static void cat_tz_parse(const char *tz, cat_tz *p)
{
    p->bFixed = 0;
    p->offset = 0;
    if (tz && (tz[0] == '+' || tz[0] == '-')) {
        int hh = 0, mm = 0;
        sscanf(tz + 1, "%d:%d", &hh, &mm);
        p->bFixed = 1;
        p->offset = (time_t)((tz[0] == '-' ? -1 : 1) * (hh * 3600 + mm * 60));
    }
}

/* Write v (0 <= v < 10^w) as w decimal digits at z. */
static void cat_digits(char *z, int v, int w)
{
    while (w-- > 0) {
        z[w] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* Render secs in zone *pTz as "YYYY-MM-DD HH:MM:SS" into buf (n bytes). */
static void cat_fmt_time_tz(int64_t secs, const cat_tz *pTz, char *buf, size_t n)
{
    struct tm tm;
    time_t t = (time_t)secs;
    if (pTz->bFixed) {
        t += pTz->offset;
        gmtime_r(&t, &tm);
    } else {
        localtime_r(&t, &tm);
    }
    if (n >= 20 && tm.tm_year + 1900 >= 0 && tm.tm_year + 1900 <= 9999) {
        /* The common case without snprintf (this runs for every time of every row). */
        cat_digits(buf, tm.tm_year + 1900, 4);
        buf[4] = '-';
        cat_digits(buf + 5, tm.tm_mon + 1, 2);
        buf[7] = '-';
        cat_digits(buf + 8, tm.tm_mday, 2);
        buf[10] = ' ';
        cat_digits(buf + 11, tm.tm_hour, 2);
        buf[13] = ':';
        cat_digits(buf + 14, tm.tm_min, 2);
        buf[16] = ':';
        cat_digits(buf + 17, tm.tm_sec, 2);
        buf[19] = 0;
        return;
    }
    snprintf(buf, n, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* See engine.h. */
void mocat_fmt_time(int64_t secs, const char *tz, char *buf, size_t n)
{
    cat_tz z;
    cat_tz_parse(tz, &z);
    cat_fmt_time_tz(secs, &z, buf, n);
}

/* mo_fmt_time(ns, tz): FROM_UNIXTIME(FLOOR(ns / 1e9)) rendered in the session zone. The
** zone is parsed once per statement: SQLite keeps the parsed form as auxdata of the
** constant tz argument (a non-constant tz is parsed per call). */
static void fn_fmt_time(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    char buf[40];
    int64_t ns, s;
    cat_tz *pTz;
    cat_tz tzLocal;
    (void)argc;
    if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    ns = sqlite3_value_int64(argv[0]);
    s = ns / 1000000000;
    if (ns < 0 && ns % 1000000000)
        s--;
    pTz = sqlite3_get_auxdata(ctx, 1);
    if (pTz == NULL) {
        cat_tz_parse((const char *)sqlite3_value_text(argv[1]), &tzLocal);
        pTz = &tzLocal;
        {
            cat_tz *pKeep = sqlite3_malloc(sizeof(*pKeep));
            if (pKeep) {
                *pKeep = tzLocal;
                /* On failure SQLite frees pKeep itself (and the call goes on). */
                sqlite3_set_auxdata(ctx, 1, pKeep, sqlite3_free);
            }
        }
    }
    cat_fmt_time_tz(s, pTz, buf, sizeof(buf));
    sqlite3_result_text(ctx, buf, -1, SQLITE_TRANSIENT);
}

/* Length in bytes of the UTF-8 character starting with byte c. */
static int u8len(unsigned char c)
{
    if (c < 0xC0)
        return 1;
    if (c < 0xE0)
        return 2;
    if (c < 0xF0)
        return 3;
    return 4;
}

/* MySQL LIKE on bytes: % any run, _ one character, esc escapes the next byte. */
static int like_match(const unsigned char *p, const unsigned char *s, int esc)
{
    while (*p) {
        if (*p == '%') {
            while (*p == '%')
                p++;
            if (!*p)
                return 1;
            for (;;) {
                if (like_match(p, s, esc))
                    return 1;
                if (!*s)
                    return 0;
                s += u8len(*s);
            }
        }
        if (!*s)
            return 0;
        if (*p == '_') {
            p++;
            s += u8len(*s);
            continue;
        }
        if (esc >= 0 && *p == esc && p[1])
            p++;
        if (*p != *s)
            return 0;
        p++;
        s++;
    }
    return *s == 0;
}

/* like(pattern, value [, escape]) overriding SQLite's case-insensitive LIKE. */
static void fn_like(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const unsigned char *pat = sqlite3_value_text(argv[0]);
    const unsigned char *s = sqlite3_value_text(argv[1]);
    int esc = '\\';
    if (!pat || !s || (argc == 3 && sqlite3_value_type(argv[2]) == SQLITE_NULL)) {
        sqlite3_result_null(ctx);
        return;
    }
    if (argc == 3) {
        const unsigned char *e = sqlite3_value_text(argv[2]);
        esc = (e && *e) ? *e : -1;
    }
    sqlite3_result_int(ctx, like_match(pat, s, esc));
}

/* cast_range_value_unit(n, unit): the range in hours (h 1, d 24, mo 720, y 8760). */
static void fn_cast_range(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
    const char *u = (const char *)sqlite3_value_text(argv[1]);
    int64_t n = sqlite3_value_int64(argv[0]), mul;
    (void)argc;
    if (!u || sqlite3_value_type(argv[0]) == SQLITE_NULL) {
        sqlite3_result_null(ctx);
        return;
    }
    if (strcasecmp(u, "h") == 0)
        mul = 1;
    else if (strcasecmp(u, "d") == 0)
        mul = 24;
    else if (strcasecmp(u, "mo") == 0)
        mul = 24 * 30;
    else if (strcasecmp(u, "y") == 0)
        mul = 24 * 365;
    else {
        sqlite3_result_error(ctx, "invalid pitr unit", -1);
        return;
    }
    sqlite3_result_int64(ctx, n * mul);
}

/* See engine.h. */
int mocat_register_functions(sqlite3 *db)
{
    int rc = sqlite3_create_function(db, "mo_fmt_time", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     fn_fmt_time, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "like", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     fn_like, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "like", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL,
                                     fn_like, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_create_function(db, "cast_range_value_unit", 2,
                                     SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_cast_range, NULL,
                                     NULL);
    return rc;
}

/* See engine.h. */
int mocat_init(mosim_engine *e, const char *root_password, char *err, size_t nerr)
{
    uint8_t h2[20];
    sqlite3_stmt *st = NULL;
    int rc;
    rc = sqlite3_exec(e->db, schema_sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto out;
    rc = sqlite3_exec(e->db,
                      "INSERT OR IGNORE INTO mo_account(account_id, account_name, admin_name,"
                      " created_time) VALUES(0, 'sys', 'root', 0)",
                      NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto out;
    /* root's password follows --root-password on every start */
    moten_hash2(root_password ? root_password : "111", h2);
    rc = sqlite3_prepare_v2(e->db,
                            "INSERT INTO mo_user(account_id, user_name, h2, default_role)"
                            " VALUES(0, 'root', ?1, 'moadmin') ON CONFLICT(account_id, user_name)"
                            " DO UPDATE SET h2 = excluded.h2",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        goto out;
    sqlite3_bind_blob(st, 1, h2, 20, SQLITE_STATIC);
    rc = sqlite3_step(st);
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
out:
    if (rc != SQLITE_OK)
        snprintf(err, nerr, "mosim: catalog: %s", sqlite3_errmsg(e->db));
    sqlite3_finalize(st);
    return rc == SQLITE_OK ? 0 : -1;
}
