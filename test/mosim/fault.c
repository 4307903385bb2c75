/*
** fault.c: fault injection state and the `MOSIM ...` control statements.
**
** Usage (as the sys account; keywords case-insensitive, '..' strings with '' for a quote):
**   MOSIM FAULT DELAY <ms>                        every reply waits ms (0 or CLEAR ends it)
**   MOSIM FAULT CLOSE AFTER <n> ROWS [opts]       send n rows of the result, then close
**   MOSIM FAULT DROP REPLY [opts]                 execute, then close without replying
**   MOSIM FAULT ERROR <errno> '<msg>' [SQLSTATE '<5>'] [opts]   reply ERR, do not execute
**   MOSIM FAULT MALFORMED [opts]                  reply with a malformed packet
**   MOSIM FAULT STALL [opts]                      never reply until the client closes
**   MOSIM FAULT LIE COLUMNS|NULL|RANGE|HUGE|SHORTROW [opts]   corrupt the result set
**   MOSIM FAULT CLEAR                             disarm everything
**   MOSIM STATUS                                  one row per armed fault
** opts: MATCH '<substring>' (case-insensitive, default: any statement) and SKIP <k> (let
** k matching statements pass first), in any order.
**
** How it works: armed faults sit in one process-wide list in arming order, under a
** mutex; DELAY is a separate global value. For each statement (never a MOSIM one) the
** server calls wire_fault_take(): every armed fault whose MATCH is in the statement
** text counts it; the first one whose SKIP is used up is removed from the list and
** handed to the statement (all faults but DELAY are one-shot). reply.c and server.c
** carry the fault out.
*/
#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "wire.h"

static pthread_mutex_t fault_mu = PTHREAD_MUTEX_INITIALIZER;
static wire_fault *fault_list;  /* armed faults, oldest first */
static uint64_t fault_delay_ms; /* DELAY, 0 = none */

/* ---- tokenizer for control statements ---------------------------------------------- */

typedef struct ctl_lex {
    const char *p, *end;
    const char *tok; /* start of the current token (for messages) */
} ctl_lex;

/* Skip blanks. */
static void lex_blank(ctl_lex *x)
{
    while (x->p < x->end && isspace((unsigned char)*x->p))
        x->p++;
    x->tok = x->p;
}

/* Consume the keyword kw (case-insensitive, whole word). Returns 1 if it was there. */
static int lex_kw(ctl_lex *x, const char *kw)
{
    size_t n = strlen(kw);
    lex_blank(x);
    if ((size_t)(x->end - x->p) < n || strncasecmp(x->p, kw, n) != 0)
        return 0;
    if (x->p + n < x->end && (isalnum((unsigned char)x->p[n]) || x->p[n] == '_'))
        return 0;
    x->p += n;
    return 1;
}

/* Consume an unsigned decimal integer into *v. Returns 1 if one was there. */
static int lex_uint(ctl_lex *x, uint64_t *v)
{
    uint64_t n = 0;
    const char *s;
    lex_blank(x);
    s = x->p;
    while (x->p < x->end && isdigit((unsigned char)*x->p)) {
        if (n > (UINT64_MAX - 9) / 10)
            return 0;
        n = n * 10 + (uint64_t)(*x->p - '0');
        x->p++;
    }
    *v = n;
    return x->p > s;
}

/* Consume a '..' string ('' is a quote) into a new malloc'ed *out. Returns 1 if a
** complete string was there. */
static int lex_str(ctl_lex *x, char **out)
{
    const char *s;
    char *d;
    size_t n = 0;
    lex_blank(x);
    if (x->p >= x->end || *x->p != '\'')
        return 0;
    s = ++x->p;
    d = malloc((size_t)(x->end - s) + 1);
    if (!d)
        return 0;
    while (x->p < x->end) {
        if (*x->p == '\'') {
            if (x->p + 1 < x->end && x->p[1] == '\'') {
                d[n++] = '\'';
                x->p += 2;
                continue;
            }
            x->p++;
            d[n] = 0;
            *out = d;
            return 1;
        }
        d[n++] = *x->p++;
    }
    free(d);
    return 0;
}

/* 1 when only blanks remain. */
static int lex_end(ctl_lex *x)
{
    lex_blank(x);
    return x->p == x->end;
}

/* ---- fault list -------------------------------------------------------------------- */

/* Free a fault's strings. */
void wire_fault_free(wire_fault *f)
{
    if (!f)
        return;
    free(f->message);
    free(f->match);
    f->message = NULL;
    f->match = NULL;
}

/* Disarm everything. */
void wire_fault_clear_all(void)
{
    wire_fault *f, *next;
    pthread_mutex_lock(&fault_mu);
    for (f = fault_list; f; f = next) {
        next = f->next;
        wire_fault_free(f);
        free(f);
    }
    fault_list = NULL;
    fault_delay_ms = 0;
    pthread_mutex_unlock(&fault_mu);
}

/* Current DELAY in ms. */
uint64_t wire_fault_delay(void)
{
    uint64_t ms;
    pthread_mutex_lock(&fault_mu);
    ms = fault_delay_ms;
    pthread_mutex_unlock(&fault_mu);
    return ms;
}

/* 1 if needle (NUL-terminated) occurs in hay[0..len), ignoring ASCII case. */
static int contains_nocase(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    if (n == 0)
        return 1;
    for (i = 0; i + n <= len; i++)
        if (strncasecmp(hay + i, needle, n) == 0)
            return 1;
    return 0;
}

/* See wire.h. */
int wire_fault_take(const char *sql, size_t len, wire_fault *out)
{
    wire_fault **pp, *f;
    int taken = 0;
    pthread_mutex_lock(&fault_mu);
    pp = &fault_list;
    while ((f = *pp) != NULL) {
        if (f->match && !contains_nocase(sql, len, f->match)) {
            pp = &f->next;
            continue;
        }
        if (f->skip > 0 || taken) {
            if (f->skip > 0)
                f->skip--;
            pp = &f->next;
            continue;
        }
        *pp = f->next;
        *out = *f;
        out->next = NULL;
        free(f);
        taken = 1;
    }
    pthread_mutex_unlock(&fault_mu);
    return taken;
}

/* Append a copy of f (strings move) to the list. Returns 0 or -1 (out of memory). */
static int fault_arm(wire_fault *f)
{
    wire_fault *n = malloc(sizeof(*n)), **pp;
    if (!n)
        return -1;
    *n = *f;
    n->next = NULL;
    memset(f, 0, sizeof(*f));
    pthread_mutex_lock(&fault_mu);
    for (pp = &fault_list; *pp; pp = &(*pp)->next)
        ;
    *pp = n;
    pthread_mutex_unlock(&fault_mu);
    return 0;
}

/* ---- control statements ------------------------------------------------------------ */

/* 1 if sql starts with the word MOSIM. */
int wire_fault_is_control(const char *sql, size_t len)
{
    ctl_lex x = {sql, sql + len, sql};
    return lex_kw(&x, "MOSIM");
}

/* Parse the [MATCH '..'] [SKIP k] [SQLSTATE '..'] tail into f (SQLSTATE only when
** allow_state). Returns 1 when the rest of the statement was consumed. */
static int parse_opts(ctl_lex *x, wire_fault *f, int allow_state)
{
    char *s = NULL;
    for (;;) {
        if (lex_end(x))
            return 1;
        if (!f->match && lex_kw(x, "MATCH")) {
            if (!lex_str(x, &f->match))
                return 0;
        } else if (lex_kw(x, "SKIP")) {
            if (!lex_uint(x, &f->skip))
                return 0;
        } else if (allow_state && lex_kw(x, "SQLSTATE")) {
            if (!lex_str(x, &s))
                return 0;
            if (strlen(s) != 5) {
                free(s);
                return 0;
            }
            memcpy(f->sqlstate, s, 6);
            free(s);
            s = NULL;
        } else {
            return 0;
        }
    }
}

/* Render a fault's kind for MOSIM STATUS. */
static void kind_text(const wire_fault *f, char *buf, size_t n)
{
    static const char *lies[] = {"COLUMNS", "NULL", "RANGE", "HUGE", "SHORTROW"};
    switch (f->kind) {
    case FAULT_CLOSE:
        snprintf(buf, n, "CLOSE AFTER %" PRIu64 " ROWS", f->n);
        break;
    case FAULT_DROP:
        snprintf(buf, n, "DROP REPLY");
        break;
    case FAULT_ERROR:
        snprintf(buf, n, "ERROR %u", f->code);
        break;
    case FAULT_MALFORMED:
        snprintf(buf, n, "MALFORMED");
        break;
    case FAULT_STALL:
        snprintf(buf, n, "STALL");
        break;
    case FAULT_LIE:
        snprintf(buf, n, "LIE %s", lies[f->lie]);
        break;
    default:
        snprintf(buf, n, "?");
        break;
    }
}

/* MOSIM STATUS: columns kind, match, remaining; one row per armed fault. */
static void control_status(const mosim_sink *out)
{
    static const mosim_col cols[3] = {
        {"kind", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 256, 0, 0},
        {"match", MOSIM_TYPE_VAR_STRING, MOSIM_CHARSET_UTF8MB4, 4096, 0, 0},
        {"remaining", MOSIM_TYPE_LONGLONG, MOSIM_CHARSET_BINARY, 20, MOSIM_FLAG_BINARY, 0},
    };
    char kind[64], num[32];
    const char *vals[3];
    size_t lens[3];
    wire_fault *f;
    if (out->columns(out->ctx, 3, cols) != 0)
        return;
    pthread_mutex_lock(&fault_mu);
    if (fault_delay_ms) {
        snprintf(kind, sizeof(kind), "DELAY %" PRIu64, fault_delay_ms);
        vals[0] = kind;
        lens[0] = strlen(kind);
        vals[1] = vals[2] = NULL;
        lens[1] = lens[2] = 0;
        out->row(out->ctx, 3, vals, lens);
    }
    for (f = fault_list; f; f = f->next) {
        kind_text(f, kind, sizeof(kind));
        snprintf(num, sizeof(num), "%" PRIu64, f->skip);
        vals[0] = kind;
        lens[0] = strlen(kind);
        vals[1] = f->match;
        lens[1] = f->match ? strlen(f->match) : 0;
        vals[2] = num;
        lens[2] = strlen(num);
        if (out->row(out->ctx, 3, vals, lens) != 0)
            break;
    }
    pthread_mutex_unlock(&fault_mu);
    out->done(out->ctx);
}

/* Parse the words after MOSIM FAULT into f. Returns 1 on success. */
static int parse_fault(ctl_lex *x, wire_fault *f)
{
    static const char *lies[] = {"COLUMNS", "NULL", "RANGE", "HUGE", "SHORTROW"};
    uint64_t v;
    size_t i;
    if (lex_kw(x, "CLOSE")) {
        f->kind = FAULT_CLOSE;
        return lex_kw(x, "AFTER") && lex_uint(x, &f->n) && lex_kw(x, "ROWS") && parse_opts(x, f, 0);
    }
    if (lex_kw(x, "DROP")) {
        f->kind = FAULT_DROP;
        return lex_kw(x, "REPLY") && parse_opts(x, f, 0);
    }
    if (lex_kw(x, "ERROR")) {
        f->kind = FAULT_ERROR;
        memcpy(f->sqlstate, "HY000", 6);
        if (!lex_uint(x, &v) || v == 0 || v > 65535 || !lex_str(x, &f->message))
            return 0;
        f->code = (uint16_t)v;
        return parse_opts(x, f, 1);
    }
    if (lex_kw(x, "MALFORMED")) {
        f->kind = FAULT_MALFORMED;
        return parse_opts(x, f, 0);
    }
    if (lex_kw(x, "STALL")) {
        f->kind = FAULT_STALL;
        return parse_opts(x, f, 0);
    }
    if (lex_kw(x, "LIE")) {
        f->kind = FAULT_LIE;
        for (i = 0; i < sizeof(lies) / sizeof(lies[0]); i++)
            if (lex_kw(x, lies[i])) {
                f->lie = (lie_kind)i;
                return parse_opts(x, f, 0);
            }
        return 0;
    }
    return 0;
}

/* See wire.h. Errors in a control statement are ERR 1064 with the text from where the
** parse stopped. */
void wire_fault_control(const char *sql, size_t len, const mosim_sink *out)
{
    ctl_lex x = {sql, sql + len, sql};
    wire_fault f;
    uint64_t ms;
    char msg[300];
    memset(&f, 0, sizeof(f));
    lex_kw(&x, "MOSIM");
    if (lex_kw(&x, "STATUS")) {
        if (!lex_end(&x))
            goto syntax;
        control_status(out);
        goto done;
    }
    if (!lex_kw(&x, "FAULT"))
        goto syntax;
    if (lex_kw(&x, "CLEAR")) {
        if (!lex_end(&x))
            goto syntax;
        wire_fault_clear_all();
        out->ok(out->ctx, 0, NULL);
        goto done;
    }
    if (lex_kw(&x, "DELAY")) {
        if (!lex_uint(&x, &ms) || !lex_end(&x))
            goto syntax;
        pthread_mutex_lock(&fault_mu);
        fault_delay_ms = ms;
        pthread_mutex_unlock(&fault_mu);
        out->ok(out->ctx, 0, NULL);
        goto done;
    }
    if (!parse_fault(&x, &f))
        goto syntax;
    if (fault_arm(&f) != 0)
        out->err(out->ctx, 1105, "HY000", "mosim: out of memory");
    else
        out->ok(out->ctx, 0, NULL);
    goto done;
syntax:
    snprintf(msg, sizeof(msg), "mosim: syntax error in control statement near '%.*s'",
             (int)(x.end - x.tok > 200 ? 200 : x.end - x.tok), x.tok);
    out->err(out->ctx, 1064, "HY000", msg);
done:
    wire_fault_free(&f);
}
