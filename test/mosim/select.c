/*
** select.c: SELECT without tables (session functions, system variables, constants),
** SELECT * FROM current_account(), SET and SHOW VARIABLES.
**
** Usage (from engine.c dispatch): mosel_select / mosel_set / mosel_show_vars.
**
** How it works: each select item is evaluated by a tiny constant evaluator (integers,
** strings, NULL, + - * /, comparisons, NOT/AND/OR, the functions and @@variables below);
** the header is the alias or the item's source text, as MySQL does. Each value carries
** the wire type a real MatrixOne sends for it (spec 7 [Real]): @@variables are TEXT (252,
** BLOB flag), also @@autocommit ('1', not an integer); version(), user(), current_user(),
** database() ... VAR_STRING NOT NULL; integers BIGINT NOT NULL; connection_id(),
** current_account_id(), sleep() unsigned; now() a TIMESTAMP with microseconds.
** current_user() and user() are `<user>@localhost`, database() is '' without a current
** database. FROM mo_catalog.mo_pitr and mo_catalog.mo_account go to show.c. SET keeps
** time_zone ('SYSTEM' or [+-]HH:MM) and autocommit in the session and accepts any other
** variable (assumed). SELECT sleep(n) releases the engine lock while it sleeps.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "engine.h"

typedef struct val {
    int null, isint;
    int64_t i;
    char *s;              /* sqlite3_malloc'd text when !isint && !null */
    const mosim_col *def; /* wire type; NULL: from the value (see col_of) */
} val;

/* Wire types seen on a real MatrixOne (name, type, charset, length, flags, decimals). */
static const mosim_col T_INT = {NULL, MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY,
                                64,   MOSIM_FLAG_NOT_NULL, 0};
static const mosim_col T_UINT = {
    NULL, MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 64, MOSIM_FLAG_NOT_NULL | MOSIM_FLAG_UNSIGNED,
    0};
static const mosim_col T_UINT32 = {
    NULL, MOSIM_TYPE_LONG, MOSIM_CHARSET_BINARY, 32, MOSIM_FLAG_NOT_NULL | MOSIM_FLAG_UNSIGNED, 0};
static const mosim_col T_UINT8 = {
    NULL, MOSIM_TYPE_TINY, MOSIM_CHARSET_BINARY, 8, MOSIM_FLAG_NOT_NULL | MOSIM_FLAG_UNSIGNED, 0};
static const mosim_col T_FUNC = {NULL,   MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4,
                                 262140, MOSIM_FLAG_NOT_NULL,   0};
static const mosim_col T_VAR = {NULL, MOSIM_TYPE_BLOB, MOSIM_CHARSET_UTF8MB4,
                                0,    MOSIM_FLAG_BLOB, 0};
static const mosim_col T_NULL = {NULL, MOSIM_TYPE_BLOB, 33, 12, MOSIM_FLAG_BLOB, 0};
static const mosim_col T_NOW = {NULL, 7 /* TIMESTAMP */,   MOSIM_CHARSET_BINARY,
                                64,   MOSIM_FLAG_NOT_NULL, 6};

/* Fixed system variables (name, value; value NULL = computed). */
static const char *const sysvars[][2] = {
    {"autocommit", NULL},
    {"character_set_client", "utf8mb4"},
    {"character_set_connection", "utf8mb4"},
    {"character_set_database", "utf8mb4"},
    {"character_set_results", "utf8mb4"},
    {"character_set_server", "utf8mb4"},
    {"collation_connection", "utf8mb4_general_ci"},
    {"collation_database", "utf8mb4_general_ci"},
    {"collation_server", "utf8mb4_general_ci"},
    {"init_connect", ""},
    {"interactive_timeout", "28800"},
    {"lower_case_table_names", "1"},
    {"max_allowed_packet", "67108864"},
    {"net_write_timeout", "60"},
    {"performance_schema", "0"},
    {"sql_mode", "ONLY_FULL_GROUP_BY,STRICT_TRANS_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,"
                 "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION"},
    {"system_time_zone", "SYSTEM"},
    {"time_zone", NULL},
    {"transaction_isolation", "REPEATABLE-READ"},
    {"transaction_read_only", "0"},
    {"tx_isolation", "REPEATABLE-READ"},
    {"tx_read_only", "0"},
    {"version", MOSIM_SERVER_VERSION},
    {"version_comment", "MatrixOne"},
    {"wait_timeout", "28800"},
    {NULL, NULL}};

/* Value of system variable name (scope prefix stripped) into v; -1 if unknown. */
static int sysvar(mosim_session *s, const char *name, val *v)
{
    const char *dot = strchr(name, '.');
    int k;
    if (dot && (!strncmp(name, "session.", 8) || !strncmp(name, "global.", 7) ||
                !strncmp(name, "local.", 6)))
        name = dot + 1;
    for (k = 0; sysvars[k][0]; k++)
        if (strcmp(sysvars[k][0], name) == 0)
            break;
    if (!sysvars[k][0])
        return -1;
    v->def = &T_VAR;
    if (!strcmp(name, "autocommit"))
        v->s = sqlite3_mprintf("%d", s->autocommit ? 1 : 0);
    else
        v->s = sqlite3_mprintf("%s", !strcmp(name, "time_zone")
                                         ? (s->time_zone[0] ? s->time_zone : "SYSTEM")
                                         : sysvars[k][1]);
    return 0;
}

/* Text of a value (static "NULL"-free): caller frees nothing; uses buf for integers. */
static const char *text_of(const val *v, char *buf, size_t n)
{
    if (v->null)
        return NULL;
    if (v->isint) {
        snprintf(buf, n, "%lld", (long long)v->i);
        return buf;
    }
    return v->s ? v->s : "";
}

/* Numeric value of v (MySQL-style string to number: leading number or 0). */
static double num_of(const val *v)
{
    return v->isint ? (double)v->i : (v->s ? strtod(v->s, NULL) : 0);
}

typedef struct ev {
    mosim_engine *e;
    mosim_session *s;
    uint16_t code;
    char err[300];
} ev;

static void eval(ev *x, const mo_expr *e, val *out);

/* Evaluate a function call. */
static void eval_func(ev *x, const mo_expr *e, val *out)
{
    mosim_session *s = x->s;
    const char *f = e->s;
    out->def = &T_FUNC;
    if (!strcmp(f, "version")) {
        out->s = sqlite3_mprintf("%s", MOSIM_SERVER_VERSION);
    } else if (!strcmp(f, "database") || !strcmp(f, "schema")) {
        out->s = sqlite3_mprintf("%s", s->db);
    } else if (!strcmp(f, "user") || !strcmp(f, "current_user") || !strcmp(f, "session_user") ||
               !strcmp(f, "system_user")) {
        out->s = sqlite3_mprintf("%s@localhost", s->user);
    } else if (!strcmp(f, "connection_id")) {
        out->isint = 1;
        out->i = s->conn_id;
        out->def = &T_UINT;
    } else if (!strcmp(f, "current_account_name")) {
        out->s = sqlite3_mprintf("%s", s->account);
    } else if (!strcmp(f, "current_account_id")) {
        out->isint = 1;
        out->i = (int64_t)s->account_id;
        out->def = &T_UINT32;
    } else if (!strcmp(f, "current_user_name")) {
        out->s = sqlite3_mprintf("%s", s->user);
    } else if (!strcmp(f, "current_role_name") || !strcmp(f, "current_role")) {
        out->s = sqlite3_mprintf("%s", s->role);
    } else if (!strcmp(f, "sleep") && e->nlist == 1) {
        val a = {0};
        struct timespec ts;
        double d;
        eval(x, e->list[0], &a);
        d = num_of(&a);
        sqlite3_free(a.s);
        if (d > 30)
            d = 30;
        if (d > 0) {
            ts.tv_sec = (time_t)d;
            ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
            pthread_mutex_unlock(&x->e->mu);
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&x->e->mu);
        }
        out->isint = 1;
        out->i = 0;
        out->def = &T_UINT8;
    } else if (!strcmp(f, "now") || !strcmp(f, "current_timestamp") || !strcmp(f, "sysdate")) {
        char buf[40];
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        mocat_fmt_time((int64_t)ts.tv_sec, s->time_zone, buf, sizeof(buf));
        out->s = sqlite3_mprintf("%s.%06ld", buf, ts.tv_nsec / 1000);
        out->def = &T_NOW;
    } else {
        x->code = MO_ER_INTERNAL;
        snprintf(x->err, sizeof(x->err), "internal error: function %s is not supported by mosim",
                 f);
    }
}

/* Evaluate a constant expression into out (zeroed by the caller). */
static void eval(ev *x, const mo_expr *e, val *out)
{
    val a = {0}, b = {0};
    if (x->err[0])
        return;
    switch (e->op) {
    case E_INT:
        if (e->i <= 18) {
            out->isint = 1;
            out->i = strtoll(e->s, NULL, 10);
        } else {
            out->s = sqlite3_mprintf("%s", e->s);
        }
        return;
    case E_NUM:
    case E_STR:
        out->s = sqlite3_mprintf("%s", e->s);
        return;
    case E_NULL:
        out->null = 1;
        out->def = &T_NULL;
        return;
    case E_VAR:
        if (!e->i) {
            out->null = 1;
            out->def = &T_NULL;
        } else if (sysvar(x->s, e->s, out)) {
            x->code = MO_ER_INTERNAL; /* as a real MatrixOne words it */
            snprintf(x->err, sizeof(x->err), "internal error: the system variable does not exist");
        }
        return;
    case E_COL:
        x->code = MO_ER_BAD_FIELD;
        snprintf(x->err, sizeof(x->err), "invalid input: column %s does not exist", e->s);
        return;
    case E_FUNC:
        eval_func(x, e, out);
        return;
    default:
        break;
    }
    eval(x, e->a, &a);
    if (e->b)
        eval(x, e->b, &b);
    if (x->err[0])
        goto out;
    out->isint = 1;
    switch (e->op) {
    case E_NEG:
        if (a.null)
            out->null = 1;
        else
            out->i = -(int64_t)num_of(&a);
        break;
    case E_NOT:
        out->null = a.null, out->i = !num_of(&a);
        break;
    case E_AND:
        out->i = num_of(&a) && num_of(&b);
        break;
    case E_OR:
        out->i = num_of(&a) || num_of(&b);
        break;
    case E_ISNULL:
        out->i = e->i ? !a.null : a.null;
        break;
    case E_ARITH:
        if (a.null || b.null) {
            out->null = 1;
        } else if (e->s[0] == '+') {
            out->i = (int64_t)(num_of(&a) + num_of(&b));
        } else if (e->s[0] == '-') {
            out->i = (int64_t)(num_of(&a) - num_of(&b));
        } else if (e->s[0] == '*') {
            out->i = (int64_t)(num_of(&a) * num_of(&b));
        } else if (num_of(&b) == 0) {
            out->null = 1;
        } else {
            out->isint = 0;
            out->s = sqlite3_mprintf(
                "%.4f", e->s[0] == '/' ? num_of(&a) / num_of(&b)
                                       : (double)((int64_t)num_of(&a) % (int64_t)num_of(&b)));
        }
        break;
    case E_CMP: {
        double d;
        char b1[32], b2[32];
        if (a.null || b.null) {
            out->null = strcmp(e->s, "<=>") != 0;
            out->i = a.null && b.null;
            break;
        }
        if (a.isint || b.isint)
            d = num_of(&a) - num_of(&b);
        else
            d = strcmp(text_of(&a, b1, sizeof(b1)), text_of(&b, b2, sizeof(b2)));
        if (!strcmp(e->s, "=") || !strcmp(e->s, "<=>"))
            out->i = d == 0;
        else if (!strcmp(e->s, "<>"))
            out->i = d != 0;
        else if (!strcmp(e->s, "<"))
            out->i = d < 0;
        else if (!strcmp(e->s, "<="))
            out->i = d <= 0;
        else if (!strcmp(e->s, ">"))
            out->i = d > 0;
        else
            out->i = d >= 0;
        break;
    }
    default:
        x->code = MO_ER_INTERNAL;
        snprintf(x->err, sizeof(x->err), "internal error: expression not supported by mosim");
    }
out:
    sqlite3_free(a.s);
    sqlite3_free(b.s);
}

/* The column definition of value v of select item e whose text is len bytes long: v's own
** type, else what a real MatrixOne sends for a literal or an expression (spec 7). */
static void col_of(const val *v, const mo_expr *e, size_t len, mosim_col *c)
{
    static const mosim_col str = {NULL, MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4,
                                  0,    MOSIM_FLAG_NOT_NULL,   0};
    static const mosim_col dec = {NULL, 0 /* DECIMAL */,     MOSIM_CHARSET_BINARY,
                                  0,    MOSIM_FLAG_NOT_NULL, 0};
    const char *dot;
    if (v->def) {
        *c = *v->def;
    } else if (v->null) {
        *c = T_NULL;
    } else if (v->isint) {
        *c = T_INT;
    } else if (e->op == E_NUM && v->s && (dot = strchr(v->s, '.')) != NULL &&
               !strpbrk(v->s, "eE")) {
        *c = dec;
        c->length = (uint32_t)len + 1;
        c->decimals = (uint8_t)strlen(dot + 1);
    } else {
        *c = str;
        c->length = (uint32_t)(len * 4);
    }
}

/* SELECT * FROM current_account() AS t */
static void current_account(mosim_engine *e, mosim_session *s, const mosim_sink *out)
{
    static const char *const names[] = {"account_name", "account_id", "user_name",
                                        "user_id",      "role_name",  "role_id"};
    mosim_col cols[6];
    char aid[32], uid[32], rid[32];
    const char *vals[6];
    size_t lens[6];
    int64_t user_id = 0;
    int i;
    mocat_int(e, &user_id,
              "SELECT rowid - 1 FROM mo_user WHERE account_id = %lld AND"
              " user_name = %Q",
              (long long)s->account_id, s->user);
    snprintf(aid, sizeof(aid), "%llu", (unsigned long long)s->account_id);
    snprintf(uid, sizeof(uid), "%lld", (long long)user_id);
    snprintf(rid, sizeof(rid), "%d",
             !strcmp(s->role, "moadmin") ? 0 : (!strcmp(s->role, "accountadmin") ? 2 : 1));
    vals[0] = s->account;
    vals[1] = aid;
    vals[2] = s->user;
    vals[3] = uid;
    vals[4] = s->role;
    vals[5] = rid;
    for (i = 0; i < 6; i++) {
        int isint = i % 2 == 1; /* as a real MatrixOne: INT UNSIGNED ids, VAR_STRING names */
        cols[i].name = names[i];
        cols[i].type = isint ? MOSIM_TYPE_LONG : MOSIM_TYPE_VAR_STRING;
        cols[i].charset = isint ? MOSIM_CHARSET_BINARY : MOSIM_CHARSET_UTF8MB4;
        cols[i].length = isint ? 32 : 262140;
        cols[i].flags = isint ? MOSIM_FLAG_UNSIGNED : 0;
        cols[i].decimals = 0;
        lens[i] = strlen(vals[i]);
    }
    if (out->columns(out->ctx, 6, cols) == 0 && out->row(out->ctx, 6, vals, lens) == 0)
        out->done(out->ctx);
}

/* See engine.h. */
void mosel_select(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    mosim_col cols[64];
    val v[64];
    char bufs[64][32];
    const char *vals[64];
    size_t lens[64];
    int n = st->nitems < 64 ? st->nitems : 64, i, send_row = 1;
    ev x = {e, s, 0, ""};
    if (st->from == 1) {
        moshow_raw_pitr(e, s, st, out);
        return;
    }
    if (st->from == 4) {
        moshow_raw_account(e, s, st, out);
        return;
    }
    if (st->from == 2) {
        current_account(e, s, out);
        return;
    }
    if (st->from == 3) {
        const char *db = st->db ? st->db : s->db;
        if (!db[0])
            mo_err(out, MO_ER_NO_DB, "No database selected");
        else
            mo_err(out, MO_ER_NO_TABLE, "no such table %s.%s", db, st->tbl);
        return;
    }
    memset(v, 0, sizeof(v));
    for (i = 0; i < n; i++) {
        if (st->items[i]->op == E_COL && !strcmp(st->items[i]->s, "*")) {
            x.code = MO_ER_INTERNAL;
            snprintf(x.err, sizeof(x.err), "internal error: No tables used");
        }
        eval(&x, st->items[i], &v[i]);
    }
    if (st->where && !x.err[0]) {
        val w = {0};
        eval(&x, st->where, &w);
        send_row = !w.null && num_of(&w) != 0;
        sqlite3_free(w.s);
    }
    if (x.err[0]) {
        mo_err(out, x.code, "%s", x.err);
        goto out;
    }
    if (st->limit == 0)
        send_row = 0;
    for (i = 0; i < n; i++) {
        vals[i] = text_of(&v[i], bufs[i], sizeof(bufs[i]));
        lens[i] = vals[i] ? strlen(vals[i]) : 0;
        col_of(&v[i], st->items[i], lens[i], &cols[i]);
        cols[i].name = st->aliases[i] ? st->aliases[i] : st->texts[i];
    }
    if (out->columns(out->ctx, n, cols))
        goto out;
    if (send_row && out->row(out->ctx, n, vals, lens))
        goto out;
    out->done(out->ctx);
out:
    for (i = 0; i < n; i++)
        sqlite3_free(v[i].s);
}

/* See engine.h. */
int mosel_valid_tz(const char *v)
{
    int hh, mm;
    char tail;
    if (strcasecmp(v, "SYSTEM") == 0)
        return 0;
    if ((v[0] != '+' && v[0] != '-') || strlen(v) != 6 || v[3] != ':')
        return -1;
    if (sscanf(v + 1, "%2d:%2d%c", &hh, &mm, &tail) != 2)
        return -1;
    if (hh > 14 || mm > 59)
        return -1;
    return 0;
}

/* See engine.h. */
void mosel_set(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    int k;
    ev x = {e, s, 0, ""};
    for (k = 0; k < st->nsets; k++) {
        mo_set_item *it = &st->sets[k];
        val v = {0};
        char buf[32];
        const char *t;
        if (!strcmp(it->name, "autocommit")) {
            int on;
            if (!it->val) {
                v.isint = 1;
                v.i = 1;
            } else if (it->val->op == E_COL) {
                v.s = sqlite3_mprintf("%s", it->val->s);
            } else {
                eval(&x, it->val, &v);
            }
            t = text_of(&v, buf, sizeof(buf));
            if (x.err[0])
                goto fail;
            if (t && (!strcasecmp(t, "1") || !strcasecmp(t, "on") || !strcasecmp(t, "true")))
                on = 1;
            else if (t && (!strcasecmp(t, "0") || !strcasecmp(t, "off") || !strcasecmp(t, "false")))
                on = 0;
            else {
                mo_ierr(out, "convert to the system variable bool type failed");
                sqlite3_free(v.s);
                return;
            }
            s->autocommit = on;
            if (on && s->in_txn) {
                s->in_txn = 0; /* assumed: it commits the open transaction, as in MySQL */
                moundo_forget(s);
            }
        } else if (!strcmp(it->name, "time_zone")) {
            if (it->val)
                eval(&x, it->val, &v);
            if (x.err[0])
                goto fail;
            t = it->val ? text_of(&v, buf, sizeof(buf)) : "SYSTEM";
            if (!t || mosel_valid_tz(t) || strlen(t) >= sizeof(s->time_zone)) {
                mo_err(out, MO_ER_UNKNOWN, "unknown time zone %s", t ? t : "NULL");
                sqlite3_free(v.s);
                return;
            }
            snprintf(s->time_zone, sizeof(s->time_zone), "%s", t);
        }
        sqlite3_free(v.s);
    }
    mo_ok(out);
    return;
fail:
    mo_err(out, x.code, "%s", x.err);
}

/* See engine.h. */
void mosel_show_vars(mosim_engine *e, mosim_session *s, mo_stmt *st, const mosim_sink *out)
{
    /* VARCHAR with charset 0 and length 0, as a real MatrixOne sends them */
    mosim_col cols[2] = {{"Variable_name", MOSIM_TYPE_VARCHAR, 0, 0, 0, 0},
                         {"Value", MOSIM_TYPE_VARCHAR, 0, 0, 0, 0}};
    int k;
    (void)e;
    if (out->columns(out->ctx, 2, cols))
        return;
    for (k = 0; sysvars[k][0]; k++) {
        val v = {0};
        char buf[32];
        const char *vals[2];
        size_t lens[2];
        int r = 0;
        if (st->like) {
            /* LIKE through SQLite's engine-registered like() (case-insensitive here) */
            int64_t m = 0;
            mocat_int(e, &m, "SELECT like(lower(%Q), %Q)", st->like, sysvars[k][0]);
            if (!m)
                continue;
        }
        sysvar(s, sysvars[k][0], &v);
        vals[0] = sysvars[k][0];
        vals[1] = text_of(&v, buf, sizeof(buf));
        lens[0] = strlen(vals[0]);
        lens[1] = vals[1] ? strlen(vals[1]) : 0;
        r = out->row(out->ctx, 2, vals, lens);
        sqlite3_free(v.s);
        if (r)
            return;
    }
    out->done(out->ctx);
}
