/*
** test_plan.c: unit tests of ext/plan.c (WHERE pushdown).
**
** Covers: mopitr_plan_usable(_coll); template <-> parse round trips for every column,
** operator and IN, and refusal of malformed templates; exact rendered SQL for
** representative cases (every operator, every value type, NULL, IN lists, NUL bytes,
** escaping with and without NO_BACKSLASH_ESCAPES); and the agreement check:
**
**   for a set of SHOW PITR rows (decoded by value.c) and thousands of constraints,
**   (1) SQLite's answer: the same WHERE run on a real SQLite table declared like the
**       vtab (TEXT COLLATE NOCASE columns, range_value INTEGER), values bound as
**       parameters (no affinity, as vtab arguments);
**   (2) mopitr_plan_match on each decoded row;
**   (3) the "server": mopitr_plan_render's WHERE run on a table that holds the raw
**       SHOW PITR values ('*' included) with binary comparison and case-sensitive LIKE,
**       as MatrixOne compares them.
**   (1) == (2) always; (1) == (3) for exact operators; (3) is a superset of (1) for LIKE.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* ------------------------------------------------------------------ fixtures */

/* SHOW PITR rows, in server order: name, level, account, database, table, length, unit. */
static const char *const azRows[][7] = {
    {"p_cluster", "cluster", "*", "*", "*", "1", "h"},
    {"acc_own", "account", "sys", "*", "*", "2", "d"},
    {"acc_other", "account", "acc01", "*", "*", "100", "y"},
    {"db1_p", "database", "sys", "db1", "*", "7", "d"},
    {"tbl_p", "table", "sys", "db1", "t1", "30", "mo"},
    {"star_tab", "table", "sys", "*", "*", "0", "h"},
    {"star_db", "database", "sys", "*", "*", "255", "y"},
    {"5", "database", "sys", "05", "*", "5", "d"},
    {"1.0", "account", "acc02", "*", "*", "1", "h"},
    {"\xC3\xA9\xE5\x90\x8D", "table", "sys", "d\xC3\xA9", "t\xC3\xA4", "12", "d"},
    {"a%b_c", "database", "sys", "x'y", "*", "50", "mo"},
    {"back\\slash", "table", "sys", "d\\b", "t;1", "3", "h"},
    {"z", "cluster", "*", "*", "*", "99", "y"},
    {"_", "account", "_", "*", "*", "10", "d"},
    {"1.0e+20", "cluster", "*", "*", "*", "4", "h"},
    {"100", "table", "sys", "100", "100", "100", "h"},
    {"-5", "database", "sys", "-5", "*", "5", "h"},
    {"abc", "account", "abc", "*", "*", "6", "mo"},
    {"", "cluster", "*", "*", "*", "8", "d"},
};
#define NROW ((int)(sizeof(azRows) / sizeof(azRows[0])))

static mopitr_row aRow[NROW];
static sqlite3 *dbLocal;  /* the vtab's view: NULLs, NOCASE */
static sqlite3 *dbServer; /* MatrixOne's view: raw '*', binary */

static const int aCol[] = {MOPITR_COL_NAME,      MOPITR_COL_LEVEL, MOPITR_COL_ACCOUNT,
                           MOPITR_COL_DATABASE,  MOPITR_COL_TABLE, MOPITR_COL_RANGE_VALUE,
                           MOPITR_COL_RANGE_UNIT};
static const char *const azLocalCol[] = {
    "name", "level", "account_name", "database_name", "table_name", "range_value", "range_unit"};
#define NCOLS 7

static const int aOp[] = {SQLITE_INDEX_CONSTRAINT_EQ,     SQLITE_INDEX_CONSTRAINT_NE,
                          SQLITE_INDEX_CONSTRAINT_LT,     SQLITE_INDEX_CONSTRAINT_LE,
                          SQLITE_INDEX_CONSTRAINT_GT,     SQLITE_INDEX_CONSTRAINT_GE,
                          SQLITE_INDEX_CONSTRAINT_ISNULL, SQLITE_INDEX_CONSTRAINT_ISNOTNULL,
                          SQLITE_INDEX_CONSTRAINT_LIKE};
#define NOPS 9

/* Bound values: every type, edge cases. */
#define T(s)                                                                                       \
    {                                                                                              \
        SQLITE_TEXT, 0, 0, s, (int)sizeof(s) - 1                                                   \
    }
#define I(v)                                                                                       \
    {                                                                                              \
        SQLITE_INTEGER, v, 0, NULL, 0                                                              \
    }
#define F(v)                                                                                       \
    {                                                                                              \
        SQLITE_FLOAT, 0, v, NULL, 0                                                                \
    }
#define B(s)                                                                                       \
    {                                                                                              \
        SQLITE_BLOB, 0, 0, s, (int)sizeof(s) - 1                                                   \
    }
static const mopitr_val aVal[] = {
    T(""),
    T("*"),
    T("5"),
    T("05"),
    T("1.0"),
    T("P_CLUSTER"),
    T("acc_own"),
    T("ACC01"),
    T("sys"),
    T("SYS"),
    T("db1"),
    T("DB1"),
    T("t1"),
    T("\xC3\xA9\xE5\x90\x8D"),
    T("\xC3\x89\xE5\x90\x8D"),
    T("a%b_c"),
    T("A%"),
    T("%B%"),
    T("_"),
    T("__"),
    T("x'y"),
    T("X'%"),
    T("back\\slash"),
    T("back\\%"),
    T("d\\b"),
    T("z"),
    T("zz"),
    T("a"),
    T("m"),
    T("100"),
    T("-5"),
    T(" 5"),
    T("5.0"),
    T("abc"),
    T("cluster"),
    T("ACCOUNT"),
    T("table"),
    T("Table"),
    T("d"),
    T("MO"),
    T("1e2"),
    T("a\0b"),
    T("db1\0x"),
    T("\0"),
    T("255"),
    T("256"),
    T("-1"),
    T("2.5"),
    T("1.0e+20"),
    T("%"),
    T("t%"),
    T("%1"),
    T("d%"),
    T("%\xC3\xA4"),
    T("\xC3\xA9_"),
    T("*%"),
    I(0),
    I(1),
    I(5),
    I(7),
    I(100),
    I(255),
    I(256),
    I(-1),
    I(-5),
    I(99),
    I(1000000),
    I(0x7FFFFFFFFFFFFFFFLL),
    I(-0x7FFFFFFFFFFFFFFFLL - 1),
    F(1.0),
    F(2.5),
    F(0.5),
    F(-0.5),
    F(254.9),
    F(255.0),
    F(255.5),
    F(1e20),
    F(-1e300),
    F(1e300),
    F(5.0),
    F(100.0),
    F(99.99),
    F(0.0),
    B("abc"),
    B(""),
    B("5"),
    B("a%"),
    B("a\0b"),
    {SQLITE_NULL, 0, 0, NULL, 0},
};
#define NVAL ((int)(sizeof(aVal) / sizeof(aVal[0])))

/* Create the two databases and decode the rows. */
static int setup(void **state)
{
    sqlite3_stmt *pL = NULL, *pS = NULL;
    int i, k;
    (void)state;
    if (sqlite3_open(":memory:", &dbLocal) || sqlite3_open(":memory:", &dbServer))
        return -1;
    if (sqlite3_exec(dbLocal,
                     "CREATE TABLE t(idx INTEGER, name TEXT COLLATE NOCASE, level TEXT COLLATE "
                     "NOCASE, account_name TEXT COLLATE NOCASE, database_name TEXT COLLATE "
                     "NOCASE, table_name TEXT COLLATE NOCASE, range_value INTEGER, range_unit "
                     "TEXT COLLATE NOCASE, created_time TEXT, modified_time TEXT)",
                     0, 0, 0) ||
        sqlite3_exec(dbServer,
                     "PRAGMA case_sensitive_like = ON; CREATE TABLE srv(idx INTEGER, pitr_name "
                     "TEXT, created_time TEXT, modified_time TEXT, pitr_level TEXT, "
                     "account_name TEXT, database_name TEXT, table_name TEXT, pitr_length "
                     "INTEGER, pitr_unit TEXT)",
                     0, 0, 0))
        return -1;
    sqlite3_prepare_v2(dbLocal, "INSERT INTO t VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &pL, 0);
    sqlite3_prepare_v2(dbServer, "INSERT INTO srv VALUES(?,?,?,?,?,?,?,?,?,?)", -1, &pS, 0);
    for (i = 0; i < NROW; i++) {
        const char *az[MOPITR_SHOW_NCOL];
        char *zErr = NULL;
        az[MOPITR_SHOW_NAME] = azRows[i][0];
        az[MOPITR_SHOW_CREATED] = "2024-12-25 16:34:55";
        az[MOPITR_SHOW_MODIFIED] = "2024-12-25 16:34:55";
        az[MOPITR_SHOW_LEVEL] = azRows[i][1];
        az[MOPITR_SHOW_ACCOUNT] = azRows[i][2];
        az[MOPITR_SHOW_DATABASE] = azRows[i][3];
        az[MOPITR_SHOW_TABLE] = azRows[i][4];
        az[MOPITR_SHOW_LENGTH] = azRows[i][5];
        az[MOPITR_SHOW_UNIT] = azRows[i][6];
        if (mopitr_row_decode(&aRow[i], az, NULL, MOPITR_SHOW_NCOL, &zErr) != SQLITE_OK) {
            fprintf(stderr, "decode: %s\n", zErr);
            return -1;
        }
        sqlite3_bind_int(pL, 1, i);
        for (k = 0; k < NCOLS; k++) {
            int iCol = aCol[k];
            if (iCol == MOPITR_COL_RANGE_VALUE)
                sqlite3_bind_int64(pL, 2 + k, aRow[i].range_value);
            else if (aRow[i].az[iCol])
                sqlite3_bind_text(pL, 2 + k, aRow[i].az[iCol], -1, SQLITE_STATIC);
            else
                sqlite3_bind_null(pL, 2 + k);
        }
        sqlite3_bind_text(pL, 9, aRow[i].az[MOPITR_COL_CREATED], -1, SQLITE_STATIC);
        sqlite3_bind_text(pL, 10, aRow[i].az[MOPITR_COL_MODIFIED], -1, SQLITE_STATIC);
        if (sqlite3_step(pL) != SQLITE_DONE)
            return -1;
        sqlite3_reset(pL);
        sqlite3_bind_int(pS, 1, i);
        for (k = 0; k < MOPITR_SHOW_NCOL; k++) {
            if (k == MOPITR_SHOW_LENGTH)
                sqlite3_bind_int(pS, 2 + k, atoi(az[k]));
            else
                sqlite3_bind_text(pS, 2 + k, az[k], -1, SQLITE_STATIC);
        }
        if (sqlite3_step(pS) != SQLITE_DONE)
            return -1;
        sqlite3_reset(pS);
    }
    sqlite3_finalize(pL);
    sqlite3_finalize(pS);
    return 0;
}

static int teardown(void **state)
{
    int i;
    (void)state;
    for (i = 0; i < NROW; i++)
        mopitr_row_clear(&aRow[i]);
    sqlite3_close(dbLocal);
    sqlite3_close(dbServer);
    return 0;
}

/* ------------------------------------------------------------------ the three answers */

/* Bind *pVal to parameter i. */
static void bind_val(sqlite3_stmt *p, int i, const mopitr_val *pVal)
{
    switch (pVal->eType) {
    case SQLITE_INTEGER:
        sqlite3_bind_int64(p, i, pVal->i);
        break;
    case SQLITE_FLOAT:
        sqlite3_bind_double(p, i, pVal->r);
        break;
    case SQLITE_TEXT:
        sqlite3_bind_text(p, i, pVal->z, pVal->n, SQLITE_TRANSIENT);
        break;
    case SQLITE_BLOB:
        sqlite3_bind_blob(p, i, pVal->n ? pVal->z : "", pVal->n, SQLITE_TRANSIENT);
        break;
    default:
        sqlite3_bind_null(p, i);
        break;
    }
}

/* Run "SELECT idx FROM zTab WHERE zWhere" (binding args when aArg) and return the mask. */
static uint64_t run_mask(sqlite3 *db, const char *zTab, const char *zWhere, const mopitr_arg *aArg,
                         int nArg)
{
    char *zSql = sqlite3_mprintf("SELECT idx FROM %s WHERE %s", zTab, zWhere);
    sqlite3_stmt *p = NULL;
    uint64_t m = 0;
    int rc, i, j, iParam = 1;
    rc = sqlite3_prepare_v2(db, zSql, -1, &p, 0);
    if (rc != SQLITE_OK)
        fail_msg("prepare failed: %s\n  %s", sqlite3_errmsg(db), zSql);
    for (i = 0; aArg && i < nArg; i++) {
        int op = aArg[i].term.op;
        if (op == SQLITE_INDEX_CONSTRAINT_ISNULL || op == SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
            continue;
        for (j = 0; j < aArg[i].nVal; j++)
            bind_val(p, iParam++, &aArg[i].aVal[j]);
    }
    while ((rc = sqlite3_step(p)) == SQLITE_ROW)
        m |= (uint64_t)1 << sqlite3_column_int(p, 0);
    if (rc != SQLITE_DONE)
        fail_msg("step failed: %s\n  %s", sqlite3_errmsg(db), zSql);
    sqlite3_finalize(p);
    sqlite3_free(zSql);
    return m;
}

/* The local WHERE for aArg (with ? parameters). Caller frees. */
static char *local_where(const mopitr_arg *aArg, int nArg)
{
    sqlite3_str *pStr = sqlite3_str_new(NULL);
    int i, j, k;
    if (nArg == 0)
        sqlite3_str_appendall(pStr, "1");
    for (i = 0; i < nArg; i++) {
        const char *zCol = NULL;
        for (k = 0; k < NCOLS; k++) {
            if (aCol[k] == aArg[i].term.iCol)
                zCol = azLocalCol[k];
        }
        if (i)
            sqlite3_str_appendall(pStr, " AND ");
        switch (aArg[i].term.op) {
        case SQLITE_INDEX_CONSTRAINT_EQ:
            if (aArg[i].term.bIn) {
                sqlite3_str_appendf(pStr, "%s IN (", zCol);
                for (j = 0; j < aArg[i].nVal; j++)
                    sqlite3_str_appendall(pStr, j ? ",?" : "?");
                sqlite3_str_appendall(pStr, ")");
            } else {
                sqlite3_str_appendf(pStr, "%s = ?", zCol);
            }
            break;
        case SQLITE_INDEX_CONSTRAINT_NE:
            sqlite3_str_appendf(pStr, "%s <> ?", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_LT:
            sqlite3_str_appendf(pStr, "%s < ?", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_LE:
            sqlite3_str_appendf(pStr, "%s <= ?", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_GT:
            sqlite3_str_appendf(pStr, "%s > ?", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_GE:
            sqlite3_str_appendf(pStr, "%s >= ?", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_ISNULL:
            sqlite3_str_appendf(pStr, "%s IS NULL", zCol);
            break;
        case SQLITE_INDEX_CONSTRAINT_ISNOTNULL:
            sqlite3_str_appendf(pStr, "%s IS NOT NULL", zCol);
            break;
        default:
            sqlite3_str_appendf(pStr, "%s LIKE ?", zCol);
            break;
        }
    }
    return sqlite3_str_finish(pStr);
}

/* Describe a value for failure messages. */
static void describe_val(const mopitr_val *v, char *aBuf, int nBuf)
{
    switch (v->eType) {
    case SQLITE_INTEGER:
        snprintf(aBuf, (size_t)nBuf, "INTEGER %lld", (long long)v->i);
        break;
    case SQLITE_FLOAT:
        snprintf(aBuf, (size_t)nBuf, "FLOAT %.17g", v->r);
        break;
    case SQLITE_TEXT:
        snprintf(aBuf, (size_t)nBuf, "TEXT '%.*s' (%d bytes)", v->n, v->z, v->n);
        break;
    case SQLITE_BLOB:
        snprintf(aBuf, (size_t)nBuf, "BLOB (%d bytes)", v->n);
        break;
    default:
        snprintf(aBuf, (size_t)nBuf, "NULL");
        break;
    }
}

static int nChecked = 0, nExactChecked = 0;

/* Check the three answers for aArg[0..nArg) agree (see the file comment). */
static void check_args(const mopitr_arg *aArg, int nArg)
{
    char *zLocal = local_where(aArg, nArg);
    char *zRemote = mopitr_plan_render(aArg, nArg, 1);
    uint64_t mLocal, mMatch = 0, mServer;
    int i, bExact = 1;

    assert_non_null(zRemote);
    for (i = 0; i < nArg; i++) {
        int bE = 0;
        assert_true(mopitr_plan_usable(aArg[i].term.iCol, aArg[i].term.op, &bE));
        bExact &= bE;
    }
    mLocal = run_mask(dbLocal, "t", zLocal, aArg, nArg);
    for (i = 0; i < NROW; i++) {
        if (mopitr_plan_match(&aRow[i], aArg, nArg))
            mMatch |= (uint64_t)1 << i;
    }
    if (strcmp(zRemote, "SHOW PITR") == 0)
        mServer = run_mask(dbServer, "srv", "1", NULL, 0);
    else {
        assert_int_equal(strncmp(zRemote, "SHOW PITR WHERE ", 16), 0);
        mServer = run_mask(dbServer, "srv", zRemote + 16, NULL, 0);
    }
    if (mLocal != mMatch || (bExact ? mServer != mLocal : (mServer & mLocal) != mLocal)) {
        char aBuf[200];
        fprintf(stderr, "local:  %s\nremote: %s\nvalues:", zLocal, zRemote);
        for (i = 0; i < nArg; i++) {
            int j;
            for (j = 0; j < aArg[i].nVal; j++) {
                describe_val(&aArg[i].aVal[j], aBuf, (int)sizeof(aBuf));
                fprintf(stderr, " [%s]", aBuf);
            }
        }
        fprintf(stderr, "\n");
        fail_msg("masks: sqlite %#llx, match %#llx, server %#llx (exact %d)",
                 (unsigned long long)mLocal, (unsigned long long)mMatch,
                 (unsigned long long)mServer, bExact);
    }
    nChecked++;
    nExactChecked += bExact;
    sqlite3_free(zLocal);
    sqlite3_free(zRemote);
}

/* ------------------------------------------------------------------ tests */

static void test_usable(void **state)
{
    int bExact, k, o;
    (void)state;
    for (k = 0; k < NCOLS; k++) {
        for (o = 0; o < NOPS; o++) {
            int bUsable = mopitr_plan_usable(aCol[k], aOp[o], &bExact);
            if (aOp[o] == SQLITE_INDEX_CONSTRAINT_LIKE) {
                assert_int_equal(bUsable, aCol[k] != MOPITR_COL_RANGE_VALUE);
                assert_false(bExact);
            } else {
                assert_true(bUsable);
                assert_true(bExact);
            }
        }
        /* another collation: text comparisons refused; range_value and IS NULL fine */
        assert_int_equal(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_EQ, "BINARY", &bExact),
            aCol[k] == MOPITR_COL_RANGE_VALUE);
        assert_int_equal(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_LT, "RTRIM", &bExact),
            aCol[k] == MOPITR_COL_RANGE_VALUE);
        assert_true(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_EQ, "nocase", &bExact));
        assert_true(bExact);
        assert_true(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_ISNULL, "BINARY", &bExact));
        assert_true(bExact);
        /* what sqlite3_vtab_collation says for auxiliary constraints: "BINARY" */
        assert_true(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_ISNOTNULL, "BINARY", &bExact));
        assert_true(bExact);
        assert_int_equal(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_NE, "BINARY", &bExact),
            aCol[k] == MOPITR_COL_RANGE_VALUE);
        assert_int_equal(
            mopitr_plan_usable_coll(aCol[k], SQLITE_INDEX_CONSTRAINT_LIKE, "BINARY", &bExact),
            aCol[k] != MOPITR_COL_RANGE_VALUE);
        assert_false(bExact);
        assert_false(mopitr_plan_usable(aCol[k], SQLITE_INDEX_CONSTRAINT_GLOB, &bExact));
        assert_false(mopitr_plan_usable(aCol[k], SQLITE_INDEX_CONSTRAINT_MATCH, &bExact));
        assert_false(mopitr_plan_usable(aCol[k], SQLITE_INDEX_CONSTRAINT_IS, &bExact));
        assert_false(mopitr_plan_usable(aCol[k], SQLITE_INDEX_CONSTRAINT_LIMIT, &bExact));
    }
    assert_false(mopitr_plan_usable(MOPITR_COL_CREATED, SQLITE_INDEX_CONSTRAINT_EQ, &bExact));
    assert_false(mopitr_plan_usable(MOPITR_COL_MODIFIED, SQLITE_INDEX_CONSTRAINT_GT, &bExact));
    assert_false(mopitr_plan_usable(MOPITR_COL_CONNECTION, SQLITE_INDEX_CONSTRAINT_EQ, &bExact));
    assert_false(mopitr_plan_usable(-1, SQLITE_INDEX_CONSTRAINT_EQ, &bExact));
}

static void test_template_roundtrip(void **state)
{
    mopitr_term aT[NCOLS * (NOPS + 1)], aBack[NCOLS * (NOPS + 1)];
    int n = 0, k, o, nBack, i;
    char *z;
    (void)state;
    for (k = 0; k < NCOLS; k++) {
        for (o = 0; o <= NOPS; o++) {
            int bExact;
            mopitr_term t;
            memset(&t, 0, sizeof(t));
            t.iCol = aCol[k];
            t.op = (unsigned char)(o < NOPS ? aOp[o] : SQLITE_INDEX_CONSTRAINT_EQ);
            t.bIn = o == NOPS;
            if (!mopitr_plan_usable(t.iCol, t.op, &bExact))
                continue;
            aT[n++] = t;
            /* one term alone */
            z = mopitr_plan_template(&t, 1);
            assert_non_null(z);
            assert_int_equal(mopitr_plan_parse(z, aBack, 4), 1);
            assert_int_equal(aBack[0].iCol, t.iCol);
            assert_int_equal(aBack[0].op, t.op);
            assert_int_equal(aBack[0].bIn, t.bIn);
            sqlite3_free(z);
        }
    }
    z = mopitr_plan_template(aT, n);
    assert_non_null(z);
    nBack = mopitr_plan_parse(z, aBack, n);
    assert_int_equal(nBack, n);
    for (i = 0; i < n; i++) {
        assert_int_equal(aBack[i].iCol, aT[i].iCol);
        assert_int_equal(aBack[i].op, aT[i].op);
        assert_int_equal(aBack[i].bIn, aT[i].bIn);
    }
    assert_int_equal(mopitr_plan_parse(z, aBack, n - 1), -1); /* too many for nMax */
    sqlite3_free(z);

    /* the documented example */
    {
        mopitr_term a[3];
        memset(a, 0, sizeof(a));
        a[0].iCol = MOPITR_COL_LEVEL;
        a[0].op = SQLITE_INDEX_CONSTRAINT_EQ;
        a[1].iCol = MOPITR_COL_NAME;
        a[1].op = SQLITE_INDEX_CONSTRAINT_EQ;
        a[1].bIn = 1;
        a[2].iCol = MOPITR_COL_RANGE_VALUE;
        a[2].op = SQLITE_INDEX_CONSTRAINT_GT;
        z = mopitr_plan_template(a, 3);
        assert_string_equal(z, "SHOW PITR WHERE pitr_level = ? AND pitr_name IN (?) AND "
                               "pitr_length > ?");
        sqlite3_free(z);
        z = mopitr_plan_template(a, 0);
        assert_string_equal(z, "SHOW PITR");
        assert_int_equal(mopitr_plan_parse(z, aBack, 0), 0);
        sqlite3_free(z);
        a[0].iCol = MOPITR_COL_CREATED;
        assert_null(mopitr_plan_template(a, 1));
        a[0].iCol = MOPITR_COL_RANGE_VALUE;
        a[0].op = SQLITE_INDEX_CONSTRAINT_GLOB;
        assert_null(mopitr_plan_template(a, 1));
    }
    /* malformed templates */
    {
        static const char *azBad[] = {
            "",
            "SHOW",
            "SHOW PITRS",
            "SHOW PITR WHERE",
            "SHOW PITR WHERE ",
            "SHOW PITR WHERE pitr_name",
            "SHOW PITR WHERE pitr_name = 'x'",
            "SHOW PITR WHERE created_time = ?",
            "SHOW PITR WHERE pitr_name = ? AND",
            "SHOW PITR WHERE pitr_name = ? AND ",
            "SHOW PITR WHERE pitr_name = ?  AND pitr_unit = ?",
            "SHOW PITR WHERE pitr_name == ?",
            "SHOW PITR WHERE pitr_name IN (?, ?)",
            "show pitr",
            "SHOW PITR where pitr_name = ?",
            "SHOW PITR WHERE pitr_namex = ?",
            "SHOW PITR WHERE pitr_name IS NULL OR pitr_unit IS NULL",
        };
        unsigned j;
        for (j = 0; j < sizeof(azBad) / sizeof(azBad[0]); j++) {
            if (mopitr_plan_parse(azBad[j], aBack, 8) != -1)
                fail_msg("parsed a bad template: '%s'", azBad[j]);
        }
        assert_int_equal(mopitr_plan_parse(NULL, aBack, 8), -1);
    }
}

/* Render one argument with the given values; compare with zWant. */
static void expect_render(int iCol, int op, int bIn, const mopitr_val *a, int n, int bNbe,
                          const char *zWant)
{
    mopitr_arg arg;
    char *z;
    memset(&arg, 0, sizeof(arg));
    arg.term.iCol = iCol;
    arg.term.op = (unsigned char)op;
    arg.term.bIn = (unsigned char)bIn;
    arg.nVal = n;
    arg.aVal = a;
    z = mopitr_plan_render(&arg, 1, bNbe);
    assert_non_null(z);
    assert_string_equal(z, zWant);
    sqlite3_free(z);
}

static void test_render_text(void **state)
{
    static const mopitr_val vCluster = T("CLUSTER"), vQuote = T("it's"), vBs = T("a\\b"),
                            vNull = {SQLITE_NULL, 0, 0, NULL, 0}, vInt = I(5), vFlt = F(1.0),
                            vFltBig = F(1e20), vBlob = B("x"), vNul = T("ab\0c"), vStar = T("*"),
                            vB = T("B"), vLike = T("A_b%"), vLikeBs = T("a\\%"), vEmpty = T("");
    static const mopitr_val aIn[] = {T("A"), T("b"),    {SQLITE_NULL, 0, 0, NULL, 0},
                                     B("a"), T("x\0y"), I(7)};
    static const mopitr_val aInStar[] = {T("*"), T("db1")};
    static const mopitr_val aInNone[] = {{SQLITE_NULL, 0, 0, NULL, 0}, B("a")};
    (void)state;
    expect_render(MOPITR_COL_LEVEL, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vCluster, 1, 0,
                  "SHOW PITR WHERE pitr_level = 'cluster'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vQuote, 1, 0,
                  "SHOW PITR WHERE pitr_name = 'it''s'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vBs, 1, 0,
                  "SHOW PITR WHERE pitr_name = 'a\\\\b'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vBs, 1, 1,
                  "SHOW PITR WHERE pitr_name = 'a\\b'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vNull, 1, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_NE, 0, &vInt, 1, 0,
                  "SHOW PITR WHERE pitr_name <> '5'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_GE, 0, &vFlt, 1, 0,
                  "SHOW PITR WHERE pitr_name >= '1.0'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vFltBig, 1, 0,
                  "SHOW PITR WHERE pitr_name = '1.0e+20'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vEmpty, 1, 0,
                  "SHOW PITR WHERE pitr_name = ''");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vBlob, 1, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LT, 0, &vBlob, 1, 0,
                  "SHOW PITR WHERE 1=1");
    expect_render(MOPITR_COL_ACCOUNT, SQLITE_INDEX_CONSTRAINT_LE, 0, &vBlob, 1, 0,
                  "SHOW PITR WHERE (account_name <> '*' OR pitr_level <> 'cluster')");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vNul, 1, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LT, 0, &vNul, 1, 0,
                  "SHOW PITR WHERE pitr_name <= 'ab'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_GE, 0, &vNul, 1, 0,
                  "SHOW PITR WHERE pitr_name > 'ab'");
    expect_render(MOPITR_COL_ACCOUNT, SQLITE_INDEX_CONSTRAINT_ISNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE (account_name = '*' AND pitr_level = 'cluster')");
    expect_render(MOPITR_COL_DATABASE, SQLITE_INDEX_CONSTRAINT_ISNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE (database_name = '*' AND pitr_level IN ('cluster', "
                  "'account'))");
    expect_render(MOPITR_COL_TABLE, SQLITE_INDEX_CONSTRAINT_ISNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE (table_name = '*' AND pitr_level <> 'table')");
    expect_render(MOPITR_COL_TABLE, SQLITE_INDEX_CONSTRAINT_ISNOTNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE (table_name <> '*' OR pitr_level = 'table')");
    expect_render(MOPITR_COL_DATABASE, SQLITE_INDEX_CONSTRAINT_ISNOTNULL, 0, &vNull, 1, 0,
                  "SHOW PITR WHERE (database_name <> '*' OR pitr_level NOT IN ('cluster', "
                  "'account'))");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_ISNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_RANGE_UNIT, SQLITE_INDEX_CONSTRAINT_ISNOTNULL, 0, NULL, 0, 0,
                  "SHOW PITR WHERE 1=1");
    expect_render(MOPITR_COL_TABLE, SQLITE_INDEX_CONSTRAINT_EQ, 0, &vStar, 1, 0,
                  "SHOW PITR WHERE (table_name = '*' AND (table_name <> '*' OR pitr_level = "
                  "'table'))");
    expect_render(MOPITR_COL_ACCOUNT, SQLITE_INDEX_CONSTRAINT_LT, 0, &vB, 1, 0,
                  "SHOW PITR WHERE (account_name < 'b' AND (account_name <> '*' OR pitr_level "
                  "<> 'cluster'))");
    expect_render(MOPITR_COL_ACCOUNT, SQLITE_INDEX_CONSTRAINT_GT, 0, &vB, 1, 0,
                  "SHOW PITR WHERE account_name > 'b'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 1, aIn, 6, 0,
                  "SHOW PITR WHERE pitr_name IN ('a', 'b', '7')");
    expect_render(MOPITR_COL_DATABASE, SQLITE_INDEX_CONSTRAINT_EQ, 1, aInStar, 2, 0,
                  "SHOW PITR WHERE database_name IN ('*', 'db1') AND (database_name <> '*' OR "
                  "pitr_level NOT IN ('cluster', 'account'))");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 1, aInNone, 2, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_EQ, 1, aInNone, 0, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LIKE, 0, &vLike, 1, 0,
                  "SHOW PITR WHERE pitr_name LIKE 'a%b%'");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LIKE, 0, &vLikeBs, 1, 0,
                  "SHOW PITR WHERE 1=1");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LIKE, 0, &vNull, 1, 0,
                  "SHOW PITR WHERE 1=0");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LIKE, 0, &vBlob, 1, 0,
                  "SHOW PITR WHERE 1=1");
    expect_render(MOPITR_COL_NAME, SQLITE_INDEX_CONSTRAINT_LIKE, 0, &vQuote, 1, 0,
                  "SHOW PITR WHERE pitr_name LIKE 'it''s'");
}

static void test_render_range(void **state)
{
    static const struct {
        int op;
        mopitr_val v;
        const char *zWant;
    } a[] = {
        {SQLITE_INDEX_CONSTRAINT_EQ, I(5), "pitr_length = 5"},
        {SQLITE_INDEX_CONSTRAINT_EQ, I(300), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_EQ, I(-1), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_NE, I(300), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_NE, I(7), "pitr_length <> 7"},
        {SQLITE_INDEX_CONSTRAINT_GT, F(2.5), "pitr_length > 2"},
        {SQLITE_INDEX_CONSTRAINT_GE, F(2.5), "pitr_length >= 3"},
        {SQLITE_INDEX_CONSTRAINT_LT, F(2.5), "pitr_length < 3"},
        {SQLITE_INDEX_CONSTRAINT_LE, F(2.5), "pitr_length <= 2"},
        {SQLITE_INDEX_CONSTRAINT_GT, F(-0.5), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_GE, I(0), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_LT, I(0), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_LE, I(-1), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_LE, I(255), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_GT, I(255), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_LT, F(1e300), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_GE, I(0x7FFFFFFFFFFFFFFFLL), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_EQ, F(5.5), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_EQ, F(5.0), "pitr_length = 5"},
        {SQLITE_INDEX_CONSTRAINT_EQ, T(" 7 "), "pitr_length = 7"},
        {SQLITE_INDEX_CONSTRAINT_GT, T("1e1"), "pitr_length > 10"},
        {SQLITE_INDEX_CONSTRAINT_LT, T("abc"), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_NE, T("abc"), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_EQ, T("abc"), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_GE, B("\x01"), "1=0"},
        {SQLITE_INDEX_CONSTRAINT_LE, B("\x01"), "1=1"},
        {SQLITE_INDEX_CONSTRAINT_GT, {SQLITE_NULL, 0, 0, NULL, 0}, "1=0"},
    };
    static const mopitr_val aIn[] = {I(5),     T("7"), F(100.0), F(2.5),
                                     T("abc"), I(300), I(-1),    {SQLITE_NULL, 0, 0, NULL, 0},
                                     B("5")};
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof(a) / sizeof(a[0]); i++) {
        char *zWant = sqlite3_mprintf("SHOW PITR WHERE %s", a[i].zWant);
        expect_render(MOPITR_COL_RANGE_VALUE, a[i].op, 0, &a[i].v, 1, 0, zWant);
        sqlite3_free(zWant);
    }
    expect_render(MOPITR_COL_RANGE_VALUE, SQLITE_INDEX_CONSTRAINT_EQ, 1, aIn, 9, 0,
                  "SHOW PITR WHERE pitr_length IN (5, 7, 100)");
    expect_render(MOPITR_COL_RANGE_VALUE, SQLITE_INDEX_CONSTRAINT_EQ, 1, aIn + 3, 6, 0,
                  "SHOW PITR WHERE 1=0");
    /* several arguments, and refusals */
    {
        mopitr_arg arg[2];
        static const mopitr_val vD = T("D"), v3 = I(3);
        char *z;
        memset(arg, 0, sizeof(arg));
        arg[0].term.iCol = MOPITR_COL_RANGE_UNIT;
        arg[0].term.op = SQLITE_INDEX_CONSTRAINT_EQ;
        arg[0].nVal = 1;
        arg[0].aVal = &vD;
        arg[1].term.iCol = MOPITR_COL_RANGE_VALUE;
        arg[1].term.op = SQLITE_INDEX_CONSTRAINT_GE;
        arg[1].nVal = 1;
        arg[1].aVal = &v3;
        z = mopitr_plan_render(arg, 2, 0);
        assert_string_equal(z, "SHOW PITR WHERE pitr_unit = 'd' AND pitr_length >= 3");
        sqlite3_free(z);
        z = mopitr_plan_render(arg, 0, 0);
        assert_string_equal(z, "SHOW PITR");
        sqlite3_free(z);
        arg[1].term.op = SQLITE_INDEX_CONSTRAINT_LIKE;
        assert_null(mopitr_plan_render(arg, 2, 0));
        arg[1].term.op = SQLITE_INDEX_CONSTRAINT_EQ;
        arg[1].term.iCol = MOPITR_COL_CREATED;
        assert_null(mopitr_plan_render(arg, 2, 0));
    }
}

/* Every column x operator x value, alone. */
static void test_agree_single(void **state)
{
    int k, o, v;
    (void)state;
    nChecked = nExactChecked = 0;
    for (k = 0; k < NCOLS; k++) {
        for (o = 0; o < NOPS; o++) {
            int bExact;
            if (!mopitr_plan_usable(aCol[k], aOp[o], &bExact))
                continue;
            for (v = 0; v < NVAL; v++) {
                mopitr_arg arg;
                memset(&arg, 0, sizeof(arg));
                arg.term.iCol = aCol[k];
                arg.term.op = (unsigned char)aOp[o];
                arg.nVal = 1;
                arg.aVal = &aVal[v];
                check_args(&arg, 1);
                if (aOp[o] == SQLITE_INDEX_CONSTRAINT_ISNULL ||
                    aOp[o] == SQLITE_INDEX_CONSTRAINT_ISNOTNULL)
                    break;
            }
        }
    }
    printf("single constraints checked: %d (%d exact)\n", nChecked, nExactChecked);
    assert_true(nChecked > 3000);
}

/* IN lists drawn from the value set (deterministic pseudo-random). */
static void test_agree_in(void **state)
{
    unsigned seed = 12345;
    int k, n;
    (void)state;
    nChecked = 0;
    for (k = 0; k < NCOLS; k++) {
        for (n = 0; n < 120; n++) {
            mopitr_val a[6];
            mopitr_arg arg;
            int j, nIn = (int)(n % 7);
            for (j = 0; j < nIn && j < 6; j++) {
                seed = seed * 1103515245u + 12345u;
                a[j] = aVal[(seed >> 8) % NVAL];
            }
            memset(&arg, 0, sizeof(arg));
            arg.term.iCol = aCol[k];
            arg.term.op = SQLITE_INDEX_CONSTRAINT_EQ;
            arg.term.bIn = 1;
            arg.nVal = nIn > 6 ? 6 : nIn;
            arg.aVal = a;
            check_args(&arg, 1);
        }
    }
    printf("IN lists checked: %d\n", nChecked);
}

/* Conjunctions of two or three constraints (deterministic pseudo-random). */
static void test_agree_and(void **state)
{
    unsigned seed = 777;
    int n;
    (void)state;
    nChecked = 0;
    for (n = 0; n < 3000; n++) {
        mopitr_arg arg[3];
        int j, nArg = 2 + (int)(n % 2);
        memset(arg, 0, sizeof(arg));
        for (j = 0; j < nArg; j++) {
            int bExact;
            do {
                seed = seed * 1103515245u + 12345u;
                arg[j].term.iCol = aCol[(seed >> 8) % NCOLS];
                seed = seed * 1103515245u + 12345u;
                arg[j].term.op = (unsigned char)aOp[(seed >> 8) % NOPS];
            } while (!mopitr_plan_usable(arg[j].term.iCol, arg[j].term.op, &bExact));
            seed = seed * 1103515245u + 12345u;
            arg[j].aVal = &aVal[(seed >> 8) % NVAL];
            arg[j].nVal = 1;
        }
        check_args(arg, nArg);
    }
    printf("conjunctions checked: %d\n", nChecked);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usable),       cmocka_unit_test(test_template_roundtrip),
        cmocka_unit_test(test_render_text),  cmocka_unit_test(test_render_range),
        cmocka_unit_test(test_agree_single), cmocka_unit_test(test_agree_in),
        cmocka_unit_test(test_agree_and),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
