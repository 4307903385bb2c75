/*
** restore.c: RESTORE ... FROM PITR p 'ts' -- validated as MatrixOne does, answered with OK.
**
** Usage (from engine.c dispatch): morestore(e, s, st, out).
**
** How it works (spec 8): checks in doRestorePitr's order:
**   1. the timestamp parses like Go's time.ParseInLocation("2006-01-02 15:04:05", v, Local)
**      (errors are Go's texts, errno 1105);
**   2. the PITR exists for the caller's account;
**   3. a named system database cannot be restored;
**   4. level compatibility (checkPitrValidOrNot);
**   5. time window: after the PITR's creation second, not before now - range, not after now.
** Nothing is restored: mosim keeps no data history, so the statement only validates.
** All check failures are 20101 "internal error: ..."; times in messages use the server's
** local zone.
*/
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "engine.h"

/* Go's quote(): "..." with \ and " escaped. */
static void goquote(char *buf, size_t n, const char *s)
{
    size_t j = 0;
    if (n < 3)
        return;
    buf[j++] = '"';
    for (; *s && j + 3 < n; s++) {
        if (*s == '"' || *s == '\\')
            buf[j++] = '\\';
        buf[j++] = *s;
    }
    buf[j++] = '"';
    buf[j] = 0;
}

/* Go's getnum: one or two digits (exactly two when fixed). Returns -1 on errBad. */
static int getnum(const char **v, int fixed)
{
    const char *s = *v;
    if (!(s[0] >= '0' && s[0] <= '9'))
        return -1;
    if (!(s[1] >= '0' && s[1] <= '9')) {
        if (fixed)
            return -1;
        *v = s + 1;
        return s[0] - '0';
    }
    *v = s + 2;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

/* Days in month m (1..12) of year y. */
static int days_in(int m, int y)
{
    static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return d[m - 1];
}

/* Format the "cannot parse" error. */
static int cannot(char *msg, size_t n, const char *all, const char *elem, const char *lay)
{
    char a[300], b[300], c[32];
    goquote(a, sizeof(a), all);
    goquote(b, sizeof(b), elem);
    goquote(c, sizeof(c), lay);
    snprintf(msg, n, "parsing time %s as \"2006-01-02 15:04:05\": cannot parse %s as %s", a, b, c);
    return -1;
}

/* Format a range / extra-text error. */
static int range_err(char *msg, size_t n, const char *all, const char *what)
{
    char a[300];
    goquote(a, sizeof(a), all);
    snprintf(msg, n, "parsing time %s: %s", a, what);
    return -1;
}

/* See engine.h. */
int morestore_parse_ts(const char *all, int64_t *ns, char *msg, size_t nmsg)
{
    const char *v = all, *hold;
    int year = 0, mon, day, hour, min, sec, k, neg = 0;
    long nsec = 0;
    struct tm tm;
    time_t t;
    /* 2006 */
    if (strlen(v) < 4)
        return cannot(msg, nmsg, all, v, "2006");
    k = 0;
    if (v[0] == '-' || v[0] == '+') {
        neg = v[0] == '-';
        k = 1;
    }
    for (; k < 4; k++) {
        if (v[k] < '0' || v[k] > '9')
            return cannot(msg, nmsg, all, v, "2006");
        year = year * 10 + (v[k] - '0');
    }
    if (neg)
        year = -year;
    v += 4;
    /* -01 */
    if (*v != '-')
        return cannot(msg, nmsg, all, v, "-");
    v++;
    hold = v;
    if ((mon = getnum(&v, 1)) < 0)
        return cannot(msg, nmsg, all, hold, "01");
    if (mon < 1 || mon > 12)
        return range_err(msg, nmsg, all, "month out of range");
    /* -02 */
    if (*v != '-')
        return cannot(msg, nmsg, all, v, "-");
    v++;
    hold = v;
    if ((day = getnum(&v, 1)) < 0)
        return cannot(msg, nmsg, all, hold, "02");
    /* ' ' matches any run of spaces (Go's skip) */
    if (*v && *v != ' ')
        return cannot(msg, nmsg, all, v, " ");
    while (*v == ' ')
        v++;
    hold = v;
    if ((hour = getnum(&v, 0)) < 0)
        return cannot(msg, nmsg, all, hold, "15");
    if (hour >= 24)
        return range_err(msg, nmsg, all, "hour out of range");
    if (*v != ':')
        return cannot(msg, nmsg, all, v, ":");
    v++;
    hold = v;
    if ((min = getnum(&v, 1)) < 0)
        return cannot(msg, nmsg, all, hold, "04");
    if (min >= 60)
        return range_err(msg, nmsg, all, "minute out of range");
    if (*v != ':')
        return cannot(msg, nmsg, all, v, ":");
    v++;
    hold = v;
    if ((sec = getnum(&v, 1)) < 0)
        return cannot(msg, nmsg, all, hold, "05");
    if (sec >= 60)
        return range_err(msg, nmsg, all, "second out of range");
    if ((v[0] == '.' || v[0] == ',') && v[1] >= '0' && v[1] <= '9') {
        int digits = 0;
        v++;
        while (*v >= '0' && *v <= '9') {
            if (digits < 9) {
                nsec = nsec * 10 + (*v - '0');
                digits++;
            }
            v++;
        }
        while (digits++ < 9)
            nsec *= 10;
    }
    if (*v) {
        char q[300], what[340];
        goquote(q, sizeof(q), v);
        snprintf(what, sizeof(what), "extra text: %s", q);
        return range_err(msg, nmsg, all, what);
    }
    if (day < 1 || day > days_in(mon, year))
        return range_err(msg, nmsg, all, "day out of range");
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = year - 1900;
    tm.tm_mon = mon - 1;
    tm.tm_mday = day;
    tm.tm_hour = hour;
    tm.tm_min = min;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    t = mktime(&tm);
    *ns = (int64_t)t * 1000000000 + nsec;
    return 0;
}

typedef struct prow {
    char level[16];
    int64_t account_id, create_ns, len;
    char account[256], db[256], tbl[256], unit[8];
} prow;

/* Load the caller's PITR `name`. 1 found, 0 missing, -1 error. */
static int load_pitr(mosim_engine *e, mosim_session *s, const char *name, prow *r)
{
    sqlite3_stmt *q = NULL;
    int rc, ret = -1;
    if (sqlite3_prepare_v2(e->db,
                           "SELECT level, account_id, account_name, database_name, table_name,"
                           " create_time, pitr_length, pitr_unit FROM mo_pitr"
                           " WHERE pitr_name = ?1 AND create_account = ?2",
                           -1, &q, NULL) != SQLITE_OK)
        goto out;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (sqlite3_int64)s->account_id);
    rc = sqlite3_step(q);
    if (rc == SQLITE_DONE)
        ret = 0;
    if (rc != SQLITE_ROW)
        goto out;
    snprintf(r->level, sizeof(r->level), "%s", (const char *)sqlite3_column_text(q, 0));
    r->account_id = sqlite3_column_int64(q, 1);
    snprintf(r->account, sizeof(r->account), "%s", (const char *)sqlite3_column_text(q, 2));
    snprintf(r->db, sizeof(r->db), "%s", (const char *)sqlite3_column_text(q, 3));
    snprintf(r->tbl, sizeof(r->tbl), "%s", (const char *)sqlite3_column_text(q, 4));
    r->create_ns = sqlite3_column_int64(q, 5);
    r->len = sqlite3_column_int64(q, 6);
    snprintf(r->unit, sizeof(r->unit), "%s", (const char *)sqlite3_column_text(q, 7));
    ret = 1;
out:
    sqlite3_finalize(q);
    return ret;
}

/* Level compatibility (spec 8.3). Returns 0 or -1 after sending the error. */
static int check_level(mosim_session *s, mo_stmt *st, const prow *r, const mosim_sink *out)
{
    const char *me = s->account, *p = st->name, *lv = r->level;
    int mine = r->account_id == (int64_t)s->account_id;
    if (st->level == LV_CLUSTER) {
        if (strcmp(lv, "cluster") != 0)
            return mo_ierr(out, "restore level %s is not allowed for cluster restore", lv), -1;
        if (s->account_id != 0)
            return mo_ierr(out, "account %s is not allowed to restore cluster level pitr %s", me,
                           p),
                   -1;
        return 0;
    }
    if (st->level == LV_ACCOUNT && !st->acc) {
        if (strcmp(lv, "account") != 0)
            return mo_ierr(out, "restore level %s is not allowed for account restore", lv), -1;
        if (!mine)
            return mo_ierr(out, "pitr %s is not allowed to restore account %s", p, me), -1;
        return 0;
    }
    if (st->level == LV_ACCOUNT) {
        const char *acc = st->acc, *src = st->src_acc;
        if (s->account_id != 0)
            return mo_ierr(out, "account %s is not allowed to restore other account %s", me, acc),
                   -1;
        if (!strcmp(lv, "database") || !strcmp(lv, "table"))
            return mo_ierr(out, "can not restore account %s by pitr %s", acc, p), -1;
        if (!src || !src[0]) {
            if (!strcmp(acc, "sys") || (!strcmp(lv, "account") && !strcmp(r->account, "sys")))
                return mo_ierr(out, "can not restore sys account to new account %s by pitr %s", acc,
                               p),
                       -1;
            if (!strcmp(lv, "cluster"))
                return mo_ierr(out,
                               "can not restore account %s by pitr %s, source account is empty",
                               acc, p),
                       -1;
            return 0;
        }
        if (strcmp(lv, "cluster") != 0)
            return mo_ierr(out,
                           "can not restore account %s by pitr %s, the pitr level is not cluster",
                           src, p),
                   -1;
        if (!strcmp(src, "sys") && strcmp(acc, "sys") != 0)
            return mo_ierr(out, "can not restore sys account to new account %s by pitr %s", acc, p),
                   -1;
        if (strcmp(src, "sys") != 0 && !strcmp(acc, "sys"))
            return mo_ierr(out, "can not restore account %s to sys account by pitr %s", src, p), -1;
        return 0;
    }
    if (st->level == LV_DATABASE) {
        if (!strcmp(lv, "cluster"))
            return mo_ierr(out, "cluster level pitr `%s` is not allowed for database restore", lv),
                   -1;
        if (!strcmp(lv, "table"))
            return mo_ierr(out, "restore level %s is not allowed for database restore", lv), -1;
        if (st->acc && strcmp(st->acc, me) != 0)
            return mo_ierr(out, "account %s is not allowed to restore database %s", me, st->db), -1;
        if (!strcmp(lv, "account") && !mine)
            return mo_ierr(out, "pitr %s is not allowed to restore account %s database %s", p, me,
                           st->db),
                   -1;
        if (!strcmp(lv, "database") && (!mine || strcmp(r->db, st->db) != 0))
            return mo_ierr(out, "pitr %s is not allowed to restore database %s", p, st->db), -1;
        return 0;
    }
    if (!strcmp(lv, "cluster"))
        return mo_ierr(out, "cluster level pitr `%s` is not allowed for table restore", lv), -1;
    if (st->acc && strcmp(st->acc, me) != 0)
        return mo_ierr(out, "account %s is not allowed to restore table %s.%s", me, st->db,
                       st->tbl),
               -1;
    if (!strcmp(lv, "account") && !mine)
        return mo_ierr(out, "pitr %s is not allowed to restore account %s database %s table %s", p,
                       me, st->db, st->tbl),
               -1;
    if (!strcmp(lv, "database") && (!mine || strcmp(r->db, st->db) != 0))
        return mo_ierr(out, "pitr %s is not allowed to restore database %s table %s", p, st->db,
                       st->tbl),
               -1;
    if (!strcmp(lv, "table") &&
        (!mine || strcmp(r->db, st->db) != 0 || strcmp(r->tbl, st->tbl) != 0))
        return mo_ierr(out, "pitr %s is not allowed to restore table %s.%s", p, st->db, st->tbl),
               -1;
    return 0;
}

/* Format ns (UTC) in the server's local zone like Go's nanoTimeFormat. */
static void local_fmt(int64_t ns, char *buf, size_t n)
{
    int64_t s = ns / 1000000000;
    if (ns < 0 && ns % 1000000000)
        s--;
    mocat_fmt_time(s, "SYSTEM", buf, n);
}

/* See engine.h. */
void morestore(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    char msg[1024], a[40], b[40];
    int64_t ts, create_ns, now_ns, min_ns;
    struct timespec now;
    prow r = {0};
    int found;
    if (morestore_parse_ts(st->ts, &ts, msg, sizeof(msg))) {
        mo_err(out, MO_ER_UNKNOWN, "%s", msg);
        return;
    }
    found = load_pitr(e, s, st->name, &r);
    if (found < 0) {
        mo_dberr(e, out);
        return;
    }
    if (!found) {
        mo_ierr(out, "pitr %s does not exist", st->name);
        return;
    }
    if (st->db && mocat_is_sys_db(st->db)) {
        mo_ierr(out, "database %s can not be restore", st->db);
        return;
    }
    if (check_level(s, st, &r, out))
        return;
    /* the creation time is compared at second precision (MatrixOne reads it back as text) */
    create_ns = r.create_ns - r.create_ns % 1000000000;
    if (ts <= create_ns) {
        local_fmt(ts, a, sizeof(a));
        local_fmt(create_ns, b, sizeof(b));
        mo_ierr(out, "input timestamp %s is less than the pitr valid time %s", a, b);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &now);
    now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    min_ns = mocat_range_start(now.tv_sec, r.len, r.unit) * 1000000000 + now.tv_nsec;
    if (ts < min_ns) {
        local_fmt(ts, a, sizeof(a));
        local_fmt(min_ns, b, sizeof(b));
        mo_ierr(out, "input timestamp %s is less than the pitr range minest timestamp %s", a, b);
        return;
    }
    if (ts > now_ns) {
        local_fmt(ts, a, sizeof(a));
        local_fmt(now_ns, b, sizeof(b));
        mo_ierr(out, "input timestamp %s is bigger than now timestamp %s", a, b);
        return;
    }
    mo_ok(out);
}
