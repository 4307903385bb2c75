/*
** rwlist.c: the RecoveryWindows list of SHOW RECOVERY_WINDOW, parsed strictly (pure).
**
** Usage:
**     mopitr_rwitem *a; int n; char *zErr;
**     if (mopitr_rwlist_parse(zText, nText, &a, &n, &zErr) == SQLITE_OK) {
**         ... a[i].eSource, a[i].zName, a[i].startSec ... ;
**         mopitr_rwlist_free(a, n);
**     }
**
** What the server sends (spec 8.6; one text per table): a list that is not JSON,
**     [{'start_time':'2026-11-25 14:04:05.123456', 'end_time':'2026-11-25 15:04:05.2',
**       'source':'pitr', 'source_name':'p1'}, {'timestamp':'2026-11-25 12:00:00 +0000 UTC',
**       'source':'snapshot', 'source_name':'sp1'}]
** items joined by ", " and no separator after the last one; snapshots and PITRs mixed,
** in no particular order. Other MatrixOne versions print the same items with double
** quotes and ": " (`{"start_time": "...", ...}`), joined by ",\n" and without the
** brackets. Both are accepted; nothing else is:
**   list  := ws ( '[' ws [items] ws ']' | items ) ws
**   items := item ( ws ',' ws item )*           -- a ',' must be followed by an item
**   item  := '{' ws pair ( ws ',' ws pair )* ws '}'
**   pair  := str ws ':' ws str                   -- str: '...' or "..." (one kind per list)
** A string holds no quote of its kind and no control byte. A PITR item has exactly the
** keys start_time, end_time, source, source_name; a snapshot item exactly timestamp,
** source, source_name; each once, in any order. source_name is not empty. Times:
**   PITR start/end  "YYYY-MM-DD HH:MM:SS" with an optional fraction (up to 9 digits), in
**                   the server process's local zone (bUtc = 0: the caller converts);
**   snapshot        the same, optionally followed by " +hhmm ZONE" (Go's time.String()),
**                   which is applied: the time becomes UTC (bUtc = 1).
** start_time after end_time is refused. Anything else is an error that names the byte
** offset and quotes the offending text (clipped): "mo_pitr: cannot read the recovery
** window list from the server: expected ':' at byte 14, got '...'".
**
** How it works: one pass over the text, a cursor with the quote kind fixed by the
** first string; items go into a growing array, names into their own allocations.
*/
#include "mo_pitr_int.h"

#include <string.h>

#define RWLIST_MAX_ITEMS 1000000

typedef struct rwlist_parser {
    const char *z; /* the list */
    int n;         /* its length */
    int i;         /* cursor */
    char cQuote;   /* 0 until the first string, then ' or " */
    char **pzErr;
} rwlist_parser;

/* Set the error "<what> at byte i, got '<clipped rest>'" (or "at the end"). SQLITE_ERROR,
** SQLITE_NOMEM when the message cannot be made. */
static int rwlist_err(rwlist_parser *p, int i, const char *zWhat)
{
    char aClip[MOPITR_CLIP_SIZE];
    if (i >= p->n)
        *p->pzErr = mopitr_errf("cannot read the recovery window list from the server: %s at "
                                "the end of '%s'",
                                zWhat, mopitr_err_clip(aClip, p->z, p->n));
    else
        *p->pzErr = mopitr_errf("cannot read the recovery window list from the server: %s at "
                                "byte %d, got '%s'",
                                zWhat, i, mopitr_err_clip(aClip, p->z + i, p->n - i));
    return *p->pzErr ? SQLITE_ERROR : SQLITE_NOMEM;
}

/* Skip blanks (space, tab, CR, LF). */
static void rwlist_ws(rwlist_parser *p)
{
    while (p->i < p->n &&
           (p->z[p->i] == ' ' || p->z[p->i] == '\t' || p->z[p->i] == '\n' || p->z[p->i] == '\r'))
        p->i++;
}

/* Consume character c (after blanks) or fail with "expected 'c'". */
static int rwlist_expect(rwlist_parser *p, char c)
{
    char aWhat[32];
    rwlist_ws(p);
    if (p->i < p->n && p->z[p->i] == c) {
        p->i++;
        return SQLITE_OK;
    }
    sqlite3_snprintf((int)sizeof(aWhat), aWhat, "expected '%c'", c);
    return rwlist_err(p, p->i, aWhat);
}

/* Read a quoted string (after blanks): *pzStart and *pn point into the text. */
static int rwlist_string(rwlist_parser *p, const char **pzStart, int *pn)
{
    int j;
    rwlist_ws(p);
    if (p->i >= p->n || (p->z[p->i] != '\'' && p->z[p->i] != '"') ||
        (p->cQuote && p->z[p->i] != p->cQuote))
        return rwlist_err(p, p->i, "expected a quoted string");
    p->cQuote = p->z[p->i];
    for (j = p->i + 1; j < p->n && p->z[j] != p->cQuote; j++) {
        if ((unsigned char)p->z[j] < 0x20)
            return rwlist_err(p, j, "control byte in a string");
    }
    if (j >= p->n)
        return rwlist_err(p, p->i, "unterminated string");
    *pzStart = p->z + p->i + 1;
    *pn = j - p->i - 1;
    p->i = j + 1;
    return SQLITE_OK;
}

/* Parse a snapshot timestamp z[0..n): a time, optionally " +hhmm ZONE" applied to UTC. */
static int rwlist_snapshot_time(const char *z, int n, sqlite3_int64 *pSec, int *pNs, int *pbUtc)
{
    int j = 0, h, m;
    while (j < n && z[j] != ' ')
        j++; /* the date */
    j++;
    while (j < n && z[j] != ' ')
        j++; /* the clock time */
    if (j > n)
        j = n;
    if (!mopitr_time_parse(z, j, pSec, pNs))
        return 0;
    *pbUtc = 0;
    if (j == n)
        return 1;
    /* " +hhmm ZONE": sign, 4 digits, a blank, a zone abbreviation of letters/digits. */
    if (n - j < 8 || z[j] != ' ' || (z[j + 1] != '+' && z[j + 1] != '-') || z[j + 6] != ' ')
        return 0;
    {
        int k, v;
        for (k = j + 2; k < j + 6; k++) {
            if (z[k] < '0' || z[k] > '9')
                return 0;
        }
        h = (z[j + 2] - '0') * 10 + (z[j + 3] - '0');
        m = (z[j + 4] - '0') * 10 + (z[j + 5] - '0');
        if (h > 14 || m > 59)
            return 0;
        for (k = j + 7; k < n; k++) {
            char c = z[k];
            if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                  c == '+' || c == '-'))
                return 0;
        }
        v = h * 3600 + m * 60;
        *pSec -= z[j + 1] == '-' ? -v : v;
    }
    *pbUtc = 1;
    return 1;
}

/* Keys of an item. */
enum { RW_K_START = 0, RW_K_END, RW_K_TS, RW_K_SOURCE, RW_K_NAME, RW_K_N };

/* Parse one item (the cursor is on '{') into *pItem. */
static int rwlist_item(rwlist_parser *p, mopitr_rwitem *pItem)
{
    static const char *const azKey[RW_K_N] = {"start_time", "end_time", "timestamp", "source",
                                              "source_name"};
    const char *azVal[RW_K_N] = {0};
    int anVal[RW_K_N] = {0}, aAt[RW_K_N] = {0};
    int rc, k, iItem = p->i;
    memset(pItem, 0, sizeof(*pItem));
    if ((rc = rwlist_expect(p, '{')) != SQLITE_OK)
        return rc;
    for (;;) {
        const char *zKey, *zVal;
        int nKey, nVal, iKey;
        rwlist_ws(p);
        iKey = p->i;
        if ((rc = rwlist_string(p, &zKey, &nKey)) != SQLITE_OK)
            return rc;
        for (k = 0; k < RW_K_N; k++) {
            if ((int)strlen(azKey[k]) == nKey && memcmp(azKey[k], zKey, (size_t)nKey) == 0)
                break;
        }
        if (k == RW_K_N)
            return rwlist_err(p, iKey, "unknown key");
        if (azVal[k])
            return rwlist_err(p, iKey, "key given twice");
        if ((rc = rwlist_expect(p, ':')) != SQLITE_OK)
            return rc;
        rwlist_ws(p);
        aAt[k] = p->i + 1;
        if ((rc = rwlist_string(p, &zVal, &nVal)) != SQLITE_OK)
            return rc;
        azVal[k] = zVal;
        anVal[k] = nVal;
        rwlist_ws(p);
        if (p->i < p->n && p->z[p->i] == ',') {
            p->i++;
            continue;
        }
        if ((rc = rwlist_expect(p, '}')) != SQLITE_OK)
            return rc;
        break;
    }
    if (azVal[RW_K_SOURCE] == NULL)
        return rwlist_err(p, iItem, "item without 'source'");
    if (azVal[RW_K_NAME] == NULL || anVal[RW_K_NAME] == 0)
        return rwlist_err(p, iItem, "item without 'source_name'");
    if (anVal[RW_K_SOURCE] == 4 && memcmp(azVal[RW_K_SOURCE], "pitr", 4) == 0) {
        pItem->eSource = MOPITR_RW_PITR;
        if (azVal[RW_K_START] == NULL || azVal[RW_K_END] == NULL || azVal[RW_K_TS] != NULL)
            return rwlist_err(p, iItem, "a pitr item needs exactly start_time and end_time");
        if (!mopitr_time_parse(azVal[RW_K_START], anVal[RW_K_START], &pItem->startSec,
                               &pItem->startNs))
            return rwlist_err(p, aAt[RW_K_START], "bad start_time");
        if (!mopitr_time_parse(azVal[RW_K_END], anVal[RW_K_END], &pItem->endSec, &pItem->endNs))
            return rwlist_err(p, aAt[RW_K_END], "bad end_time");
        if (pItem->startSec > pItem->endSec ||
            (pItem->startSec == pItem->endSec && pItem->startNs > pItem->endNs))
            return rwlist_err(p, aAt[RW_K_START], "start_time after end_time");
    } else if (anVal[RW_K_SOURCE] == 8 && memcmp(azVal[RW_K_SOURCE], "snapshot", 8) == 0) {
        pItem->eSource = MOPITR_RW_SNAPSHOT;
        if (azVal[RW_K_TS] == NULL || azVal[RW_K_START] != NULL || azVal[RW_K_END] != NULL)
            return rwlist_err(p, iItem, "a snapshot item needs exactly timestamp");
        if (!rwlist_snapshot_time(azVal[RW_K_TS], anVal[RW_K_TS], &pItem->startSec, &pItem->startNs,
                                  &pItem->bUtc))
            return rwlist_err(p, aAt[RW_K_TS], "bad timestamp");
        pItem->endSec = pItem->startSec;
        pItem->endNs = pItem->startNs;
    } else {
        return rwlist_err(p, aAt[RW_K_SOURCE], "source is neither 'pitr' nor 'snapshot'");
    }
    pItem->zName = sqlite3_mprintf("%.*s", anVal[RW_K_NAME], azVal[RW_K_NAME]);
    return pItem->zName ? SQLITE_OK : SQLITE_NOMEM;
}

/* Free n items and the array (NULL is a no-op). */
void mopitr_rwlist_free(mopitr_rwitem *a, int n)
{
    int i;
    for (i = 0; a && i < n; i++)
        sqlite3_free(a[i].zName);
    sqlite3_free(a);
}

/*
** Parse the list z[0..n) (see the file comment). On success *paItem (sqlite3_malloc'd, free
** with mopitr_rwlist_free; NULL when empty) and *pnItem. Else SQLITE_ERROR with *pzErr,
** or SQLITE_NOMEM; nothing is returned then. z may hold a NUL byte (it is an error).
*/
int mopitr_rwlist_parse(const char *z, int n, mopitr_rwitem **paItem, int *pnItem, char **pzErr)
{
    rwlist_parser p;
    mopitr_rwitem *a = NULL;
    int nItem = 0, nAlloc = 0, rc = SQLITE_OK, bBracket;

    *paItem = NULL;
    *pnItem = 0;
    memset(&p, 0, sizeof(p));
    p.z = z ? z : "";
    p.n = z ? n : 0;
    p.pzErr = pzErr;
    if (memchr(p.z, 0, (size_t)p.n)) {
        rc = rwlist_err(&p, (int)((const char *)memchr(p.z, 0, (size_t)p.n) - p.z), "NUL byte");
        goto out;
    }
    rwlist_ws(&p);
    bBracket = p.i < p.n && p.z[p.i] == '[';
    if (bBracket) {
        p.i++;
        rwlist_ws(&p);
    }
    if (!(bBracket && p.i < p.n && p.z[p.i] == ']')) {
        for (;;) {
            if (nItem == nAlloc) {
                int nNew = nAlloc ? nAlloc * 2 : 8;
                mopitr_rwitem *aNew;
                if (nNew > RWLIST_MAX_ITEMS) {
                    rc = rwlist_err(&p, p.i, "too many items");
                    goto out;
                }
                aNew = sqlite3_realloc64(a, sizeof(*a) * (size_t)nNew);
                if (aNew == NULL) {
                    rc = SQLITE_NOMEM;
                    goto out;
                }
                a = aNew;
                nAlloc = nNew;
            }
            rwlist_ws(&p);
            if (p.i >= p.n || p.z[p.i] != '{') {
                rc = rwlist_err(&p, p.i, nItem ? "expected an item after ','" : "expected an item");
                goto out;
            }
            rc = rwlist_item(&p, &a[nItem]);
            if (rc != SQLITE_OK) {
                sqlite3_free(a[nItem].zName);
                goto out;
            }
            nItem++;
            rwlist_ws(&p);
            if (p.i < p.n && p.z[p.i] == ',') {
                p.i++;
                continue;
            }
            break;
        }
    }
    if (bBracket && (rc = rwlist_expect(&p, ']')) != SQLITE_OK)
        goto out;
    rwlist_ws(&p);
    if (p.i < p.n) {
        rc = rwlist_err(&p, p.i, bBracket ? "text after ']'" : "expected ','");
        goto out;
    }
    *paItem = a;
    *pnItem = nItem;
    a = NULL;
    nItem = 0;
out:
    mopitr_rwlist_free(a, nItem);
    return rc;
}
