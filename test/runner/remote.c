/*
** remote.c: the named MatrixOne connections of mopitr_slt (`remote` records).
**
** Usage:
**     slt_remote *r = slt_remote_new();
**     slt_remote_use(r, "acc1", "acc1:admin", "pw", &err);   (`remote connection acc1 ...`)
**     slt_remote_exec(r, "CREATE PITR p1 FOR ACCOUNT RANGE 1 'd'", &err);
**     slt_remote_query(r, "SHOW PITR", "TTTT", &res, &err);
**     ids = slt_remote_ids(r, &n);    (connection ids the runner used, for `log count`)
**     slt_remote_free(r);
**
** Environment:
**     MO_HOST      server address (default 127.0.0.1; always TCP)
**     MO_PORT      server port (required by the first remote record)
**     MO_USER      login of connections without user= (default root)
**     MO_PASSWORD  password of connections without password= (default 111)
**
** How it works: this talks to the server through libmariadb directly, never through the
** extension under test. A connection is made on the first statement that needs it, with a
** 10 s connect timeout and 60 s read/write timeouts; the first remote connection, unless a
** `remote connection` came before, is `root`. A failed login is the failure of that
** statement (so `remote statement error 1045` can test a bad password) and the next
** statement tries again. Statements go through mysql_real_query + mysql_store_result, all
** results drained. Errors render as `ERROR <errno> (<sqlstate>): <message>`; after a client
** error (2000-2999: connection lost, malformed packet ...) the handle is closed and the next
** statement reconnects. Every connection id seen (mysql_thread_id) is remembered so
** `log count` can leave the runner's own statements out of its count.
*/
#include "slt.h"

#include <mysql.h>
#include <stdlib.h>
#include <string.h>

/* One named remote connection; m is NULL until connected. */
typedef struct rm_conn {
    char *name;
    char *user;     /* NULL: MO_USER */
    char *password; /* NULL: MO_PASSWORD */
    MYSQL *m;
} rm_conn;

struct slt_remote {
    rm_conn *v;
    size_t n, cap;
    size_t cur; /* index of the current connection; valid when n > 0 */
    bool have_cur;
    unsigned long *ids; /* connection ids seen, for log count */
    size_t nids, capids;
};

/* A new, empty set of remote connections. Free with slt_remote_free(). */
slt_remote *slt_remote_new(void)
{
    slt_remote *r = slt_xmalloc(sizeof *r);
    memset(r, 0, sizeof *r);
    return r;
}

/* Remember a connection id (once). */
static void remember_id(slt_remote *r, unsigned long id)
{
    if (id == 0)
        return;
    for (size_t i = 0; i < r->nids; i++)
        if (r->ids[i] == id)
            return;
    if (r->nids == r->capids) {
        r->capids = r->capids ? r->capids * 2 : 8;
        r->ids = slt_xrealloc(r->ids, r->capids * sizeof *r->ids);
    }
    r->ids[r->nids++] = id;
}

/* Close every remote connection (each reconnects on its next statement, with its
** options) and forget the ids seen: `system` may have restarted the server, which then
** hands out the same ids again to other clients. */
void slt_remote_reset(slt_remote *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].m) {
            mysql_close(r->v[i].m);
            r->v[i].m = NULL;
        }
    }
    r->nids = 0;
}

/* The connection ids the runner's remote connections had. Static until r changes. */
const unsigned long *slt_remote_ids(const slt_remote *r, size_t *n)
{
    *n = r->nids;
    return r->ids;
}

/* True when two optional strings are equal (NULL equals only NULL). */
static bool same_opt(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Make the remote connection `name` current, creating it (not yet connected) on first use;
** user/password NULL mean the MO_USER/MO_PASSWORD defaults. Returns SLT_OK, or SLT_FAILED
** with *err (caller frees) when name exists with other options. */
int slt_remote_use(slt_remote *r, const char *name, const char *user, const char *password,
                   char **err)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].name, name) == 0) {
            if ((user && !same_opt(user, r->v[i].user)) ||
                (password && !same_opt(password, r->v[i].password))) {
                *err = slt_xprintf("remote connection %s already exists with other options", name);
                return SLT_FAILED;
            }
            r->cur = i;
            r->have_cur = true;
            return SLT_OK;
        }
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 4;
        r->v = slt_xrealloc(r->v, r->cap * sizeof *r->v);
    }
    rm_conn *c = &r->v[r->n];
    memset(c, 0, sizeof *c);
    c->name = slt_xstrdup(name);
    c->user = user ? slt_xstrdup(user) : NULL;
    c->password = password ? slt_xstrdup(password) : NULL;
    r->cur = r->n++;
    r->have_cur = true;
    return SLT_OK;
}

/* The error of m as `ERROR <errno> (<sqlstate>): <message>`. Caller frees. */
static char *render_error(MYSQL *m)
{
    return slt_xprintf("ERROR %u (%s): %s", mysql_errno(m), mysql_sqlstate(m), mysql_error(m));
}

/* Env variable name, or def when unset or empty. Static. */
static const char *env_or(const char *name, const char *def)
{
    const char *v = getenv(name);
    return v && *v ? v : def;
}

/* Connect c unless it is connected. Returns SLT_OK, or SLT_FAILED with *err (caller frees). */
static int ensure_connected(slt_remote *r, rm_conn *c, char **err)
{
    const char *host = env_or("MO_HOST", "127.0.0.1");
    const char *port_s = getenv("MO_PORT");
    const char *user = c->user ? c->user : env_or("MO_USER", "root");
    const char *password = c->password ? c->password : env_or("MO_PASSWORD", "111");
    unsigned int connect_timeout = 10, io_timeout = 60, protocol = MYSQL_PROTOCOL_TCP;
    char *end = NULL;
    long port;
    MYSQL *m = NULL;

    if (c->m)
        return SLT_OK;
    if (!port_s || !*port_s) {
        *err = slt_xstrdup("MO_PORT is not set (remote records need a server)");
        return SLT_FAILED;
    }
    port = strtol(port_s, &end, 10);
    if (*end || port <= 0 || port > 65535) {
        *err = slt_xprintf("bad MO_PORT '%s'", port_s);
        return SLT_FAILED;
    }
    m = mysql_init(NULL);
    if (!m) {
        *err = slt_xstrdup("mysql_init failed (out of memory)");
        return SLT_FAILED;
    }
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    mysql_options(m, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
    mysql_options(m, MYSQL_OPT_PROTOCOL, &protocol);
    if (!mysql_real_connect(m, host, user, password, NULL, (unsigned int)port, NULL, 0)) {
        *err = render_error(m);
        remember_id(r, mysql_thread_id(m));
        mysql_close(m);
        return SLT_FAILED;
    }
    remember_id(r, mysql_thread_id(m));
    c->m = m;
    return SLT_OK;
}

/* The current connection, connected (creating `root` when there is none). NULL with *err
** (caller frees). */
static rm_conn *current(slt_remote *r, char **err)
{
    if (!r->have_cur && slt_remote_use(r, "root", NULL, NULL, err) != SLT_OK)
        return NULL;
    rm_conn *c = &r->v[r->cur];
    if (ensure_connected(r, c, err) != SLT_OK)
        return NULL;
    return c;
}

/* Render the error of c's handle into *err and, after a client error, drop the handle so
** the next statement reconnects. Returns SLT_FAILED. */
static int fail_on(rm_conn *c, char **err)
{
    unsigned int merr = mysql_errno(c->m);
    *err = render_error(c->m);
    if (merr == 0 || (merr >= 2000 && merr < 3000)) {
        mysql_close(c->m);
        c->m = NULL;
    }
    return SLT_FAILED;
}

/* Read and free every remaining result of the last command. Returns SLT_OK or SLT_FAILED. */
static int drain(rm_conn *c, char **err)
{
    int more;
    while ((more = mysql_next_result(c->m)) == 0) {
        MYSQL_RES *res = mysql_store_result(c->m);
        if (res)
            mysql_free_result(res);
        else if (mysql_field_count(c->m) != 0)
            return fail_on(c, err);
    }
    if (more > 0)
        return fail_on(c, err);
    return SLT_OK;
}

/* Run sql on the current remote connection; result rows are discarded. Returns SLT_OK, or
** SLT_FAILED with *err (caller frees). */
int slt_remote_exec(slt_remote *r, const char *sql, char **err)
{
    rm_conn *c = current(r, err);
    MYSQL_RES *res = NULL;

    if (!c)
        return SLT_FAILED;
    if (mysql_real_query(c->m, sql, strlen(sql)) != 0)
        return fail_on(c, err);
    res = mysql_store_result(c->m);
    if (res)
        mysql_free_result(res);
    else if (mysql_field_count(c->m) != 0)
        return fail_on(c, err);
    return drain(c, err);
}

/* Run a query on the current remote connection and add its rows to res, rendered for types
** (values arrive as text). Returns SLT_OK (type mistakes in res->type_error), or SLT_FAILED
** with *err (caller frees). */
int slt_remote_query(slt_remote *r, const char *sql, const char *types, slt_result *res, char **err)
{
    rm_conn *c = current(r, err);
    MYSQL_RES *mr = NULL;
    MYSQL_ROW row;
    int rc = SLT_FAILED;

    res->ncols = strlen(types);
    if (!c)
        goto out;
    if (mysql_real_query(c->m, sql, strlen(sql)) != 0) {
        rc = fail_on(c, err);
        goto out;
    }
    mr = mysql_store_result(c->m);
    if (!mr) {
        if (mysql_field_count(c->m) != 0)
            rc = fail_on(c, err);
        else
            *err = slt_xstrdup("remote query returned no result set (an OK packet)");
        goto drain;
    }
    unsigned int nf = mysql_num_fields(mr);
    if (nf != res->ncols) {
        *err = slt_xprintf("query returned %u column%s but the types '%s' name %zu", nf,
                           nf == 1 ? "" : "s", types, res->ncols);
        goto drain;
    }
    while ((row = mysql_fetch_row(mr)) != NULL) {
        unsigned long *len = mysql_fetch_lengths(mr);
        for (unsigned int k = 0; k < nf; k++)
            slt_result_add(res, types[k], row[k] ? SLT_V_WIRE : SLT_V_NULL, 0, 0, row[k],
                           row[k] ? len[k] : 0);
    }
    rc = SLT_OK;
drain:
    if (mr)
        mysql_free_result(mr);
    mr = NULL;
    if (c->m) {
        char *derr = NULL;
        if (drain(c, &derr) != SLT_OK && rc == SLT_OK) {
            *err = derr;
            derr = NULL;
            rc = SLT_FAILED;
        }
        free(derr);
    }
out:
    return rc;
}

/* Close every connection and free r. Accepts NULL. */
void slt_remote_free(slt_remote *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n; i++) {
        if (r->v[i].m)
            mysql_close(r->v[i].m);
        free(r->v[i].name);
        free(r->v[i].user);
        free(r->v[i].password);
    }
    free(r->v);
    free(r->ids);
    free(r);
}
