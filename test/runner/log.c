/*
** log.c: `log mark`, `log count` and `log rows` over the mosim statement log (env MOSIM_LOG).
**
** Usage:
**     long mark;  slt_log_mark(path, &mark, &err);
**     ... statements ...
**     long n, r;  slt_log_count(path, mark, "SHOW PITR", ids, nids, &n, &r, NULL, &err);
**
** The log has one line per command received, TAB-separated:
**     <UTC time>\t<conn id>\t<account>\t<outcome>\t<statement>
** where the statement is escaped: `\\` for a backslash, `\t`, `\n`, `\r` for TAB, LF, CR.
** A mark is a byte offset: the end of the last complete line when marked (0 if the file
** does not exist yet).
** A count reads the complete lines written after the mark, leaves out the lines of the
** connection ids given (the runner's own remote connections), unescapes the statement field
** and counts the lines whose statement contains the substring ("" counts every line), and
** sums their outcome's rows=N (a result set's row count; other outcomes count 0).
** Waiting for the server to finish writing is the caller's business (run.c polls).
*/
#include "slt.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Remember in *mark the end of the last complete line of the log at path (a line the server
** is still writing belongs after the mark). Returns 0, or -1 with *err (caller frees). A log
** that does not exist yet marks offset 0. */
int slt_log_mark(const char *path, long *mark, char **err)
{
    FILE *f = NULL;
    char chunk[4096];
    long end;
    int rc = -1;

    if (!path || !*path) {
        *err = slt_xstrdup("MOSIM_LOG is not set (log directives need mosim's log)");
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) {
            *mark = 0;
            rc = 0;
        } else {
            *err = slt_xprintf("cannot open %s: %s", path, strerror(errno));
        }
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (end = ftell(f)) < 0) {
        *err = slt_xprintf("cannot seek in %s: %s", path, strerror(errno));
        goto out;
    }
    /* Walk back in chunks to the last '\n'. */
    while (end > 0) {
        long start = end > (long)sizeof chunk ? end - (long)sizeof chunk : 0;
        size_t n = (size_t)(end - start);
        if (fseek(f, start, SEEK_SET) != 0 || fread(chunk, 1, n, f) != n) {
            *err = slt_xprintf("cannot read %s", path);
            goto out;
        }
        while (n > 0 && chunk[n - 1] != '\n')
            n--;
        if (n > 0) {
            end = start + (long)n;
            break;
        }
        end = start;
    }
    *mark = end;
    rc = 0;
out:
    if (f)
        fclose(f);
    return rc;
}

/* Unescape n bytes of a statement field (`\\`, `\t`, `\n`, `\r`; any other backslash stays
** as it is). Caller frees. */
char *slt_log_unescape(const char *s, size_t n)
{
    char *out = slt_xmalloc(n + 1);
    size_t j = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n) {
            char e = s[i + 1];
            char c = e == '\\' ? '\\' : e == 't' ? '\t' : e == 'n' ? '\n' : e == 'r' ? '\r' : 0;
            if (c) {
                out[j++] = c;
                i++;
                continue;
            }
        }
        out[j++] = s[i];
    }
    out[j] = '\0';
    return out;
}

/* True when id is one of ids[0..nids). */
static bool has_id(const unsigned long *ids, size_t nids, unsigned long id)
{
    for (size_t i = 0; i < nids; i++)
        if (ids[i] == id)
            return true;
    return false;
}

/*
** Count the complete log lines after mark whose statement contains substr, leaving out the
** lines of the connection ids ids[0..nids). Returns 0 with *count (and, when rows is not
** NULL, the sum of the matching lines' rows=N outcomes in *rows), or -1 with *err (caller
** frees) when the log cannot be read, shrank below the mark or holds a malformed line.
** When lines is not NULL, every line after the mark that is not the runner's own is appended
** to it as `conn=<id> <outcome> <statement as escaped in the log>` (for failure reports).
*/
int slt_log_count(const char *path, long mark, const char *substr, const unsigned long *ids,
                  size_t nids, long *count, long *rows, slt_strv *lines, char **err)
{
    FILE *f = NULL;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long n = 0, nRows = 0, lineno = 0;
    int rc = -1;

    if (!path || !*path) {
        *err = slt_xstrdup("MOSIM_LOG is not set (log directives need mosim's log)");
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT && mark == 0) {
            *count = 0;
            if (rows)
                *rows = 0;
            rc = 0;
            goto out;
        }
        *err = slt_xprintf("cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fseek(f, 0, SEEK_END) != 0 || ftell(f) < mark) {
        *err = slt_xprintf("%s is shorter than the mark (%ld bytes): truncated or replaced?", path,
                           mark);
        goto out;
    }
    fseek(f, mark, SEEK_SET);
    while ((len = getline(&line, &cap, f)) > 0) {
        lineno++;
        if (line[len - 1] != '\n') /* still being written */
            break;
        line[--len] = '\0';
        /* fields: time, conn, account, outcome, statement */
        char *field[5];
        char *p = line;
        int k;
        for (k = 0; k < 4; k++) {
            field[k] = p;
            p = strchr(p, '\t');
            if (!p)
                break;
            *p++ = '\0';
        }
        if (k < 4) {
            *err = slt_xprintf("malformed line %ld after the mark in %s (want 5 TAB-separated "
                               "fields)",
                               lineno, path);
            goto out;
        }
        field[4] = p;
        char *end = NULL;
        unsigned long conn = strtoul(field[1], &end, 10);
        if (*end == '\0' && end != field[1] && has_id(ids, nids, conn))
            continue;
        if (lines)
            slt_strv_push(lines, slt_xprintf("conn=%s %s %s", field[1], field[3], field[4]));
        char *stmt = slt_log_unescape(field[4], strlen(field[4]));
        if (strstr(stmt, substr)) {
            n++;
            if (strncmp(field[3], "rows=", 5) == 0)
                nRows += strtol(field[3] + 5, NULL, 10);
        }
        free(stmt);
    }
    *count = n;
    if (rows)
        *rows = nRows;
    rc = 0;
out:
    free(line);
    if (f)
        fclose(f);
    return rc;
}
