/*
** plan.c: WHERE pushdown for the mo_pitr virtual table (pure).
**
** Usage (xBestIndex / xFilter / cached rescans):
**     if (mopitr_plan_usable_coll(iCol, op, sqlite3_vtab_collation(pInfo, i), &bExact)) ...
**     pInfo->idxStr = mopitr_plan_template(aTerm, nTerm);
**         -> "SHOW PITR WHERE pitr_level = ? AND pitr_name IN (?) AND pitr_length > ?"
**     n = mopitr_plan_parse(idxStr, aTerm, nMax);          -- in xFilter
**     zSql = mopitr_plan_render(aArg, n, bNoBackslashEscapes);
**         -> "SHOW PITR WHERE pitr_level = 'cluster' AND pitr_name IN ('a', 'b') AND ..."
**     if (mopitr_plan_match(&row, aArg, n)) ...            -- a cached row qualifies
**
** What is pushed. Columns and their SHOW PITR names:
**     name pitr_name, level pitr_level, account_name, database_name, table_name,
**     range_value pitr_length, range_unit pitr_unit.
** Not the times: MatrixOne renders them in the session zone and compares datetimes.
** Operators: = (and IN, all values in one "IN (...)"), <>, <, <=, >, >=, IS NULL,
** IS NOT NULL on all seven; LIKE on the text columns (not on range_value).
**
** Why it is exact (omit=1) for everything but LIKE:
**   - Text columns are COLLATE NOCASE in the vtab and MatrixOne stores them lower case
**     (names are folded by its parser, levels and units are lower case), so SQLite's
**     NOCASE comparison with a value v equals the server's binary comparison with
**     ascii_lower(v): NOCASE folds ASCII only and compares bytes, like the server's
**     binary order of UTF-8. The value is rendered as SQLite's TEXT affinity would
**     convert it: TEXT as is, INTEGER "%lld", FLOAT "%!.15g" ("1.0", "1.0e+20").
**     A BLOB is never equal to text and sorts after all text, so it renders as a
**     constant (1=0) or as "column is not NULL". A TEXT value holding a NUL byte
**     compares as its prefix followed by the smallest byte; it is rewritten on the
**     prefix (= never, < becomes <=, >= becomes >).
**     Only the default NOCASE collation is exact: mopitr_plan_usable_coll refuses a
**     comparison with another collation (e.g. `name = 'X' COLLATE BINARY`). Note that
**     sqlite3_vtab_collation() answers "BINARY" for every "auxiliary" constraint (<>,
**     IS NOT NULL, LIKE: SQLite 3.40 builds them without a left operand), so <> on a
**     text column is never pushed: its collation cannot be known. IS [NOT] NULL and LIKE
**     do not depend on the collation and are always usable.
**     Known limit: when the right side of the comparison has numeric affinity (a CAST
**     to INTEGER, a join with an INTEGER column), SQLite compares numerically and
**     '05' = 5 holds locally but not on the server. Plain literals, parameters and
**     text columns are exact.
**   - NULL where MatrixOne shows '*': account_name at cluster level, database_name at
**     cluster/account level, table_name unless table level (value.c). IS NULL renders
**     as `(table_name = '*' AND pitr_level <> 'table')` and its kind; a comparison that
**     '*' itself would satisfy (`account_name < 'a'`) is wrapped with the IS NOT NULL
**     form so the '*' rows stay out, as they do in SQLite.
**   - range_value holds integers 0..255 (tinyint unsigned; value.c refuses others).
**     INTEGER and FLOAT bounds become integer bounds (`> 2.5` -> `> 2`), clamped so no
**     literal outside 0..255 is ever sent; TEXT that reads as a number is converted
**     (numeric affinity); other TEXT and BLOB sort after every integer, so the term is
**     a constant (`< 'abc'` is 1=1, `= 'abc'` is 1=0).
**   - A NULL bound value never compares true: the term is 1=0. An IN list skips NULLs
**     and values that cannot be equal; an empty list is 1=0.
**   - LIKE is a superset filter (omit=0, SQLite re-checks): SQLite's LIKE ignores ASCII
**     case, MatrixOne's is binary; the server values are lower case, so a lower-cased
**     pattern finds every row SQLite's LIKE finds. '_' is sent as '%' (a superset
**     whether the server's '_' matches a byte or a character), and a pattern with a
**     backslash (MatrixOne's default LIKE escape), a NUL byte, a BLOB, or on '*' rows is
**     not filtered on the server at all (1=1).
** mopitr_plan_match evaluates the same arguments on a decoded row with SQLite's own
** semantics (NOCASE, affinity, LIKE via sqlite3_strlike, a BLOB pattern as the host's
** LIKE_DOESNT_MATCH_BLOBS option says); the unit tests check that it
** agrees with real SQLite and with the rendered SQL, row by row.
**
** idxStr grammar (what mopitr_plan_parse accepts back): "SHOW PITR" or
** "SHOW PITR WHERE " term (" AND " term)*, term = remote-column ( "= ?" | "IN (?)" |
** "<> ?" | "< ?" | "<= ?" | "> ?" | ">= ?" | "IS NULL" | "IS NOT NULL" | "LIKE ?" ).
*/
#include "mo_pitr_int.h"

#include <string.h>

/* SHOW PITR column for a pushable MOPITR_COL_*, else NULL. */
static const char *plan_remote(int iCol)
{
    switch (iCol) {
    case MOPITR_COL_NAME:
        return "pitr_name";
    case MOPITR_COL_LEVEL:
        return "pitr_level";
    case MOPITR_COL_ACCOUNT:
        return "account_name";
    case MOPITR_COL_DATABASE:
        return "database_name";
    case MOPITR_COL_TABLE:
        return "table_name";
    case MOPITR_COL_RANGE_VALUE:
        return "pitr_length";
    case MOPITR_COL_RANGE_UNIT:
        return "pitr_unit";
    default:
        return NULL;
    }
}

/* Operators and their template text (the value placeholder included). */
static const struct {
    unsigned char op;
    const char *zTmpl; /* after "column " */
    const char *zSql;  /* SQL operator for comparisons, NULL otherwise */
} aPlanOp[] = {
    {SQLITE_INDEX_CONSTRAINT_EQ, "= ?", "="},
    {SQLITE_INDEX_CONSTRAINT_NE, "<> ?", "<>"},
    {SQLITE_INDEX_CONSTRAINT_LT, "< ?", "<"},
    {SQLITE_INDEX_CONSTRAINT_LE, "<= ?", "<="},
    {SQLITE_INDEX_CONSTRAINT_GT, "> ?", ">"},
    {SQLITE_INDEX_CONSTRAINT_GE, ">= ?", ">="},
    {SQLITE_INDEX_CONSTRAINT_ISNULL, "IS NULL", NULL},
    {SQLITE_INDEX_CONSTRAINT_ISNOTNULL, "IS NOT NULL", NULL},
    {SQLITE_INDEX_CONSTRAINT_LIKE, "LIKE ?", NULL},
};
#define PLAN_NOP ((int)(sizeof(aPlanOp) / sizeof(aPlanOp[0])))

/* Index into aPlanOp for op, or -1. */
static int plan_op_find(int op)
{
    int i;
    for (i = 0; i < PLAN_NOP; i++) {
        if (aPlanOp[i].op == op)
            return i;
    }
    return -1;
}

/* Is op a comparison (=, <>, <, <=, >, >=)? */
static int plan_is_cmp(int op)
{
    int i = plan_op_find(op);
    return i >= 0 && aPlanOp[i].zSql != NULL;
}

/* Can a NULL in the vtab column come from a '*' on the server? */
static int plan_nullable(int iCol)
{
    return iCol == MOPITR_COL_ACCOUNT || iCol == MOPITR_COL_DATABASE || iCol == MOPITR_COL_TABLE;
}

/*
** Can constraint (iCol, op) under collation zColl (NULL: the column's own) be sent to
** the server? Sets *pbExact when the server's answer is exactly SQLite's. Returns 1/0.
*/
int mopitr_plan_usable_coll(int iCol, int op, const char *zColl, int *pbExact)
{
    *pbExact = 0;
    if (plan_remote(iCol) == NULL || plan_op_find(op) < 0)
        return 0;
    if (op == SQLITE_INDEX_CONSTRAINT_LIKE)
        return iCol != MOPITR_COL_RANGE_VALUE;
    if (plan_is_cmp(op) && iCol != MOPITR_COL_RANGE_VALUE && zColl &&
        sqlite3_stricmp(zColl, "NOCASE") != 0)
        return 0;
    *pbExact = 1;
    return 1;
}

/* mopitr_plan_usable_coll with the column's own collation. */
int mopitr_plan_usable(int iCol, int op, int *pbExact)
{
    return mopitr_plan_usable_coll(iCol, op, NULL, pbExact);
}

/*
** The template (idxStr) for aTerm[0..nTerm): see the grammar in the manual. Caller
** frees. NULL on OOM or for a term that is not usable.
*/
char *mopitr_plan_template(const mopitr_term *aTerm, int nTerm)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int i, bBad = 0;

    sqlite3_str_appendall(pStr, "SHOW PITR");
    for (i = 0; i < nTerm; i++) {
        const char *zCol = plan_remote(aTerm[i].iCol);
        int k = plan_op_find(aTerm[i].op);
        if (zCol == NULL || k < 0) {
            bBad = 1;
            break;
        }
        sqlite3_str_appendall(pStr, i == 0 ? " WHERE " : " AND ");
        if (aTerm[i].bIn && aTerm[i].op == SQLITE_INDEX_CONSTRAINT_EQ)
            sqlite3_str_appendf(pStr, "%s IN (?)", zCol);
        else
            sqlite3_str_appendf(pStr, "%s %s", zCol, aPlanOp[k].zTmpl);
    }
    if (bBad || sqlite3_str_errcode(pStr) != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(pStr));
        return NULL;
    }
    return sqlite3_str_finish(pStr);
}

/* Parse one term z[0..n) into *pTerm. Returns 0, or -1 if it is not a template term. */
static int plan_parse_term(const char *z, int n, mopitr_term *pTerm)
{
    int iCol, k;
    for (iCol = 0; iCol < MOPITR_NCOL; iCol++) {
        const char *zCol = plan_remote(iCol);
        int nCol;
        if (zCol == NULL)
            continue;
        nCol = (int)strlen(zCol);
        if (n <= nCol + 1 || memcmp(z, zCol, (size_t)nCol) != 0 || z[nCol] != ' ')
            continue;
        z += nCol + 1;
        n -= nCol + 1;
        memset(pTerm, 0, sizeof(*pTerm));
        pTerm->iCol = iCol;
        if (n == 6 && memcmp(z, "IN (?)", 6) == 0) {
            pTerm->op = SQLITE_INDEX_CONSTRAINT_EQ;
            pTerm->bIn = 1;
            return 0;
        }
        for (k = 0; k < PLAN_NOP; k++) {
            if ((int)strlen(aPlanOp[k].zTmpl) == n && memcmp(z, aPlanOp[k].zTmpl, (size_t)n) == 0) {
                pTerm->op = aPlanOp[k].op;
                return 0;
            }
        }
        return -1;
    }
    return -1;
}

/*
** Parse a template made by mopitr_plan_template back into aTerm[0..nMax). Returns the
** number of terms, or -1 when zTemplate is not a template or has more than nMax terms.
*/
int mopitr_plan_parse(const char *zTemplate, mopitr_term *aTerm, int nMax)
{
    const char *z;
    int nTerm = 0;

    if (zTemplate == NULL || strncmp(zTemplate, "SHOW PITR", 9) != 0)
        return -1;
    z = zTemplate + 9;
    if (*z == 0)
        return 0;
    if (strncmp(z, " WHERE ", 7) != 0)
        return -1;
    z += 7;
    for (;;) {
        const char *zAnd = strstr(z, " AND ");
        int n = zAnd ? (int)(zAnd - z) : (int)strlen(z);
        if (nTerm >= nMax || plan_parse_term(z, n, &aTerm[nTerm]) != 0)
            return -1;
        nTerm++;
        if (zAnd == NULL)
            break;
        z = zAnd + 5;
    }
    return nTerm;
}

/* ------------------------------------------------------------------ values */

/* A value as text for a text column, as SQLite's TEXT affinity makes it. */
typedef struct plan_text {
    int eKind;     /* PT_TEXT, PT_NULL, PT_BLOB */
    const char *z; /* bytes (aBuf or the value's own) */
    int n;         /* bytes in z */
    char aBuf[40]; /* INTEGER / FLOAT rendering */
} plan_text;
enum { PT_TEXT = 0, PT_NULL, PT_BLOB };

/* Fill *pT from *pVal (TEXT affinity: numbers become their SQLite text form). */
static void plan_text_of(const mopitr_val *pVal, plan_text *pT)
{
    pT->z = pT->aBuf;
    pT->n = 0;
    switch (pVal->eType) {
    case SQLITE_INTEGER:
        pT->eKind = PT_TEXT;
        sqlite3_snprintf((int)sizeof(pT->aBuf), pT->aBuf, "%lld", pVal->i);
        pT->n = (int)strlen(pT->aBuf);
        break;
    case SQLITE_FLOAT:
        pT->eKind = PT_TEXT;
        sqlite3_snprintf((int)sizeof(pT->aBuf), pT->aBuf, "%!.15g", pVal->r);
        pT->n = (int)strlen(pT->aBuf);
        break;
    case SQLITE_TEXT:
        pT->eKind = PT_TEXT;
        pT->z = pVal->z ? pVal->z : "";
        pT->n = pVal->z ? pVal->n : 0;
        break;
    case SQLITE_BLOB:
        pT->eKind = PT_BLOB;
        break;
    default:
        pT->eKind = PT_NULL;
        break;
    }
}

/* ASCII lower case of one byte. */
static unsigned char plan_lower(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* SQLite's NOCASE comparison of a[0..na) and b[0..nb): <0, 0, >0. */
static int plan_nocase_cmp(const char *a, int na, const char *b, int nb)
{
    int i, n = na < nb ? na : nb;
    for (i = 0; i < n; i++) {
        int d = plan_lower((unsigned char)a[i]) - plan_lower((unsigned char)b[i]);
        if (d)
            return d;
    }
    return na - nb;
}

/* Does "cmp op 0" hold (cmp is a comparison result)? */
static int plan_holds(int op, int cmp)
{
    switch (op) {
    case SQLITE_INDEX_CONSTRAINT_EQ:
        return cmp == 0;
    case SQLITE_INDEX_CONSTRAINT_NE:
        return cmp != 0;
    case SQLITE_INDEX_CONSTRAINT_LT:
        return cmp < 0;
    case SQLITE_INDEX_CONSTRAINT_LE:
        return cmp <= 0;
    case SQLITE_INDEX_CONSTRAINT_GT:
        return cmp > 0;
    case SQLITE_INDEX_CONSTRAINT_GE:
        return cmp >= 0;
    default:
        return 0;
    }
}

/*
** Compare the integer column value x with *pVal as SQLite does for an INTEGER-affinity
** column (numeric affinity on TEXT). Sets *pCmp; returns 0 when the value is NULL
** (the comparison is then never true).
*/
static int plan_num_cmp(sqlite3_int64 x, const mopitr_val *pVal, int *pCmp)
{
    sqlite3_int64 i = 0;
    double r = 0;
    int e;
    switch (pVal->eType) {
    case SQLITE_NULL:
        return 0;
    case SQLITE_INTEGER:
        *pCmp = x < pVal->i ? -1 : x > pVal->i;
        return 1;
    case SQLITE_FLOAT:
        r = pVal->r;
        break;
    case SQLITE_TEXT:
        e = mopitr_text_num(pVal->z ? pVal->z : "", pVal->z ? pVal->n : 0, &i, &r);
        if (e == 1) {
            *pCmp = x < i ? -1 : x > i;
            return 1;
        }
        if (e == 0) {
            *pCmp = -1; /* INTEGER sorts before TEXT */
            return 1;
        }
        break;
    default:
        *pCmp = -1; /* INTEGER sorts before BLOB */
        return 1;
    }
    *pCmp = (double)x < r ? -1 : (double)x > r;
    return 1;
}

/* ------------------------------------------------------------------ rendering */

/* floor() for |r| <= 2000 (values are clamped first), without libm. */
static int plan_floor(double r)
{
    int k = (int)r;
    return (double)k > r ? k - 1 : k;
}

/* ceil() for |r| <= 2000, without libm. */
static int plan_ceil(double r)
{
    int k = (int)r;
    return (double)k < r ? k + 1 : k;
}

/* Append the "column IS NULL" form for iCol (constant for columns never NULL). */
static void plan_put_isnull(sqlite3_str *pStr, int iCol, int bNot)
{
    switch (iCol) {
    case MOPITR_COL_ACCOUNT:
        sqlite3_str_appendall(pStr, bNot ? "(account_name <> '*' OR pitr_level <> 'cluster')"
                                         : "(account_name = '*' AND pitr_level = 'cluster')");
        break;
    case MOPITR_COL_DATABASE:
        sqlite3_str_appendall(pStr, bNot ? "(database_name <> '*' OR pitr_level NOT IN "
                                           "('cluster', 'account'))"
                                         : "(database_name = '*' AND pitr_level IN "
                                           "('cluster', 'account'))");
        break;
    case MOPITR_COL_TABLE:
        sqlite3_str_appendall(pStr, bNot ? "(table_name <> '*' OR pitr_level = 'table')"
                                         : "(table_name = '*' AND pitr_level <> 'table')");
        break;
    default:
        sqlite3_str_appendall(pStr, bNot ? "1=1" : "1=0");
        break;
    }
}

/* Append the lower-cased text z[0..n) as a string literal; '_' -> '%' when bLike. */
static int plan_put_text(sqlite3_str *pStr, const char *z, int n, int bLike, int bNbe)
{
    char aBuf[256];
    char *zLow = n < (int)sizeof(aBuf) ? aBuf : sqlite3_malloc64((sqlite3_uint64)n + 1);
    int i, bBad;
    if (zLow == NULL)
        return 1; /* OOM: the caller gives up (NULL) */
    for (i = 0; i < n; i++) {
        zLow[i] = (char)plan_lower((unsigned char)z[i]);
        if (bLike && zLow[i] == '_')
            zLow[i] = '%';
    }
    zLow[n] = 0;
    bBad = mopitr_sql_append_string(pStr, zLow, n, bNbe);
    if (zLow != aBuf)
        sqlite3_free(zLow);
    return bBad;
}

/* Render a comparison on a text column. Returns 1 on a refused value (never here). */
static int plan_put_text_cmp(sqlite3_str *pStr, int iCol, int op, const mopitr_val *pVal, int bNbe)
{
    const char *zCol = plan_remote(iCol);
    const char *zOp = aPlanOp[plan_op_find(op)].zSql;
    plan_text t;
    const char *zNul;
    int n, bStar, bBad;

    plan_text_of(pVal, &t);
    if (t.eKind == PT_NULL) {
        sqlite3_str_appendall(pStr, "1=0");
        return 0;
    }
    if (t.eKind == PT_BLOB) {
        /* TEXT < BLOB: true for <, <=, <> on every non-NULL value, false otherwise */
        if (op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE ||
            op == SQLITE_INDEX_CONSTRAINT_NE)
            plan_put_isnull(pStr, iCol, 1);
        else
            sqlite3_str_appendall(pStr, "1=0");
        return 0;
    }
    n = t.n;
    zNul = memchr(t.z, 0, (size_t)n);
    if (zNul) {
        /* v = p + NUL + ...: s < v iff s <= p; s > v iff s > p; never equal */
        n = (int)(zNul - t.z);
        switch (op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
            sqlite3_str_appendall(pStr, "1=0");
            return 0;
        case SQLITE_INDEX_CONSTRAINT_NE:
            plan_put_isnull(pStr, iCol, 1);
            return 0;
        case SQLITE_INDEX_CONSTRAINT_LT:
            op = SQLITE_INDEX_CONSTRAINT_LE;
            break;
        case SQLITE_INDEX_CONSTRAINT_GE:
            op = SQLITE_INDEX_CONSTRAINT_GT;
            break;
        default:
            break;
        }
        zOp = aPlanOp[plan_op_find(op)].zSql;
    }
    bStar = plan_nullable(iCol) && plan_holds(op, plan_nocase_cmp("*", 1, t.z, n));
    if (bStar)
        sqlite3_str_appendchar(pStr, 1, '(');
    sqlite3_str_appendf(pStr, "%s %s ", zCol, zOp);
    bBad = plan_put_text(pStr, t.z, n, 0, bNbe);
    if (bStar) {
        sqlite3_str_appendall(pStr, " AND ");
        plan_put_isnull(pStr, iCol, 1);
        sqlite3_str_appendchar(pStr, 1, ')');
    }
    return bBad;
}

/* Render an IN list (or a one-value =) on a text column. */
static int plan_put_text_in(sqlite3_str *pStr, int iCol, const mopitr_val *aVal, int nVal, int bNbe)
{
    int i, nOut = 0, bStar = 0, bBad = 0;
    for (i = 0; i < nVal; i++) {
        plan_text t;
        plan_text_of(&aVal[i], &t);
        if (t.eKind != PT_TEXT || memchr(t.z, 0, (size_t)t.n))
            continue; /* NULL, BLOB, or a NUL byte: never equal to a stored name */
        if (nOut == 0)
            sqlite3_str_appendf(pStr, "%s IN (", plan_remote(iCol));
        else
            sqlite3_str_appendall(pStr, ", ");
        bBad |= plan_put_text(pStr, t.z, t.n, 0, bNbe);
        if (t.n == 1 && t.z[0] == '*')
            bStar = 1;
        nOut++;
    }
    if (nOut == 0) {
        sqlite3_str_appendall(pStr, "1=0");
        return 0;
    }
    sqlite3_str_appendchar(pStr, 1, ')');
    if (bStar && plan_nullable(iCol)) {
        sqlite3_str_appendall(pStr, " AND ");
        plan_put_isnull(pStr, iCol, 1);
    }
    return bBad;
}

/* Append LIKE on a text column: a superset of SQLite's LIKE (see the manual). */
static int plan_put_like(sqlite3_str *pStr, int iCol, const mopitr_val *pVal, int bNbe)
{
    plan_text t;
    plan_text_of(pVal, &t);
    if (t.eKind == PT_NULL) {
        sqlite3_str_appendall(pStr, "1=0");
        return 0;
    }
    if (t.eKind == PT_BLOB || memchr(t.z, 0, (size_t)t.n) || memchr(t.z, '\\', (size_t)t.n)) {
        sqlite3_str_appendall(pStr, "1=1");
        return 0;
    }
    sqlite3_str_appendf(pStr, "%s LIKE ", plan_remote(iCol));
    return plan_put_text(pStr, t.z, t.n, 1, bNbe);
}

/*
** The value as a number compared with an integer column, clamped to [-1000.5, 1000.5]
** (order-preserving for 0..255). Returns 0 for NULL, 1 with *pr for a number, 2 for a
** value sorting after every integer (non-numeric TEXT, BLOB).
*/
static int plan_num_of(const mopitr_val *pVal, double *pr)
{
    sqlite3_int64 i = 0;
    double r = 0;
    switch (pVal->eType) {
    case SQLITE_NULL:
        return 0;
    case SQLITE_INTEGER:
        r = pVal->i < -1000 ? -1000.5 : pVal->i > 1000 ? 1000.5 : (double)pVal->i;
        break;
    case SQLITE_FLOAT:
        r = pVal->r;
        break;
    case SQLITE_TEXT: {
        int e = mopitr_text_num(pVal->z ? pVal->z : "", pVal->z ? pVal->n : 0, &i, &r);
        if (e == 0)
            return 2;
        if (e == 1)
            r = i < -1000 ? -1000.5 : i > 1000 ? 1000.5 : (double)i;
        break;
    }
    default:
        return 2;
    }
    if (r < -1000)
        r = -1000.5;
    if (r > 1000)
        r = 1000.5;
    *pr = r;
    return 1;
}

/* Render a comparison on pitr_length (values 0..255). */
static void plan_put_num_cmp(sqlite3_str *pStr, int op, const mopitr_val *pVal)
{
    double r = 0;
    int e = plan_num_of(pVal, &r), k = 0;
    const char *zConst = NULL;

    if (e == 0) {
        zConst = "1=0";
    } else if (e == 2) {
        /* INTEGER < TEXT/BLOB */
        zConst = (op == SQLITE_INDEX_CONSTRAINT_LT || op == SQLITE_INDEX_CONSTRAINT_LE ||
                  op == SQLITE_INDEX_CONSTRAINT_NE)
                     ? "1=1"
                     : "1=0";
    } else {
        switch (op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
        case SQLITE_INDEX_CONSTRAINT_NE:
            k = (int)r;
            if (r != (double)plan_floor(r) || r < 0 || r > 255)
                zConst = op == SQLITE_INDEX_CONSTRAINT_EQ ? "1=0" : "1=1";
            break;
        case SQLITE_INDEX_CONSTRAINT_GT: /* x > r  <=>  x > floor(r) */
            k = plan_floor(r);
            zConst = k < 0 ? "1=1" : k >= 255 ? "1=0" : NULL;
            break;
        case SQLITE_INDEX_CONSTRAINT_GE: /* x >= r <=>  x >= ceil(r) */
            k = plan_ceil(r);
            zConst = k <= 0 ? "1=1" : k > 255 ? "1=0" : NULL;
            break;
        case SQLITE_INDEX_CONSTRAINT_LT: /* x < r  <=>  x < ceil(r) */
            k = plan_ceil(r);
            zConst = k <= 0 ? "1=0" : k > 255 ? "1=1" : NULL;
            break;
        default: /* LE: x <= r <=> x <= floor(r) */
            k = plan_floor(r);
            zConst = k < 0 ? "1=0" : k >= 255 ? "1=1" : NULL;
            break;
        }
    }
    if (zConst)
        sqlite3_str_appendall(pStr, zConst);
    else
        sqlite3_str_appendf(pStr, "pitr_length %s %d", aPlanOp[plan_op_find(op)].zSql, k);
}

/* Render an IN list on pitr_length: the exact integers 0..255 among the values. */
static void plan_put_num_in(sqlite3_str *pStr, const mopitr_val *aVal, int nVal)
{
    int i, nOut = 0;
    for (i = 0; i < nVal; i++) {
        double r = 0;
        if (plan_num_of(&aVal[i], &r) != 1 || r != (double)plan_floor(r) || r < 0 || r > 255)
            continue;
        sqlite3_str_appendf(pStr, nOut == 0 ? "pitr_length IN (%d" : ", %d", (int)r);
        nOut++;
    }
    sqlite3_str_appendall(pStr, nOut ? ")" : "1=0");
}

/* Render one argument. Returns 1 if a value was refused by the escaper. */
static int plan_put_arg(sqlite3_str *pStr, const mopitr_arg *pArg, int bNbe)
{
    int iCol = pArg->term.iCol, op = pArg->term.op;
    static const mopitr_val nullVal = {SQLITE_NULL, 0, 0, NULL, 0};
    const mopitr_val *pVal = pArg->nVal > 0 && pArg->aVal ? &pArg->aVal[0] : &nullVal;

    if (op == SQLITE_INDEX_CONSTRAINT_ISNULL || op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL) {
        plan_put_isnull(pStr, iCol, op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL);
        return 0;
    }
    if (op == SQLITE_INDEX_CONSTRAINT_LIKE)
        return plan_put_like(pStr, iCol, pVal, bNbe);
    if (op == SQLITE_INDEX_CONSTRAINT_EQ && pArg->term.bIn) {
        if (iCol == MOPITR_COL_RANGE_VALUE)
            plan_put_num_in(pStr, pArg->aVal, pArg->nVal);
        else
            return plan_put_text_in(pStr, iCol, pArg->aVal, pArg->nVal, bNbe);
        return 0;
    }
    if (iCol == MOPITR_COL_RANGE_VALUE) {
        plan_put_num_cmp(pStr, op, pVal);
        return 0;
    }
    return plan_put_text_cmp(pStr, iCol, op, pVal, bNbe);
}

/*
** The SHOW PITR statement for aArg[0..nArg), every value escaped (see the manual).
** Caller frees. NULL on OOM or for an argument that is not usable.
*/
char *mopitr_plan_render(const mopitr_arg *aArg, int nArg, int bNoBackslashEscapes)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int i, bBad = 0;

    sqlite3_str_appendall(pStr, "SHOW PITR");
    for (i = 0; i < nArg && !bBad; i++) {
        if (plan_remote(aArg[i].term.iCol) == NULL || plan_op_find(aArg[i].term.op) < 0 ||
            (aArg[i].term.op == SQLITE_INDEX_CONSTRAINT_LIKE &&
             aArg[i].term.iCol == MOPITR_COL_RANGE_VALUE)) {
            bBad = 1;
            break;
        }
        sqlite3_str_appendall(pStr, i == 0 ? " WHERE " : " AND ");
        bBad = plan_put_arg(pStr, &aArg[i], bNoBackslashEscapes);
    }
    if (bBad || sqlite3_str_errcode(pStr) != SQLITE_OK) {
        sqlite3_free(sqlite3_str_finish(pStr));
        return NULL;
    }
    return sqlite3_str_finish(pStr);
}

/* ------------------------------------------------------------------ local matching */

/* SQLite's LIKE (ASCII case-insensitive, no escape) of row text z against *pVal. */
static int plan_match_like(const char *z, const mopitr_val *pVal)
{
    plan_text t;
    char aBuf[256];
    char *zPat;
    int n, bMatch;

    plan_text_of(pVal, &t);
    if (z == NULL || t.eKind == PT_NULL)
        return 0;
    if (t.eKind == PT_BLOB) {
        /* builds with LIKE_DOESNT_MATCH_BLOBS (Debian's among them) never match a BLOB */
        if (sqlite3_compileoption_used("LIKE_DOESNT_MATCH_BLOBS"))
            return 0;
        t.z = pVal->z ? pVal->z : "";
        t.n = pVal->z ? pVal->n : 0;
    }
    /* like() reads its pattern as a C string: it ends at the first NUL */
    n = t.n;
    if (memchr(t.z, 0, (size_t)n))
        n = (int)strlen(t.z);
    zPat = n < (int)sizeof(aBuf) ? aBuf : sqlite3_malloc64((sqlite3_uint64)n + 1);
    if (zPat == NULL)
        return 1; /* OOM: keep the row; SQLite re-checks LIKE anyway */
    memcpy(zPat, t.z, (size_t)n);
    zPat[n] = 0;
    bMatch = sqlite3_strlike(zPat, z, 0) == 0;
    if (zPat != aBuf)
        sqlite3_free(zPat);
    return bMatch;
}

/* Does row p satisfy one argument, with SQLite's semantics? */
static int plan_match_arg(const mopitr_row *p, const mopitr_arg *pArg)
{
    int iCol = pArg->term.iCol, op = pArg->term.op, i, nVal, cmp = 0;
    const char *z = iCol >= 0 && iCol < MOPITR_NDATA ? p->az[iCol] : NULL;
    int bNull = iCol == MOPITR_COL_RANGE_VALUE ? 0 : z == NULL;

    if (op == SQLITE_INDEX_CONSTRAINT_ISNULL)
        return bNull;
    if (op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
        return !bNull;
    if (pArg->nVal <= 0 || pArg->aVal == NULL)
        return 0;
    if (op == SQLITE_INDEX_CONSTRAINT_LIKE)
        return iCol != MOPITR_COL_RANGE_VALUE && plan_match_like(z, &pArg->aVal[0]);
    if (bNull)
        return 0;
    nVal = (op == SQLITE_INDEX_CONSTRAINT_EQ && pArg->term.bIn) ? pArg->nVal : 1;
    for (i = 0; i < nVal; i++) {
        const mopitr_val *pVal = &pArg->aVal[i];
        if (iCol == MOPITR_COL_RANGE_VALUE) {
            if (!plan_num_cmp(p->range_value, pVal, &cmp))
                continue;
        } else {
            plan_text t;
            plan_text_of(pVal, &t);
            if (t.eKind == PT_NULL)
                continue;
            cmp = t.eKind == PT_BLOB ? -1 : plan_nocase_cmp(z, (int)strlen(z), t.z, t.n);
        }
        if (plan_holds(op, cmp))
            return 1;
    }
    return 0;
}

/*
** Does row p satisfy every argument, with SQLite's semantics (NOCASE text columns,
** TEXT/numeric affinity, NULL never compares true)? Returns 1 or 0.
*/
int mopitr_plan_match(const mopitr_row *p, const mopitr_arg *aArg, int nArg)
{
    int i;
    for (i = 0; i < nArg; i++) {
        if (!plan_match_arg(p, &aArg[i]))
            return 0;
    }
    return 1;
}
