/*
** result.c: rendering and comparing query results in mopitr_slt.
**
** A query names one type letter per column:
**     T  text: the value as text (numbers as SQLite/the server prints them, blobs as text)
**     I  integer: the value must be an integer (SQLite INTEGER, or integer-looking text from
**        the server); anything else is a type mistake and fails the record
**     R  real: printed with %.3f; SQLite INTEGER/REAL or numeric text from the server
** Every type prints NULL as `NULL` and an empty string as `(empty)`. Control characters
** (bytes below 0x20 and 0x7f) print as `@` so a value never breaks a result line.
**
** A result is a row-major list of rendered cells. slt_result_lines() turns it into the lines
** compared with the expected block: one row per line with values separated by a single
** space (nosort keeps the order, rowsort sorts the lines) or, with valuesort, one value per
** line, sorted. Sorting is byte order (strcmp). For rowsort/valuesort the expected block is
** sorted too before comparing, so it may be written in any order.
*/
#include "slt.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Render n bytes of text: `(empty)` for "", control characters as `@`. Caller frees. */
static char *render_text(const char *s, size_t n)
{
    if (!s || n == 0)
        return slt_xstrdup("(empty)");
    char *out = slt_xstrndup(s, n);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)out[i] < 0x20 || out[i] == 0x7f)
            out[i] = '@';
    return out;
}

/* Render a double with %.3f, printing negative zero as 0.000. Caller frees. */
static char *render_real(double d)
{
    char *s = slt_xprintf("%.3f", d);
    if (strcmp(s, "-0.000") == 0)
        memmove(s, s + 1, strlen(s));
    return s;
}

/* True when the n bytes at s are an optional sign and at least one decimal digit. */
static bool is_integer_text(const char *s, size_t n)
{
    size_t i = 0;
    if (n > 0 && (s[0] == '-' || s[0] == '+'))
        i++;
    if (i == n)
        return false;
    for (; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* Parse the n bytes at s as a whole decimal number into *d. Returns true on success. */
static bool parse_real_text(const char *s, size_t n, double *d)
{
    char *copy = slt_xstrndup(s, n), *end = NULL;
    bool ok = false;

    if (n > 0 && !isspace((unsigned char)copy[0])) {
        errno = 0;
        *d = strtod(copy, &end);
        ok = end && *end == '\0' && errno != ERANGE;
    }
    free(copy);
    return ok;
}

/* Name of a value kind for type-mistake messages. */
static const char *kind_name(enum slt_vkind k)
{
    switch (k) {
    case SLT_V_INT:
        return "integer";
    case SLT_V_REAL:
        return "real";
    case SLT_V_TEXT:
        return "text";
    case SLT_V_WIRE:
        return "text";
    default:
        return "null";
    }
}

/*
** Add one value to res (res->ncols set), rendered for the column type `type` (T, I or R).
** kind says how the value arrived: i holds an SLT_V_INT, d an SLT_V_REAL; s/n hold the text
** form (needed for T columns, SLT_V_TEXT and SLT_V_WIRE, and to show a mistyped value). On a
** type mistake the value is added rendered as text, so the actual result can be shown in
** full, and the first mistake is kept in res->type_error.
*/
void slt_result_add(slt_result *res, char type, enum slt_vkind kind, long long i, double d,
                    const char *s, size_t n)
{
    char *cell = NULL;
    double parsed = 0;

    if (kind == SLT_V_NULL) {
        cell = slt_xstrdup("NULL");
    } else if (type == 'I') {
        if (kind == SLT_V_INT)
            cell = slt_xprintf("%lld", i);
        else if (kind == SLT_V_WIRE && is_integer_text(s, n))
            cell = slt_xstrndup(s, n);
    } else if (type == 'R') {
        if (kind == SLT_V_INT)
            cell = render_real((double)i);
        else if (kind == SLT_V_REAL)
            cell = render_real(d);
        else if (kind == SLT_V_WIRE && parse_real_text(s, n, &parsed))
            cell = render_real(parsed);
    } else {
        cell = render_text(s, n);
    }
    if (!cell) {
        cell = render_text(s, n);
        if (!res->type_error) {
            size_t k = res->cells.n, nc = res->ncols ? res->ncols : 1;
            res->type_error = slt_xprintf("row %zu column %zu: type %c got %s value '%s'",
                                          k / nc + 1, k % nc + 1, type, kind_name(kind), cell);
        }
    }
    slt_strv_push(&res->cells, cell);
}

/* Free what res owns and zero it. Accepts a zeroed result. */
void slt_result_free(slt_result *res)
{
    slt_strv_free(&res->cells);
    free(res->type_error);
    res->type_error = NULL;
    res->ncols = 0;
}

/* Fill out (appending) with the lines of res for the sort mode. Caller frees out. */
void slt_result_lines(const slt_result *res, enum slt_sort sort, slt_strv *out)
{
    if (res->ncols == 0)
        return;
    if (sort == SLT_VALUESORT) {
        for (size_t k = 0; k < res->cells.n; k++) {
            char *v = slt_xstrdup(res->cells.v[k]);
            slt_rtrim(v);
            slt_strv_push(out, v);
        }
        slt_strv_sort(out);
        return;
    }
    for (size_t r = 0; r + res->ncols <= res->cells.n; r += res->ncols) {
        slt_buf b = {0};
        for (size_t c = 0; c < res->ncols; c++) {
            if (c)
                slt_buf_adds(&b, " ");
            slt_buf_adds(&b, res->cells.v[r + c]);
        }
        char *line = slt_buf_take(&b);
        slt_rtrim(line);
        slt_strv_push(out, line);
    }
    if (sort == SLT_ROWSORT)
        slt_strv_sort(out);
}

/* True when the expected lines equal the actual ones; for rowsort/valuesort the expected
** lines are compared in sorted order. */
bool slt_lines_equal(const slt_strv *expected, const slt_strv *actual, enum slt_sort sort)
{
    slt_strv sorted = {0};
    const slt_strv *e = expected;
    bool same = false;

    if (expected->n != actual->n)
        goto out;
    if (sort != SLT_NOSORT) {
        for (size_t k = 0; k < expected->n; k++)
            slt_strv_push(&sorted, slt_xstrdup(expected->v[k]));
        slt_strv_sort(&sorted);
        e = &sorted;
    }
    for (size_t k = 0; k < e->n; k++)
        if (strcmp(e->v[k], actual->v[k]) != 0)
            goto out;
    same = true;
out:
    slt_strv_free(&sorted);
    return same;
}

/* The lines joined with '\n' (used to compare results under one label). Caller frees. */
char *slt_lines_join(const slt_strv *lines)
{
    slt_buf b = {0};
    for (size_t k = 0; k < lines->n; k++) {
        slt_buf_adds(&b, lines->v[k]);
        slt_buf_adds(&b, "\n");
    }
    return slt_buf_take(&b);
}
