/*
** run.c: running one test file in mopitr_slt.
**
** Usage:
**     slt_counts c = {0};
**     rc = slt_run_file(&opts, "test/sql/select.test", &c);   (0, or 2: cannot read it)
**
** How it works: records come from parse.c one at a time. skipif/onlyif decide first (a
** skipped statement, query or log count counts as skipped); then a malformed record fails
** with its parse error; then the record runs on the current SQLite connection (sqlite.c),
** the current remote connection (remote.c) or the mosim log (log.c). Statements, queries,
** remote records and `log count` are counted as passed or failed; the other directives count
** only when they fail. A failure prints
**     file:line: FAIL <reason>
**         <the SQL, indented>
**       expected:
**         <lines>
**       actual:
**         <lines>
** to stdout. A connection that cannot be opened (extension not loadable) ends the file,
** as does `halt`. `system CMD` runs CMD with /bin/sh and then closes the remote
** connections (the command may have restarted the server). Each file starts from nothing: its
*connections are opened as its records
** need them and all are closed at its end, and the log is marked at its start.
**
** Server mode (--server, a real MatrixOne and no mosim): records that need mosim are not
** run but counted as skipped (slt_server_skip): `log mark`, `log count`, remote statements
** and queries whose SQL is a `MOSIM ...` control statement, and `system` commands that
** name a MOSIM_* variable (restarts, signals); there is no implicit mark.
**
** `log count N` polls: a count below N is re-read every 10 ms for up to 2 s (env
** MOPITR_LOG_WAIT_MS changes that; the server may write its log line just after it
** replied); a count equal to N is re-read once after 30 ms to catch a late extra line; a
** count above N fails at once.
*/
#include "slt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>

/* The state of one file being run. */
typedef struct file_run {
    const slt_opts *o;
    const char *path;
    slt_counts *c;
    slt_sqlite *sq;
    slt_remote *rm;
    const char *log_path; /* MOSIM_LOG, NULL when unset */
    long mark;            /* log offset of the last mark */
    char *mark_err;       /* why the implicit mark at file start failed, NULL if it did not */
    slt_strv label_names; /* query labels seen, with their result and line */
    slt_strv label_results;
    slt_strv label_lines;
    bool stop; /* halt, or a connection could not be opened */
} file_run;

/* Print text indented by `indent` spaces, line by line. */
static void print_indented(const char *text, int indent)
{
    const char *p = text;
    while (*p) {
        const char *nl = strchr(p, '\n');
        int n = nl ? (int)(nl - p) : (int)strlen(p);
        printf("%*s%.*s\n", indent, "", n, p);
        if (!nl)
            break;
        p = nl + 1;
    }
}

/* Print lines under a title, or "(no rows)" when there are none. */
static void print_lines(const char *title, const slt_strv *lines)
{
    printf("  %s:\n", title);
    if (lines->n == 0)
        printf("    (no rows)\n");
    for (size_t i = 0; i < lines->n; i++)
        printf("    %s\n", lines->v[i]);
}

/* Report a failure at line: reason, the SQL (may be NULL), the expected and actual blocks
** (text or lines; either may be NULL). Counts it as failed. */
static void fail(file_run *fr, int line, const char *reason, const char *sql, const char *exp_text,
                 const slt_strv *exp_lines, const char *act_text, const slt_strv *act_lines)
{
    printf("%s:%d: FAIL %s\n", fr->path, line, reason);
    if (sql && *sql)
        print_indented(sql, 4);
    if (exp_lines) {
        print_lines("expected", exp_lines);
    } else if (exp_text) {
        printf("  expected:\n");
        print_indented(exp_text, 4);
    }
    if (act_lines) {
        print_lines("actual", act_lines);
    } else if (act_text) {
        printf("  actual:\n");
        print_indented(act_text, 4);
    }
    fr->c->failed++;
}

/* Sleep for ms milliseconds. */
static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* Monotonic time in milliseconds. */
static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* True when the record's skipif/onlyif lines say it must not run. */
static bool skipped(const file_run *fr, const slt_record *rec)
{
    for (size_t i = 0; i < rec->skipif.n; i++)
        if (slt_strv_has(&fr->o->labels, rec->skipif.v[i]))
            return true;
    for (size_t i = 0; i < rec->onlyif.n; i++)
        if (!slt_strv_has(&fr->o->labels, rec->onlyif.v[i]))
            return true;
    return false;
}

/* Text describing the expected outcome of a statement error record. Caller frees. */
static char *expected_error(const slt_record *rec)
{
    slt_buf b = {0};
    slt_buf_adds(&b, "an error");
    if (rec->errcode)
        slt_buf_printf(&b, " with code %s", rec->errcode);
    if (rec->substr && *rec->substr)
        slt_buf_printf(&b, " containing \"%s\"", rec->substr);
    return slt_buf_take(&b);
}

/* Handle SLT_FATAL from the SQLite layer: report and stop the file. */
static void fatal(file_run *fr, const slt_record *rec, const char *err)
{
    fail(fr, rec->line, err, NULL, NULL, NULL, NULL, NULL);
    printf("%s:%d: the rest of the file is not run\n", fr->path, rec->line);
    fr->stop = true;
}

/* Run `statement ok|error` on SQLite (remote: on the server). */
static void run_statement(file_run *fr, const slt_record *rec, bool remote, bool want_ok)
{
    char *err = NULL, *exp = NULL, *act = NULL;
    int code = 0;
    int rc = remote ? slt_remote_exec(fr->rm, rec->sql, &err)
                    : slt_sqlite_exec(fr->sq, rec->sql, &err, &code);

    if (rc == SLT_FATAL) {
        fatal(fr, rec, err);
        goto out;
    }
    if (want_ok) {
        if (rc == SLT_OK) {
            fr->c->passed++;
        } else {
            act = remote ? slt_xstrdup(err)
                         : slt_xprintf("error [%s]: %s", slt_sqlite_code_name(code), err);
            fail(fr, rec->line, "statement failed", rec->sql, "ok", NULL, act, NULL);
        }
        goto out;
    }
    exp = expected_error(rec);
    if (rc == SLT_OK) {
        fail(fr, rec->line, "statement succeeded but an error was expected", rec->sql, exp, NULL,
             "ok", NULL);
        goto out;
    }
    act =
        remote ? slt_xstrdup(err) : slt_xprintf("error [%s]: %s", slt_sqlite_code_name(code), err);
    if (!remote && rec->errcode && strcmp(rec->errcode, slt_sqlite_code_name(code)) != 0)
        fail(fr, rec->line, "wrong result code", rec->sql, exp, NULL, act, NULL);
    else if (rec->substr && !strstr(err, rec->substr))
        fail(fr, rec->line, "error message does not contain the expected text", rec->sql, exp, NULL,
             act, NULL);
    else
        fr->c->passed++;
out:
    free(err);
    free(exp);
    free(act);
}

/* Check a query's lines against earlier results under the same label (and remember them).
** Returns true when they agree or the label is new; otherwise *other_line and *other_result
** (static until the file ends) describe the earlier query. */
static bool label_agrees(file_run *fr, const slt_record *rec, const slt_strv *lines,
                         int *other_line, const char **other_result)
{
    char *joined = slt_lines_join(lines);
    for (size_t i = 0; i < fr->label_names.n; i++)
        if (strcmp(fr->label_names.v[i], rec->label) == 0) {
            bool same = strcmp(fr->label_results.v[i], joined) == 0;
            *other_line = atoi(fr->label_lines.v[i]);
            *other_result = fr->label_results.v[i];
            free(joined);
            return same;
        }
    slt_strv_push(&fr->label_names, slt_xstrdup(rec->label));
    slt_strv_push(&fr->label_results, joined);
    slt_strv_push(&fr->label_lines, slt_xprintf("%d", rec->line));
    return true;
}

/* Run a `query` (remote: `remote query`) and compare its result. */
static void run_query(file_run *fr, const slt_record *rec, bool remote)
{
    slt_result res = {0};
    slt_strv lines = {0};
    char *err = NULL, *reason = NULL;
    const char *other_result = NULL;
    int other = 0;
    int rc = remote ? slt_remote_query(fr->rm, rec->sql, rec->types, &res, &err)
                    : slt_sqlite_query(fr->sq, rec->sql, rec->types, &res, &err);

    if (rc == SLT_FATAL) {
        fatal(fr, rec, err);
        goto out;
    }
    if (rc != SLT_OK) {
        reason = slt_xprintf("query failed: %s", err);
        char *act = slt_xprintf("error: %s", err);
        fail(fr, rec->line, reason, rec->sql, NULL, &rec->expected, act, NULL);
        free(act);
        goto out;
    }
    slt_result_lines(&res, rec->sort, &lines);
    if (res.type_error) {
        reason = slt_xprintf("wrong value type: %s", res.type_error);
        fail(fr, rec->line, reason, rec->sql, NULL, &rec->expected, NULL, &lines);
    } else if (!slt_lines_equal(&rec->expected, &lines, rec->sort)) {
        fail(fr, rec->line, "result mismatch", rec->sql, NULL, &rec->expected, NULL, &lines);
    } else if (rec->label && !label_agrees(fr, rec, &lines, &other, &other_result)) {
        reason = slt_xprintf("result differs from the query labelled %s at line %d (expected: "
                             "that result)",
                             rec->label, other);
        fail(fr, rec->line, reason, rec->sql, *other_result ? other_result : "(no rows)", NULL,
             NULL, &lines);
    } else {
        fr->c->passed++;
    }
out:
    free(err);
    free(reason);
    slt_strv_free(&lines);
    slt_result_free(&res);
}

/* Run `log count N [substring]` (or `log rows N [substring]`: the sum of the rows=N
** outcomes of those lines), polling as the file comment says. */
static void run_log_count(file_run *fr, const slt_record *rec)
{
    bool bRows = rec->kind == SLT_LOG_ROWS;
    const char *what = bRows ? "row" : "line";
    slt_strv lines = {0};
    char *err = NULL;
    long n = 0, nRows = 0;
    const char *wait_s = getenv("MOPITR_LOG_WAIT_MS");
    long long deadline = now_ms() + (wait_s && *wait_s ? atol(wait_s) : 2000);
    bool settled = false;

    if (fr->mark_err) {
        fail(fr, rec->line, fr->mark_err, NULL, NULL, NULL, NULL, NULL);
        goto out;
    }
    for (;;) {
        size_t nids;
        const unsigned long *ids = slt_remote_ids(fr->rm, &nids);
        slt_strv_free(&lines);
        if (slt_log_count(fr->log_path, fr->mark, rec->substr, ids, nids, &n, &nRows, &lines,
                          &err)) {
            fail(fr, rec->line, err, NULL, NULL, NULL, NULL, NULL);
            goto out;
        }
        if (bRows)
            n = nRows;
        if (n == rec->number && settled)
            break;
        if (n > rec->number || (n < rec->number && now_ms() > deadline))
            break;
        settled = n == rec->number;
        sleep_ms(settled ? 30 : 10);
    }
    if (n == rec->number) {
        fr->c->passed++;
    } else {
        char *reason = bRows
                           ? slt_xprintf("log rows: %ld row%s in the matching lines, expected %ld",
                                         n, n == 1 ? "" : "s", rec->number)
                           : slt_xprintf("log count: %ld matching line%s, expected %ld", n,
                                         n == 1 ? "" : "s", rec->number);
        char *exp =
            slt_xprintf("%ld %s%s%s whose statement contains \"%s\"", rec->number, what,
                        rec->number == 1 ? "" : "s", bRows ? " in the lines" : "", rec->substr);
        printf("%s:%d: FAIL %s\n  expected:\n    %s\n  log lines since the mark (runner's own "
               "left out):\n",
               fr->path, rec->line, reason, exp);
        if (lines.n == 0)
            printf("    (none)\n");
        for (size_t i = 0; i < lines.n; i++)
            printf("    %s\n", lines.v[i]);
        fr->c->failed++;
        free(reason);
        free(exp);
    }
out:
    free(err);
    slt_strv_free(&lines);
}

/* Run `system <command>` with /bin/sh -c; a non-zero exit (or a signal) fails it. The
** command's output goes to the runner's stdout/stderr. */
static void run_system(file_run *fr, const slt_record *rec)
{
    int st;
    char reason[128];

    fflush(stdout);
    fflush(stderr);
    st = system(rec->sql);
    slt_remote_reset(fr->rm); /* the command may have restarted the server */
    if (st == 0)
        return;
    if (st == -1)
        snprintf(reason, sizeof reason, "system: cannot run /bin/sh: %s", strerror(errno));
    else if (WIFEXITED(st))
        snprintf(reason, sizeof reason, "system: the command exited with status %d",
                 WEXITSTATUS(st));
    else
        snprintf(reason, sizeof reason, "system: the command ended abnormally (status %d)", st);
    fail(fr, rec->line, reason, rec->sql, NULL, NULL, NULL, NULL);
}

/* Run one record that is not skipped and not malformed. */
static void run_record(file_run *fr, const slt_record *rec)
{
    char *err = NULL;

    switch (rec->kind) {
    case SLT_STATEMENT_OK:
    case SLT_STATEMENT_ERROR:
        run_statement(fr, rec, false, rec->kind == SLT_STATEMENT_OK);
        break;
    case SLT_REMOTE_STATEMENT_OK:
    case SLT_REMOTE_STATEMENT_ERROR:
        run_statement(fr, rec, true, rec->kind == SLT_REMOTE_STATEMENT_OK);
        break;
    case SLT_QUERY:
        run_query(fr, rec, false);
        break;
    case SLT_REMOTE_QUERY:
        run_query(fr, rec, true);
        break;
    case SLT_CONNECTION:
        if (slt_sqlite_use(fr->sq, rec->name, &err) != SLT_OK)
            fatal(fr, rec, err);
        break;
    case SLT_REMOTE_CONNECTION:
        if (slt_remote_use(fr->rm, rec->name, rec->user, rec->password, &err) != SLT_OK)
            fail(fr, rec->line, err, NULL, NULL, NULL, NULL, NULL);
        break;
    case SLT_HALT:
        fr->stop = true;
        break;
    case SLT_SLEEP:
        sleep_ms(rec->number);
        break;
    case SLT_LOG_MARK:
        if (slt_log_mark(fr->log_path, &fr->mark, &err) != 0) {
            fail(fr, rec->line, err, NULL, NULL, NULL, NULL, NULL);
        } else {
            free(fr->mark_err);
            fr->mark_err = NULL;
        }
        break;
    case SLT_LOG_COUNT:
    case SLT_LOG_ROWS:
        run_log_count(fr, rec);
        break;
    case SLT_SYSTEM:
        run_system(fr, rec);
        break;
    case SLT_NONE:
        break;
    }
    free(err);
}

/* Does sql start with the word MOSIM (any case), after blanks and comments? */
static bool is_mosim_control(const char *sql)
{
    const char *p = sql;
    for (;;) {
        while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
            p++;
        if (p[0] == '-' && p[1] == '-') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '#') {
            while (*p && *p != '\n')
                p++;
        } else if (p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            if (!e)
                return false;
            p = e + 2;
        } else {
            break;
        }
    }
    return strncasecmp(p, "mosim", 5) == 0 &&
           (p[5] == '\0' || p[5] == ' ' || p[5] == '\t' || p[5] == '\n' || p[5] == '\r');
}

/* See slt.h. */
const char *slt_server_skip(const slt_opts *o, const slt_record *rec)
{
    if (!o->server)
        return NULL;
    switch (rec->kind) {
    case SLT_LOG_MARK:
    case SLT_LOG_COUNT:
    case SLT_LOG_ROWS:
        return "needs mosim's statement log";
    case SLT_SYSTEM:
        return rec->sql && strstr(rec->sql, "MOSIM") ? "the command needs mosim" : NULL;
    case SLT_REMOTE_STATEMENT_OK:
    case SLT_REMOTE_STATEMENT_ERROR:
    case SLT_REMOTE_QUERY:
        return rec->sql && is_mosim_control(rec->sql) ? "a mosim control statement" : NULL;
    default:
        return NULL;
    }
}

/* Run every record of the file at path, adding to *c. Returns 0, or 2 when the file cannot
** be read (reported on stderr). */
int slt_run_file(const slt_opts *o, const char *path, slt_counts *c)
{
    file_run fr = {0};
    slt_reader r;
    slt_record rec;
    char *err = NULL;

    if (slt_reader_open(&r, path, &err) != 0) {
        fprintf(stderr, "mopitr_slt: %s\n", err);
        free(err);
        return 2;
    }
    fr.o = o;
    fr.path = path;
    fr.c = c;
    fr.sq = slt_sqlite_new(o->ext);
    fr.rm = slt_remote_new();
    fr.log_path = o->server ? NULL : getenv("MOSIM_LOG");
    /* The implicit mark; a failure is reported by the first log count, if any. */
    if (!o->server)
        slt_log_mark(fr.log_path, &fr.mark, &fr.mark_err);
    while (!fr.stop && slt_next_record(&r, &rec)) {
        const char *why;
        slt_where_set(path, rec.line, c);
        if ((why = slt_server_skip(o, &rec)) != NULL) {
            if (o->verbose)
                printf("%s:%d: skip (server mode: %s) %s\n", path, rec.line, why,
                       rec.head ? rec.head : "");
            c->skipped++;
        } else if (skipped(&fr, &rec)) {
            if (o->verbose)
                printf("%s:%d: skip %s\n", path, rec.line, rec.head ? rec.head : "");
            if (slt_kind_counted(rec.kind) || rec.kind == SLT_NONE)
                c->skipped++;
        } else {
            if (o->verbose)
                printf("%s:%d: %s\n", path, rec.line, rec.head ? rec.head : "");
            if (rec.error)
                fail(&fr, rec.error_line, rec.error, rec.sql, NULL, NULL, NULL, NULL);
            else
                run_record(&fr, &rec);
        }
        slt_record_clear(&rec);
    }
    slt_where_set(path, r.line, c);
    if (slt_sqlite_free(fr.sq, &err) != SLT_OK) {
        fail(&fr, r.line, err, NULL, NULL, NULL, NULL, NULL);
        free(err);
    }
    slt_remote_free(fr.rm);
    slt_reader_close(&r);
    free(fr.mark_err);
    slt_strv_free(&fr.label_names);
    slt_strv_free(&fr.label_results);
    slt_strv_free(&fr.label_lines);
    return 0;
}
