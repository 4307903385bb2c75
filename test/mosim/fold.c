/*
** fold.c: lower-casing of identifiers the way MatrixOne does it (Go's strings.ToLower).
**
** Usage:
**     char buf[256];
**     mo_lower_buf(buf, sizeof(buf), "ÄBC", 4);   -> buf = "äbc", returns 4
**     mo_lower(s);                                 in place (see the caveat below)
**
** How it works: MatrixOne stores every `ident` lower-cased with Go's Unicode-aware
** strings.ToLower (spec 1.1), so `ÄBC` and `äbc` name the same PITR, database, table or
** account. The text is decoded as UTF-8 (strict: no overlong forms, no surrogates, nothing
** above U+10FFFF); every code point goes through towlower_l() in a private "C.UTF-8"
** locale, which in glibc carries Unicode's simple lower-case mapping for all scripts (the
** mapping Go's unicode.ToLower uses). Bytes that are not valid UTF-8 pass unchanged
** (Go would turn them into U+FFFD; assumed irrelevant for real names). The locale is made
** once (pthread_once) with newlocale(), so the process locale is never touched and the
** wire half's ctype calls keep their "C" behaviour. Without a C.UTF-8 locale only ASCII
** is folded.
**
** Caveat: a few capitals have a longer lower-case encoding (U+023A -> U+2C65, U+023E ->
** U+2C66: 2 -> 3 bytes). mo_lower() works in place and leaves such a character as it is;
** names (mop_ident) and login parts use mo_lower_buf(), which has room for the growth.
*/
#include <locale.h>
#include <pthread.h>
#include <string.h>
#include <wctype.h>

#include "engine.h"

static pthread_once_t fold_once = PTHREAD_ONCE_INIT;
static locale_t fold_loc = (locale_t)0;

/* Create the private C.UTF-8 locale (once per process; kept until exit). */
static void fold_init(void)
{
    fold_loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (fold_loc == (locale_t)0)
        fold_loc = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
}

/* Decode one UTF-8 character at s[0..n). Returns its length (1-4) with *cp set, or 0 when
** s does not start with a valid, shortest-form encoding. */
static int u8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    uint32_t c;
    int len, k;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    }
    if (s[0] >= 0xC2 && s[0] <= 0xDF) {
        len = 2;
        c = s[0] & 0x1F;
    } else if (s[0] >= 0xE0 && s[0] <= 0xEF) {
        len = 3;
        c = s[0] & 0x0F;
    } else if (s[0] >= 0xF0 && s[0] <= 0xF4) {
        len = 4;
        c = s[0] & 0x07;
    } else {
        return 0;
    }
    if ((size_t)len > n)
        return 0;
    for (k = 1; k < len; k++) {
        if ((s[k] & 0xC0) != 0x80)
            return 0;
        c = (c << 6) | (s[k] & 0x3F);
    }
    if ((len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
        (c >= 0xD800 && c <= 0xDFFF))
        return 0;
    *cp = c;
    return len;
}

/* Encode code point c as UTF-8 into out (4 bytes of room). Returns the length. */
static int u8_encode(uint32_t c, unsigned char *out)
{
    if (c < 0x80) {
        out[0] = (unsigned char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (unsigned char)(0xC0 | (c >> 6));
        out[1] = (unsigned char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (unsigned char)(0xE0 | (c >> 12));
        out[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (unsigned char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (unsigned char)(0xF0 | (c >> 18));
    out[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (unsigned char)(0x80 | (c & 0x3F));
    return 4;
}

/* Lower-case one character at s[0..n): its encoded lower-case form goes to out (4 bytes
** of room), *olen = that length. Returns the number of input bytes consumed (>= 1). */
static int fold_char(const unsigned char *s, size_t n, unsigned char *out, int *olen)
{
    uint32_t c;
    int len = u8_decode(s, n, &c);
    if (len == 0) { /* not UTF-8: the byte passes unchanged */
        out[0] = s[0];
        *olen = 1;
        return 1;
    }
    if (c < 0x80) {
        out[0] = (unsigned char)(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
        *olen = 1;
        return 1;
    }
    if (fold_loc != (locale_t)0) {
        wint_t l = towlower_l((wint_t)c, fold_loc);
        uint32_t lc = (uint32_t)l;
        if (lc != c && lc <= 0x10FFFF && !(lc >= 0xD800 && lc <= 0xDFFF)) {
            *olen = u8_encode(lc, out);
            return len;
        }
    }
    memcpy(out, s, (size_t)len);
    *olen = len;
    return len;
}

/* See engine.h. */
size_t mo_lower_buf(char *dst, size_t cap, const char *src, size_t n)
{
    const unsigned char *s = (const unsigned char *)src;
    size_t i = 0, used = 0;
    int full = cap > 0;
    pthread_once(&fold_once, fold_init);
    while (i < n) {
        unsigned char enc[4];
        int olen;
        i += (size_t)fold_char(s + i, n - i, enc, &olen);
        if (full && used + (size_t)olen < cap)
            memcpy(dst + used, enc, (size_t)olen);
        else if (full) { /* truncate at a character boundary */
            dst[used] = 0;
            full = 0;
        }
        used += (size_t)olen;
    }
    if (full)
        dst[used] = 0;
    return used;
}

/* See engine.h. */
char *mo_lower(char *s)
{
    unsigned char *p = (unsigned char *)s, *w = (unsigned char *)s;
    size_t n;
    if (!s)
        return s;
    pthread_once(&fold_once, fold_init);
    n = strlen(s);
    while (n > 0) {
        unsigned char enc[4];
        int olen, used = fold_char(p, n, enc, &olen);
        if (olen > used) { /* would grow: keep the character (see the caveat above) */
            memmove(w, p, (size_t)used);
            w += used;
        } else {
            memcpy(w, enc, (size_t)olen);
            w += olen;
        }
        p += used;
        n -= (size_t)used;
    }
    *w = 0;
    return s;
}
