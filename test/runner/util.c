/*
** util.c: small helpers of mopitr_slt.
**
** Allocation wrappers that print and exit on out-of-memory (a test runner has nothing
** sensible to do then), a growable string (slt_buf) and a growable vector of owned
** strings (slt_strv). Plain malloc/free: the runner is not the extension.
*/
#include "slt.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Print "out of memory" and exit 2. Never returns. */
static void oom(void)
{
    fputs("mopitr_slt: out of memory\n", stderr);
    exit(2);
}

/* malloc that never returns NULL. Caller frees. */
void *slt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

/* realloc that never returns NULL. Caller frees. */
void *slt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

/* strdup that never returns NULL. Caller frees. */
char *slt_xstrdup(const char *s)
{
    return slt_xstrndup(s, strlen(s));
}

/* Copy of the first n bytes of s plus a NUL. Caller frees. */
char *slt_xstrndup(const char *s, size_t n)
{
    char *p = slt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* printf into a new string. Caller frees. */
char *slt_xprintf(const char *fmt, ...)
{
    va_list ap;
    int n;
    char *out = NULL;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    out = slt_xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(out, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return out;
}

/* Make room for n more bytes plus the NUL in b. */
static void buf_grow(slt_buf *b, size_t n)
{
    size_t need = b->len + n + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->s = slt_xrealloc(b->s, cap);
    b->cap = cap;
}

/* Append n bytes of s to b. */
void slt_buf_add(slt_buf *b, const char *s, size_t n)
{
    buf_grow(b, n);
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

/* Append the string s to b. */
void slt_buf_adds(slt_buf *b, const char *s)
{
    slt_buf_add(b, s, strlen(s));
}

/* Append printf output to b. */
void slt_buf_printf(slt_buf *b, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Return b's string (never NULL; "" when empty) and reset b. Caller frees the string. */
char *slt_buf_take(slt_buf *b)
{
    char *s = b->s ? b->s : slt_xstrdup("");
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}

/* Free b's memory and reset it. Accepts a zeroed buffer. */
void slt_buf_free(slt_buf *b)
{
    free(b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}

/* Append an owned string to sv; sv takes ownership. */
void slt_strv_push(slt_strv *sv, char *owned)
{
    if (sv->n == sv->cap) {
        sv->cap = sv->cap ? sv->cap * 2 : 8;
        sv->v = slt_xrealloc(sv->v, sv->cap * sizeof(char *));
    }
    sv->v[sv->n++] = owned;
}

/* Free every string and the vector; leaves sv zeroed. Accepts a zeroed vector. */
void slt_strv_free(slt_strv *sv)
{
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

/* qsort callback: byte order of two strings. */
static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort sv in byte order (strcmp). */
void slt_strv_sort(slt_strv *sv)
{
    if (sv->n > 1)
        qsort(sv->v, sv->n, sizeof(char *), cmp_str);
}

/* True when sv holds a string equal to s. */
bool slt_strv_has(const slt_strv *sv, const char *s)
{
    for (size_t i = 0; i < sv->n; i++)
        if (strcmp(sv->v[i], s) == 0)
            return true;
    return false;
}

/* True when s holds only spaces, tabs, CR or LF. */
bool slt_is_blank(const char *s)
{
    for (; *s; s++)
        if (!isspace((unsigned char)*s))
            return false;
    return true;
}

/* Remove trailing whitespace from s in place. */
void slt_rtrim(char *s)
{
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
}
