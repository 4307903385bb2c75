/*
** rwindow.c: SHOW RECOVERY_WINDOW (spec 1.6, 8.6).
**
** Usage (from engine.c dispatch): moshow_recovery_window(e, s, st, out) for
**     SHOW RECOVERY_WINDOW FOR ACCOUNT [acc]
**     SHOW RECOVERY_WINDOW FOR DATABASE db
**     SHOW RECOVERY_WINDOW FOR TABLE db t
**
** Result: columns RecoveryWindowLevel, AccountName, DatabaseName, TableName (VARCHAR) and
** RecoveryWindows (JSON), one row per table in scope that some PITR covers:
**     table  sys  db01  t01  [{'start_time':'2026-11-25 14:04:05.123456789',
**                              'end_time':'2026-11-25 15:04:05.2', 'source':'pitr',
**                              'source_name':'pt'}]
** (one line in reality: items joined by ", ", no separator after the last one, the
** list in [ ]: spec 8.6).
**
** How it works (MatrixOne's show_recovery_window.go of the spec's era):
**   1. checks: a non-sys caller naming another account gets "only sys account can show
**      other account's recovery window"; a system database gets "can not show recovery
**      window for system database" (FOR DATABASE) / "... system table" (FOR TABLE);
**   2. the PITRs: every mo_pitr row (any creator) whose account_name is the account
**      (named, else the caller's), narrowed for FOR DATABASE db to account-level rows and
**      rows of db, for FOR TABLE db t to account-level rows, database-level rows of db and
**      table-level rows of db.t; never sys_mo_catalog_pitr;
**   3. each PITR's window: end = now (active) or pitr_status_changed_time (inactive);
**      start = end - range (h, or calendar d/mo/y like Go's AddDate), but not before
**      modified_time; an inactive PITR whose now - range is past its status change is
**      skipped. Times are printed in the server's local zone as Go's
**      "2006-01-02 15:04:05.999999999" (fraction without trailing zeros);
**   4. the tables: a table-level PITR covers its own db.t (even if dropped); database-
**      and account-level PITRs cover the tables the account has now in scope (mosim has no
**      history, so "now" stands for MatrixOne's {MO_TS = start}); system databases are
**      left out. A named account other than the caller's is looked up by name:
**      "no such account, account name: A" when it does not exist (only when a PITR row
**      needs it).
** Rows are sorted by database and table (MatrixOne's order is a Go map's: random); the
** items of a row keep mo_pitr's order by create_time. As in MatrixOne, every row's list is
** written into one reused buffer and the rows keep views into it (gobuf.c): only the last
** row of a multi-row answer is sure to hold its own list.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#define RW_TYPE_JSON 245 /* MYSQL_TYPE_JSON */

typedef struct rw_pitr {
    char *name, *level, *db, *tbl;
    char start[48], end[48];
} rw_pitr;

typedef struct rw_key {
    char *db, *tbl;
    int live; /* the table exists now (account/database-level PITRs cover it) */
} rw_key;

typedef struct rw {
    rw_pitr *p;
    int np, cap_p;
    rw_key *k;
    int nk, cap_k;
} rw;

/* Free everything rw holds (accepts a zeroed rw). */
static void rw_free(rw *w)
{
    int i;
    for (i = 0; i < w->np; i++) {
        free(w->p[i].name);
        free(w->p[i].level);
        free(w->p[i].db);
        free(w->p[i].tbl);
    }
    for (i = 0; i < w->nk; i++) {
        free(w->k[i].db);
        free(w->k[i].tbl);
    }
    free(w->p);
    free(w->k);
    memset(w, 0, sizeof(*w));
}

/* Format UTC ns in the server's local zone as Go's "2006-01-02 15:04:05.999999999". */
static void fmt_ns(int64_t ns, char *buf, size_t n)
{
    int64_t s = ns / 1000000000, f = ns % 1000000000;
    size_t len;
    if (f < 0) {
        f += 1000000000;
        s--;
    }
    mocat_fmt_time(s, NULL, buf, n);
    if (f == 0)
        return;
    len = strlen(buf);
    snprintf(buf + len, n - len, ".%09lld", (long long)f);
    len = strlen(buf);
    while (len > 0 && buf[len - 1] == '0')
        buf[--len] = 0;
}

/* ns - range (calendar arithmetic for d/mo/y, like Go's AddDate on UTC). */
static int64_t minus_range(int64_t ns, int64_t len, const char *unit)
{
    int64_t s = ns / 1000000000, f = ns % 1000000000;
    if (f < 0) {
        f += 1000000000;
        s--;
    }
    return mocat_range_start(s, len, unit) * 1000000000 + f;
}

/* Compute one PITR's window into p->start / p->end. Returns 0, or 1 when the PITR gives no
** window (inactive and its range ended before the status change). */
static int window(rw_pitr *p, int64_t now, int64_t modified, int64_t len, const char *unit,
                  int status, int64_t changed)
{
    int64_t start;
    if (!unit)
        unit = "h";
    start = minus_range(now, len, unit);
    if (status == 0) {
        if (start > changed)
            return 1; /* assumed: skipped (MatrixOne then fails to parse an empty time) */
        start = minus_range(changed, len, unit);
    }
    if (start < modified)
        start = modified;
    fmt_ns(start, p->start, sizeof(p->start));
    fmt_ns(status == 0 ? changed : now, p->end, sizeof(p->end));
    return 0;
}

/* strdup that maps NULL to "". */
static char *dup0(const unsigned char *s)
{
    return strdup(s ? (const char *)s : "");
}

/* Load the PITR rows of step 2 with their windows. Returns SQLITE_OK or an error code. */
static int load_pitrs(mosim_engine *e, mo_stmt *st, const char *acc, rw *w)
{
    sqlite3_stmt *q = NULL;
    char *sql;
    int64_t now = mocat_now_ns(e);
    int rc;
    sql = sqlite3_mprintf(
        "SELECT pitr_name, level, database_name, table_name, modified_time, pitr_length,"
        " pitr_unit, pitr_status, pitr_status_changed_time FROM mo_pitr WHERE"
        " account_name = %Q AND pitr_name != '" MO_SYS_PITR "' AND (%d OR database_name = ''"
        " OR (database_name = %Q AND (%d OR table_name = '' OR table_name = %Q)))"
        " ORDER BY create_time, pitr_name",
        acc, st->level == LV_ACCOUNT, st->db ? st->db : "", st->level != LV_TABLE,
        st->tbl ? st->tbl : "");
    if (!sql)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(e->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        rw_pitr *p;
        if (w->np == w->cap_p) {
            int cap = w->cap_p ? w->cap_p * 2 : 16;
            rw_pitr *np = realloc(w->p, (size_t)cap * sizeof(*np));
            if (!np) {
                rc = SQLITE_NOMEM;
                goto out;
            }
            w->p = np;
            w->cap_p = cap;
        }
        p = &w->p[w->np];
        memset(p, 0, sizeof(*p));
        if (window(p, now, sqlite3_column_int64(q, 4), sqlite3_column_int64(q, 5),
                   (const char *)sqlite3_column_text(q, 6), sqlite3_column_int(q, 7),
                   sqlite3_column_int64(q, 8)))
            continue;
        w->np++;
        p->name = dup0(sqlite3_column_text(q, 0));
        p->level = dup0(sqlite3_column_text(q, 1));
        p->db = dup0(sqlite3_column_text(q, 2));
        p->tbl = dup0(sqlite3_column_text(q, 3));
        if (!p->name || !p->level || !p->db || !p->tbl) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
out:
    sqlite3_finalize(q);
    return rc;
}

/* Append the key db.tbl (copied). Returns 0 or -1 on OOM. */
static int add_key(rw *w, const char *db, const char *tbl, int live)
{
    rw_key *k;
    if (w->nk == w->cap_k) {
        int cap = w->cap_k ? w->cap_k * 2 : 16;
        rw_key *nk = realloc(w->k, (size_t)cap * sizeof(*nk));
        if (!nk)
            return -1;
        w->k = nk;
        w->cap_k = cap;
    }
    k = &w->k[w->nk];
    k->db = strdup(db);
    k->tbl = strdup(tbl);
    k->live = live;
    if (!k->db || !k->tbl) {
        free(k->db);
        free(k->tbl);
        return -1;
    }
    w->nk++;
    return 0;
}

/* Order keys by database, table, live tables first. */
static int key_cmp(const void *a, const void *b)
{
    const rw_key *x = a, *y = b;
    int c = strcmp(x->db, y->db);
    if (c == 0)
        c = strcmp(x->tbl, y->tbl);
    return c ? c : y->live - x->live;
}

/* Collect the tables of step 4 into w->k, sorted and unique. Returns SQLITE_OK or an error. */
static int load_tables(mosim_engine *e, mo_stmt *st, int64_t acc_id, rw *w)
{
    sqlite3_stmt *q = NULL;
    char *sql;
    int rc = SQLITE_OK, i, j;
    sql = sqlite3_mprintf("SELECT reldatabase, relname FROM mo_tables WHERE account_id = %lld"
                          " AND (%d OR reldatabase = %Q) AND (%d OR relname = %Q)",
                          (long long)acc_id, st->level == LV_ACCOUNT, st->db ? st->db : "",
                          st->level != LV_TABLE, st->tbl ? st->tbl : "");
    if (!sql)
        return SQLITE_NOMEM;
    rc = sqlite3_prepare_v2(e->db, sql, -1, &q, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK)
        goto out;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *db = (const char *)sqlite3_column_text(q, 0);
        const char *tbl = (const char *)sqlite3_column_text(q, 1);
        if (!db || !tbl || mocat_is_sys_db(db))
            continue;
        if (add_key(w, db, tbl, 1)) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    if (rc != SQLITE_DONE)
        goto out;
    rc = SQLITE_OK;
    for (i = 0; i < w->np; i++) {
        if (strcmp(w->p[i].level, "table") == 0 && add_key(w, w->p[i].db, w->p[i].tbl, 0)) {
            rc = SQLITE_NOMEM;
            goto out;
        }
    }
    if (w->nk > 1)
        qsort(w->k, (size_t)w->nk, sizeof(*w->k), key_cmp);
    for (i = 0, j = 0; i < w->nk; i++) { /* drop duplicates (the live one sorts first) */
        if (j > 0 && strcmp(w->k[j - 1].db, w->k[i].db) == 0 &&
            strcmp(w->k[j - 1].tbl, w->k[i].tbl) == 0) {
            free(w->k[i].db);
            free(w->k[i].tbl);
            continue;
        }
        w->k[j++] = w->k[i];
    }
    w->nk = j;
out:
    sqlite3_finalize(q);
    return rc;
}

/* Does PITR p cover table k? */
static int covers(const rw_pitr *p, const rw_key *k)
{
    if (strcmp(p->level, "table") == 0)
        return strcmp(p->db, k->db) == 0 && strcmp(p->tbl, k->tbl) == 0;
    if (strcmp(p->level, "database") == 0)
        return k->live && strcmp(p->db, k->db) == 0;
    return k->live; /* account level */
}

/* Build row i's RecoveryWindows in b as MatrixOne writes it (gobuf.c): "[", the items with
** ", " between them, "]". Returns the number of items (0: no row), or -1 on OOM. */
static int build_list(const rw *w, int i, mosim_gobuf *b)
{
    const rw_key *k = &w->k[i];
    int j, n = 0, total = 0;
    for (j = 0; j < w->np; j++)
        total += covers(&w->p[j], k);
    if (total == 0)
        return 0;
    mosim_gobuf_reset(b);
    if (mosim_gobuf_write(b, "[", 1))
        return -1;
    for (j = 0; j < w->np; j++) {
        const rw_pitr *p = &w->p[j];
        char *item;
        int bad;
        if (!covers(p, k))
            continue;
        item = sqlite3_mprintf("{'start_time':'%s', 'end_time':'%s', 'source':'pitr',"
                               " 'source_name':'%s'}",
                               p->start, p->end, p->name);
        bad = !item || mosim_gobuf_write(b, item, strlen(item)) ||
              (++n < total && mosim_gobuf_write(b, ", ", 2));
        sqlite3_free(item);
        if (bad)
            return -1;
    }
    return mosim_gobuf_write(b, "]", 1) ? -1 : n;
}

/* Send the columns and one row per covered table, then done. Every list is built first, in
** one reused buffer, and sent after the last one is built: so an earlier row shows what a
** later one wrote over it, as on MatrixOne (gobuf.c). Returns 0, or -1 when the sink failed
** (nothing more may be sent) or on OOM (an error was sent if still possible). */
static int send_rows(const rw *w, const char *level, const char *acc, const mosim_sink *out)
{
    static const char *const names[] = {"RecoveryWindowLevel", "AccountName", "DatabaseName",
                                        "TableName", "RecoveryWindows"};
    mosim_col cols[5];
    mosim_gobuf buf = {0};
    mosim_gobuf_view *view = NULL;
    int i, ret = -1;
    if (w->nk > 0 && !(view = calloc((size_t)w->nk, sizeof(*view)))) {
        mo_ierr(out, "out of memory");
        goto out;
    }
    for (i = 0; i < w->nk; i++) {
        int n = build_list(w, i, &buf);
        if (n < 0) {
            mo_ierr(out, "out of memory");
            goto out;
        }
        if (n > 0)
            mosim_gobuf_take(&buf, &view[i]);
    }
    for (i = 0; i < 5; i++) {
        cols[i].name = names[i];
        cols[i].type = i < 4 ? MOSIM_TYPE_VARCHAR : RW_TYPE_JSON;
        cols[i].charset = MOSIM_CHARSET_UTF8MB4;
        cols[i].length = i < 4 ? 1024 : 4294967295u;
        cols[i].flags = 0;
        cols[i].decimals = 0;
    }
    if (out->columns(out->ctx, 5, cols))
        goto out;
    for (i = 0; i < w->nk; i++) {
        const rw_key *k = &w->k[i];
        const char *vals[5];
        size_t lens[5];
        int j;
        if (view[i].p == NULL)
            continue;
        vals[0] = level;
        vals[1] = acc;
        vals[2] = k->db;
        vals[3] = k->tbl;
        vals[4] = (const char *)view[i].p;
        for (j = 0; j < 4; j++)
            lens[j] = strlen(vals[j]);
        lens[4] = view[i].n;
        if (out->row(out->ctx, 5, vals, lens))
            goto out;
    }
    out->done(out->ctx);
    ret = 0;
out:
    free(view);
    mosim_gobuf_free(&buf);
    return ret;
}

/* See engine.h. */
void moshow_recovery_window(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    static const char *const levels[] = {"", "cluster", "account", "database", "table"};
    const char *acc = st->acc ? st->acc : s->account;
    int64_t acc_id = (int64_t)s->account_id;
    rw w = {0};
    int rc;
    if (st->level == LV_ACCOUNT && st->acc && s->account_id != 0 &&
        strcmp(st->acc, s->account) != 0) {
        mo_ierr(out, "only sys account can show other account's recovery window");
        return;
    }
    if ((st->level == LV_DATABASE || st->level == LV_TABLE) && mocat_is_sys_db(st->db)) {
        mo_ierr(out, "can not show recovery window for system %s",
                st->level == LV_DATABASE ? "database" : "table");
        return;
    }
    if (st->level < LV_ACCOUNT || st->level > LV_TABLE) {
        mo_ierr(out, "unknown recovery window level");
        return;
    }
    rc = load_pitrs(e, st, acc, &w);
    if (rc == SQLITE_OK && w.np > 0 && strcmp(acc, s->account) != 0) {
        acc_id = mocat_account_id(e, acc);
        if (acc_id < 0) {
            mo_ierr(out, "no such account, account name: %s", acc);
            goto out;
        }
    }
    if (rc == SQLITE_OK && w.np > 0)
        rc = load_tables(e, st, acc_id, &w);
    if (rc == SQLITE_NOMEM)
        mo_ierr(out, "out of memory");
    else if (rc != SQLITE_OK)
        mo_dberr(e, out);
    else
        send_rows(&w, levels[st->level], acc, out);
out:
    rw_free(&w);
}
