/*
** rowindex.c: a small open-addressing hash from 32-bit hashes to row indexes (pure).
**
** Usage:
**     mopitr_rowindex ix;
**     mopitr_rowindex_init(&ix);
**     mopitr_rowindex_reserve(&ix, nRow);             -- optional: no regrowth after
**     mopitr_rowindex_add(&ix, mopitr_hash_nocase(z, -1), iRow);
**     unsigned it = mopitr_rowindex_begin(&ix, h);
**     while ((i = mopitr_rowindex_next(&ix, h, &it)) >= 0)
**         if (the row really matches) ...              -- hashes collide: check
**     mopitr_rowindex_clear(&ix);
**
** How it works: a multimap. Each slot holds a hash and a value (-1: empty); linear
** probing from the hash's home slot, at most half the slots used, no deletions (a
** caller whose rows change adds the new position and skips stale ones when it
** checks, or rebuilds). The values of one hash come back in the order they were added
** as long as the table did not grow in between (mopitr_rowindex_reserve up front).
** The hashes: mopitr_hash_nocase folds ASCII case as sqlite3_stricmp and NOCASE do,
** so two names those call equal hash equal; mopitr_hash_object covers exactly what
** mopitr_row_same_object (here too, so the two stay together) compares (level, account
** with NULL as the own account below cluster level, database, table).
*/
#include <string.h>

#include "mo_pitr_int.h"

#define ROWINDEX_NULL_MARK 0x9E3779B9u /* mixed in for a NULL field */

/* Forget everything; the index is empty and owns nothing. */
void mopitr_rowindex_init(mopitr_rowindex *p)
{
    memset(p, 0, sizeof(*p));
}

/* Free the slots. NULL is a no-op; the index is empty (and usable) afterwards. */
void mopitr_rowindex_clear(mopitr_rowindex *p)
{
    if (p == NULL)
        return;
    sqlite3_free(p->aSlot);
    memset(p, 0, sizeof(*p));
}

/* Rebuild into nSlot slots (a power of two, > 2 * nUsed). SQLITE_OK or SQLITE_NOMEM. */
static int rowindex_resize(mopitr_rowindex *p, unsigned nSlot)
{
    mopitr_rowindex_slot *aNew = sqlite3_malloc64(sizeof(*aNew) * (size_t)nSlot);
    unsigned i;
    if (aNew == NULL)
        return SQLITE_NOMEM;
    for (i = 0; i < nSlot; i++)
        aNew[i].iVal = -1;
    for (i = 0; i < p->nSlot; i++) {
        unsigned j;
        if (p->aSlot[i].iVal < 0)
            continue;
        for (j = p->aSlot[i].h & (nSlot - 1); aNew[j].iVal >= 0; j = (j + 1) & (nSlot - 1)) {
        }
        aNew[j] = p->aSlot[i];
    }
    sqlite3_free(p->aSlot);
    p->aSlot = aNew;
    p->nSlot = nSlot;
    return SQLITE_OK;
}

/* Make room for n values in all without growing again. SQLITE_OK or SQLITE_NOMEM. */
int mopitr_rowindex_reserve(mopitr_rowindex *p, int n)
{
    unsigned nSlot = p->nSlot ? p->nSlot : 16;
    if (n < 0)
        return SQLITE_OK;
    while (nSlot < 2u * (unsigned)n + 2u)
        nSlot *= 2;
    return nSlot == p->nSlot ? SQLITE_OK : rowindex_resize(p, nSlot);
}

/* Add value iVal (>= 0) under hash h. SQLITE_OK or SQLITE_NOMEM (the index is then
** unchanged). */
int mopitr_rowindex_add(mopitr_rowindex *p, unsigned h, int iVal)
{
    unsigned j;
    if (2u * (unsigned)(p->nUsed + 1) >= p->nSlot) {
        int rc = rowindex_resize(p, p->nSlot ? p->nSlot * 2 : 16);
        if (rc != SQLITE_OK)
            return rc;
    }
    for (j = h & (p->nSlot - 1); p->aSlot[j].iVal >= 0; j = (j + 1) & (p->nSlot - 1)) {
    }
    p->aSlot[j].h = h;
    p->aSlot[j].iVal = iVal;
    p->nUsed++;
    return SQLITE_OK;
}

/* The iterator for hash h (pass it to mopitr_rowindex_next). */
unsigned mopitr_rowindex_begin(const mopitr_rowindex *p, unsigned h)
{
    return p->nSlot ? h & (p->nSlot - 1) : 0;
}

/* The next value added under hash h, or -1 when there is none left. */
int mopitr_rowindex_next(const mopitr_rowindex *p, unsigned h, unsigned *pIt)
{
    unsigned j;
    if (p->nSlot == 0)
        return -1;
    for (j = *pIt; p->aSlot[j].iVal >= 0; j = (j + 1) & (p->nSlot - 1)) {
        if (p->aSlot[j].h == h) {
            *pIt = (j + 1) & (p->nSlot - 1);
            return p->aSlot[j].iVal;
        }
    }
    *pIt = j;
    return -1;
}

/* FNV-1a step over z[0..n) with ASCII upper case folded to lower case. */
static unsigned rowindex_fnv(unsigned h, const char *z, int n)
{
    int i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)z[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char)(c + ('a' - 'A'));
        h = (h ^ c) * 16777619u;
    }
    return h;
}

/* Hash of z[0..n) (n < 0: strlen) ignoring ASCII case; NULL has its own value. */
unsigned mopitr_hash_nocase(const char *z, int n)
{
    if (z == NULL)
        return ROWINDEX_NULL_MARK;
    return rowindex_fnv(2166136261u, z, n < 0 ? (int)strlen(z) : n);
}

/* Do two names (possibly NULL) denote the same object, the way the server compares? */
static int rowindex_same(const char *zA, const char *zB)
{
    if (zA == NULL || zB == NULL)
        return zA == zB;
    return sqlite3_stricmp(zA, zB) == 0;
}

/* Does the stored row pOld protect the same object as the checked new row pNew? */
int mopitr_row_same_object(const mopitr_row *pOld, const mopitr_row *pNew, const char *zOwn)
{
    const char *zAccOld = pOld->az[MOPITR_COL_ACCOUNT];
    const char *zAccNew = pNew->az[MOPITR_COL_ACCOUNT];
    if (pOld->level != pNew->level)
        return 0;
    if (pNew->level != MOPITR_LEVEL_CLUSTER) {
        if (zAccOld == NULL)
            zAccOld = zOwn;
        if (zAccNew == NULL)
            zAccNew = zOwn;
    }
    return rowindex_same(zAccOld, zAccNew) &&
           rowindex_same(pOld->az[MOPITR_COL_DATABASE], pNew->az[MOPITR_COL_DATABASE]) &&
           rowindex_same(pOld->az[MOPITR_COL_TABLE], pNew->az[MOPITR_COL_TABLE]);
}

/* Mix field z (NULL allowed) into h. */
static unsigned rowindex_mix(unsigned h, const char *z)
{
    h = (h ^ (z ? mopitr_hash_nocase(z, -1) : ROWINDEX_NULL_MARK)) * 16777619u;
    return h ^ (h >> 15);
}

/* Hash of the object row r protects, as mopitr_row_same_object compares it (zOwn: the
** connection's own account, standing in for a NULL account below cluster level). */
unsigned mopitr_hash_object(const mopitr_row *r, const char *zOwn)
{
    const char *zAcc = r->az[MOPITR_COL_ACCOUNT];
    unsigned h = 2166136261u ^ (unsigned)r->level;
    if (zAcc == NULL && r->level != MOPITR_LEVEL_CLUSTER)
        zAcc = zOwn;
    h = rowindex_mix(h, zAcc);
    h = rowindex_mix(h, r->az[MOPITR_COL_DATABASE]);
    return rowindex_mix(h, r->az[MOPITR_COL_TABLE]);
}
