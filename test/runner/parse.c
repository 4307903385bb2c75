/*
** parse.c: the record reader of mopitr_slt.
**
** Usage:
**     slt_reader r;  slt_record rec;  char *err;
**     if (slt_reader_open(&r, "x.test", &err)) ...;
**     while (slt_next_record(&r, &rec)) { ...; slt_record_clear(&rec); }
**     slt_reader_close(&r);
**
** How it works: the whole file is read into memory and handed out line by line (CR LF
** line ends accepted). Blank lines separate records; lines starting with `#` are comments,
** except inside an expected block, where every line up to the next blank line is a result
** row. `skipif`/`onlyif` lines stack before a record. The directive line selects the kind:
** statement, query and remote statement/query records own the following lines (SQL, then
** for queries `----` and the expected block); every other directive is one line, and a
** record may start on the very next line. Every line of a record gets ${NAME} and
** ${NAME:-default} replaced from the environment. Nothing here fails the whole file: a
** malformed record comes back with rec->error set and the reader moves on to the next one,
** so the run reports it as a failure at its file:line.
*/
#include "slt.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Read the whole file at path into r. Returns 0, or -1 with *err (caller frees). */
int slt_reader_open(slt_reader *r, const char *path, char **err)
{
    FILE *f = NULL;
    slt_buf b = {0};
    char chunk[8192];
    size_t n;
    int rc = -1;

    memset(r, 0, sizeof *r);
    f = fopen(path, "rb");
    if (!f) {
        *err = slt_xprintf("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        slt_buf_add(&b, chunk, n);
    if (ferror(f)) {
        *err = slt_xprintf("cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    r->len = b.len;
    r->text = slt_buf_take(&b);
    rc = 0;
out:
    if (f)
        fclose(f);
    slt_buf_free(&b);
    return rc;
}

/* Free the file text held by r. Accepts a zeroed reader. */
void slt_reader_close(slt_reader *r)
{
    free(r->text);
    memset(r, 0, sizeof *r);
}

/* Next line without its line end, or NULL at the end of the file. *lineno gets its
** number. Caller frees the line. */
static char *read_line(slt_reader *r, int *lineno)
{
    if (!r->text || r->pos >= r->len)
        return NULL;
    const char *start = r->text + r->pos;
    const char *nl = memchr(start, '\n', r->len - r->pos);
    size_t n = nl ? (size_t)(nl - start) : r->len - r->pos;
    r->pos += n + (nl ? 1 : 0);
    if (n > 0 && start[n - 1] == '\r')
        n--;
    *lineno = ++r->line;
    return slt_xstrndup(start, n);
}

/* Replace ${NAME} and ${NAME:-default} in `in` from the environment. Returns the new
** string (caller frees), or NULL with *err (caller frees) for an unset variable or a
** malformed reference. As in the shell, the default also applies to an empty value. */
char *slt_subst(const char *in, char **err)
{
    slt_buf b = {0};
    const char *p = in;
    char *name = NULL;

    while (*p) {
        const char *d = strstr(p, "${");
        if (!d) {
            slt_buf_adds(&b, p);
            break;
        }
        slt_buf_add(&b, p, (size_t)(d - p));
        const char *s = d + 2, *e = s;
        while (isalnum((unsigned char)*e) || *e == '_')
            e++;
        if (e == s || (*e != '}' && strncmp(e, ":-", 2) != 0)) {
            *err = slt_xprintf("bad variable reference '%.*s'", (int)(e - d + 1), d);
            goto fail;
        }
        name = slt_xstrndup(s, (size_t)(e - s));
        const char *val = getenv(name);
        if (*e == '}') {
            if (!val) {
                *err = slt_xprintf("environment variable %s is not set", name);
                goto fail;
            }
            slt_buf_adds(&b, val);
            p = e + 1;
        } else {
            const char *def = e + 2, *close = strchr(def, '}');
            if (!close) {
                *err = slt_xprintf("unterminated '${%s:-'", name);
                goto fail;
            }
            if (val && *val)
                slt_buf_adds(&b, val);
            else
                slt_buf_add(&b, def, (size_t)(close - def));
            p = close + 1;
        }
        free(name);
        name = NULL;
    }
    return slt_buf_take(&b);
fail:
    free(name);
    slt_buf_free(&b);
    return NULL;
}

/* Record the first problem of rec (later ones are dropped: the first is the cause). */
static void set_error(slt_record *rec, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_error(slt_record *rec, int line, const char *fmt, ...)
{
    va_list ap;
    int n;

    if (rec->error)
        return;
    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    rec->error = slt_xmalloc((size_t)(n > 0 ? n : 0) + 1);
    va_start(ap, fmt);
    vsnprintf(rec->error, (size_t)(n > 0 ? n : 0) + 1, fmt, ap);
    va_end(ap);
    rec->error_line = line;
}

/* Substitute variables in one line of rec; on failure note the error and return a
** copy of the raw line so parsing can go on. Caller frees. */
static char *subst_line(slt_record *rec, const char *line, int lineno)
{
    char *err = NULL;
    char *s = slt_subst(line, &err);
    if (!s) {
        set_error(rec, lineno, "%s", err);
        free(err);
        s = slt_xstrdup(line);
    }
    return s;
}

/* Next whitespace-separated word at *p, advancing *p past it and the blanks after it.
** Returns the word (caller frees) or NULL at the end of the line. */
static char *next_word(const char **p)
{
    const char *s = *p;
    while (*s && isspace((unsigned char)*s))
        s++;
    if (!*s) {
        *p = s;
        return NULL;
    }
    const char *e = s;
    while (*e && !isspace((unsigned char)*e))
        e++;
    char *w = slt_xstrndup(s, (size_t)(e - s));
    while (*e && isspace((unsigned char)*e))
        e++;
    *p = e;
    return w;
}

/* A trimmed copy of the rest of a line. Caller frees. */
static char *rest_of(const char *p)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    char *s = slt_xstrdup(p);
    slt_rtrim(s);
    return s;
}

/* True when the line is a comment (first non-blank character `#`). */
static bool is_comment(const char *line)
{
    while (*line == ' ' || *line == '\t')
        line++;
    return *line == '#';
}

/* True when the kind owns SQL lines after its directive. */
static bool has_body(enum slt_kind k)
{
    return k == SLT_STATEMENT_OK || k == SLT_STATEMENT_ERROR || k == SLT_QUERY ||
           k == SLT_REMOTE_STATEMENT_OK || k == SLT_REMOTE_STATEMENT_ERROR || k == SLT_REMOTE_QUERY;
}

/* True for the records counted in the summary (statements, queries, log count). */
bool slt_kind_counted(enum slt_kind k)
{
    return has_body(k) || k == SLT_LOG_COUNT || k == SLT_LOG_ROWS;
}

/* Parse `<types> [sort] [label]` of a query directive at p into rec. */
static void parse_query_args(slt_record *rec, const char *p)
{
    char *w = next_word(&p);
    if (!w) {
        set_error(rec, rec->line, "query needs column types (letters T, I, R)");
        return;
    }
    for (const char *c = w; *c; c++)
        if (*c != 'T' && *c != 'I' && *c != 'R') {
            set_error(rec, rec->line, "bad column type '%c' in '%s' (valid: T I R)", *c, w);
            break;
        }
    rec->types = w;
    w = next_word(&p);
    if (w) {
        if (strcmp(w, "nosort") == 0)
            rec->sort = SLT_NOSORT;
        else if (strcmp(w, "rowsort") == 0)
            rec->sort = SLT_ROWSORT;
        else if (strcmp(w, "valuesort") == 0)
            rec->sort = SLT_VALUESORT;
        else
            set_error(rec, rec->line, "unknown sort mode '%s' (valid: nosort rowsort valuesort)",
                      w);
        free(w);
        rec->label = next_word(&p);
        w = next_word(&p);
        if (w)
            set_error(rec, rec->line, "unexpected '%s' after the query label", w);
        free(w);
    }
}

/* Parse `statement error [CODE] substring` arguments at p (SQLite form). */
static void parse_error_args(slt_record *rec, const char *p)
{
    char *rest = rest_of(p);
    if (rest[0] == '[') {
        char *close = strchr(rest, ']');
        if (!close) {
            set_error(rec, rec->line, "unterminated '[' in statement error");
            rec->substr = rest;
            return;
        }
        rec->errcode = slt_xstrndup(rest + 1, (size_t)(close - rest - 1));
        if (!slt_sqlite_code_known(rec->errcode))
            set_error(rec, rec->line,
                      "unknown result code '%s' (use a primary code name such as "
                      "SQLITE_CONSTRAINT)",
                      rec->errcode);
        rec->substr = rest_of(close + 1);
        free(rest);
        return;
    }
    rec->substr = rest;
}

/* Parse `remote connection NAME [user=X] [password=Y]` arguments at p. */
static void parse_remote_connection(slt_record *rec, const char *p)
{
    char *w;

    rec->name = next_word(&p);
    if (!rec->name) {
        set_error(rec, rec->line, "remote connection needs a name");
        return;
    }
    while ((w = next_word(&p)) != NULL) {
        if (strncmp(w, "user=", 5) == 0 && !rec->user)
            rec->user = slt_xstrdup(w + 5);
        else if (strncmp(w, "password=", 9) == 0 && !rec->password)
            rec->password = slt_xstrdup(w + 9);
        else
            set_error(rec, rec->line, "bad remote connection option '%s' (valid: user=, password=)",
                      w);
        free(w);
    }
}

/* Parse a non-negative decimal number word; returns -1 when it is not one. */
static long parse_count(const char *w)
{
    char *end = NULL;
    if (!w || !isdigit((unsigned char)w[0]))
        return -1;
    errno = 0;
    long v = strtol(w, &end, 10);
    if (errno || *end)
        return -1;
    return v;
}

/* Parse the `remote ...` directive (after the word `remote`) at p. */
static void parse_remote(slt_record *rec, const char *p)
{
    char *w = next_word(&p);
    char *w2 = NULL;

    if (w && strcmp(w, "statement") == 0) {
        w2 = next_word(&p);
        if (w2 && strcmp(w2, "ok") == 0) {
            rec->kind = SLT_REMOTE_STATEMENT_OK;
            if (*p)
                set_error(rec, rec->line, "unexpected '%s' after remote statement ok", p);
        } else if (w2 && strcmp(w2, "error") == 0) {
            rec->kind = SLT_REMOTE_STATEMENT_ERROR;
            rec->substr = rest_of(p);
        } else {
            rec->kind = SLT_REMOTE_STATEMENT_OK;
            set_error(rec, rec->line, "remote statement needs 'ok' or 'error'");
        }
    } else if (w && strcmp(w, "query") == 0) {
        rec->kind = SLT_REMOTE_QUERY;
        parse_query_args(rec, p);
    } else if (w && strcmp(w, "connection") == 0) {
        rec->kind = SLT_REMOTE_CONNECTION;
        parse_remote_connection(rec, p);
    } else {
        set_error(rec, rec->line,
                  "unknown remote directive '%s' (valid: remote statement, remote query, "
                  "remote connection)",
                  w ? w : "");
    }
    free(w);
    free(w2);
}

/* Parse the directive line into rec->kind and its arguments. */
static void parse_directive(slt_record *rec, const char *line)
{
    const char *p = line;
    char *w = next_word(&p);
    char *w2 = NULL;

    if (!w) {
        set_error(rec, rec->line, "empty directive line");
    } else if (strcmp(w, "statement") == 0) {
        w2 = next_word(&p);
        if (w2 && strcmp(w2, "ok") == 0) {
            rec->kind = SLT_STATEMENT_OK;
            if (*p)
                set_error(rec, rec->line, "unexpected '%s' after statement ok", p);
        } else if (w2 && strcmp(w2, "error") == 0) {
            rec->kind = SLT_STATEMENT_ERROR;
            parse_error_args(rec, p);
        } else {
            rec->kind = SLT_STATEMENT_OK;
            set_error(rec, rec->line, "statement needs 'ok' or 'error'");
        }
    } else if (strcmp(w, "query") == 0) {
        rec->kind = SLT_QUERY;
        parse_query_args(rec, p);
    } else if (strcmp(w, "remote") == 0) {
        parse_remote(rec, p);
    } else if (strcmp(w, "connection") == 0) {
        rec->kind = SLT_CONNECTION;
        rec->name = next_word(&p);
        if (!rec->name || *p)
            set_error(rec, rec->line, "connection needs exactly one name");
    } else if (strcmp(w, "halt") == 0) {
        rec->kind = SLT_HALT;
        if (*p)
            set_error(rec, rec->line, "unexpected '%s' after halt", p);
    } else if (strcmp(w, "sleep") == 0) {
        rec->kind = SLT_SLEEP;
        w2 = next_word(&p);
        rec->number = parse_count(w2);
        if (rec->number < 0 || *p)
            set_error(rec, rec->line, "sleep needs a number of milliseconds");
    } else if (strcmp(w, "system") == 0) {
        rec->kind = SLT_SYSTEM;
        rec->sql = rest_of(p);
        if (!*rec->sql)
            set_error(rec, rec->line, "system needs a shell command");
    } else if (strcmp(w, "log") == 0) {
        w2 = next_word(&p);
        if (w2 && strcmp(w2, "mark") == 0) {
            rec->kind = SLT_LOG_MARK;
            if (*p)
                set_error(rec, rec->line, "unexpected '%s' after log mark", p);
        } else if (w2 && (strcmp(w2, "count") == 0 || strcmp(w2, "rows") == 0)) {
            bool bRows = strcmp(w2, "rows") == 0;
            rec->kind = bRows ? SLT_LOG_ROWS : SLT_LOG_COUNT;
            char *n = next_word(&p);
            rec->number = parse_count(n);
            free(n);
            if (rec->number < 0)
                set_error(rec, rec->line,
                          bRows ? "log rows needs a number of rows"
                                : "log count needs a number of lines");
            rec->substr = rest_of(p);
        } else {
            set_error(rec, rec->line,
                      "unknown log directive (valid: log mark, log count, log rows)");
        }
    } else {
        set_error(rec, rec->line,
                  "unknown directive '%s' (valid: statement, query, connection, remote, "
                  "skipif, onlyif, halt, sleep, log, system)",
                  w);
    }
    free(w);
    free(w2);
}

/* Read the lines that belong to a statement or query record: SQL, `----`, expected rows,
** up to a blank line or the end of the file. */
static void read_body(slt_reader *r, slt_record *rec)
{
    slt_buf sql = {0};
    bool expected = false;
    char *line;
    int ln;

    while ((line = read_line(r, &ln)) != NULL) {
        if (slt_is_blank(line)) {
            free(line);
            break;
        }
        if (!expected && is_comment(line)) {
            free(line);
            continue;
        }
        char *t = slt_xstrdup(line);
        slt_rtrim(t);
        bool sep = strcmp(t, "----") == 0;
        free(t);
        if (sep && !expected) {
            if (rec->kind != SLT_QUERY && rec->kind != SLT_REMOTE_QUERY && rec->kind != SLT_NONE)
                set_error(rec, ln, "'----' in a record that is not a query");
            expected = true;
            free(line);
            continue;
        }
        char *s = subst_line(rec, line, ln);
        free(line);
        if (expected) {
            slt_rtrim(s);
            slt_strv_push(&rec->expected, s);
        } else {
            if (sql.len)
                slt_buf_adds(&sql, "\n");
            slt_buf_adds(&sql, s);
            free(s);
        }
    }
    rec->sql = slt_buf_take(&sql);
    if (rec->kind == SLT_NONE)
        return;
    if (slt_is_blank(rec->sql))
        set_error(rec, rec->line, "missing SQL after '%s'", rec->head);
    if ((rec->kind == SLT_QUERY || rec->kind == SLT_REMOTE_QUERY) && !expected)
        set_error(rec, rec->line,
                  "query without a '----' line (an empty block after '----' "
                  "means no rows)");
}

/* Read the next record of r into rec (zeroed first). Returns false at the end of the file.
** A malformed record comes back with rec->error set; the caller reports it. Caller clears
** rec with slt_record_clear(). */
bool slt_next_record(slt_reader *r, slt_record *rec)
{
    char *line = NULL;
    int ln = 0;

    memset(rec, 0, sizeof *rec);
    for (;;) {
        line = read_line(r, &ln);
        if (!line)
            return false;
        if (!slt_is_blank(line) && !is_comment(line))
            break;
        free(line);
    }
    rec->line = ln;
    /* skipif / onlyif lines stack before the record. */
    for (;;) {
        const char *p = line;
        char *w = next_word(&p);
        bool skip = strcmp(w, "skipif") == 0, only = strcmp(w, "onlyif") == 0;
        free(w);
        if (!skip && !only)
            break;
        char *s = subst_line(rec, p, ln);
        const char *q = s;
        char *label = next_word(&q);
        if (!label || *q)
            set_error(rec, ln, "%s needs exactly one label", skip ? "skipif" : "onlyif");
        if (label)
            slt_strv_push(skip ? &rec->skipif : &rec->onlyif, label);
        free(s);
        free(line);
        while ((line = read_line(r, &ln)) != NULL && is_comment(line))
            free(line);
        if (!line || slt_is_blank(line)) {
            set_error(rec, rec->line, "skipif/onlyif not followed by a record");
            free(line);
            return true;
        }
        rec->line = ln;
    }
    rec->head = subst_line(rec, line, ln);
    slt_rtrim(rec->head);
    free(line);
    parse_directive(rec, rec->head);
    if (has_body(rec->kind) || rec->kind == SLT_NONE)
        read_body(r, rec);
    return true;
}

/* Free everything rec owns and zero it. Accepts a zeroed record. */
void slt_record_clear(slt_record *rec)
{
    free(rec->head);
    slt_strv_free(&rec->skipif);
    slt_strv_free(&rec->onlyif);
    free(rec->name);
    free(rec->user);
    free(rec->password);
    free(rec->errcode);
    free(rec->substr);
    free(rec->types);
    free(rec->label);
    free(rec->sql);
    slt_strv_free(&rec->expected);
    free(rec->error);
    memset(rec, 0, sizeof *rec);
}
