/*
** test_value.c: unit tests of ext/value.c (levels, SHOW PITR rows, INSERT validation).
**
** Covers: level names; row decoding with every '*' rule and rows a real server cannot
** send (bad level, bad length, NULLs, NUL bytes, wrong field count, bad times, 1 MB
** values); the quick check against the full one and a MYSQL_ROW-like layout against
** separate buffers (test_decode_layouts), the time check byte by byte; row copy;
*mopitr_row_check_create rule by rule with exact messages;
** mopitr_range_check; mopitr_val_to_range; case folding; and mopitr_text_num checked
** against SQLite's own numeric affinity on an INTEGER column.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "mo_pitr_int.h"

/* ------------------------------------------------------------------ helpers */

/* A SHOW PITR row with the given level/identity fields and fixed times. */
static void show_row(const char *az[MOPITR_SHOW_NCOL], const char *zName, const char *zLevel,
                     const char *zAcc, const char *zDb, const char *zTab, const char *zLen,
                     const char *zUnit)
{
    az[MOPITR_SHOW_NAME] = zName;
    az[MOPITR_SHOW_CREATED] = "2024-12-25 16:34:55";
    az[MOPITR_SHOW_MODIFIED] = "2024-12-25 16:34:56";
    az[MOPITR_SHOW_LEVEL] = zLevel;
    az[MOPITR_SHOW_ACCOUNT] = zAcc;
    az[MOPITR_SHOW_DATABASE] = zDb;
    az[MOPITR_SHOW_TABLE] = zTab;
    az[MOPITR_SHOW_LENGTH] = zLen;
    az[MOPITR_SHOW_UNIT] = zUnit;
}

/* Decode expecting success. */
static void decode_ok(mopitr_row *p, const char *az[MOPITR_SHOW_NCOL])
{
    char *zErr = NULL;
    int rc = mopitr_row_decode(p, az, NULL, MOPITR_SHOW_NCOL, &zErr);
    if (rc != SQLITE_OK)
        fail_msg("decode failed: %s", zErr ? zErr : "?");
}

/* Decode expecting an error equal to zWant (NULL: any message). */
static void decode_err(const char *const *az, const unsigned long *aLen, unsigned n,
                       const char *zWant)
{
    mopitr_row r;
    char *zErr = NULL;
    int i;
    assert_int_equal(mopitr_row_decode(&r, az, aLen, n, &zErr), SQLITE_ERROR);
    assert_non_null(zErr);
    for (i = 0; i < MOPITR_NDATA; i++)
        assert_null(r.az[i]);
    assert_true(strlen(zErr) < 200);
    if (zWant)
        assert_string_equal(zErr, zWant);
    sqlite3_free(zErr);
}

/* Compare a possibly-NULL string. */
static void expect_opt(const char *z, const char *zWant)
{
    if (zWant == NULL)
        assert_null(z);
    else {
        assert_non_null(z);
        assert_string_equal(z, zWant);
    }
}

/* ------------------------------------------------------------------ levels, decode */

static void test_levels(void **state)
{
    (void)state;
    assert_int_equal(mopitr_level_parse("cluster"), MOPITR_LEVEL_CLUSTER);
    assert_int_equal(mopitr_level_parse("Account"), MOPITR_LEVEL_ACCOUNT);
    assert_int_equal(mopitr_level_parse("DATABASE"), MOPITR_LEVEL_DATABASE);
    assert_int_equal(mopitr_level_parse("table"), MOPITR_LEVEL_TABLE);
    assert_int_equal(mopitr_level_parse("tables"), MOPITR_LEVEL_NONE);
    assert_int_equal(mopitr_level_parse(""), MOPITR_LEVEL_NONE);
    assert_int_equal(mopitr_level_parse(NULL), MOPITR_LEVEL_NONE);
    assert_string_equal(mopitr_level_name(MOPITR_LEVEL_CLUSTER), "cluster");
    assert_string_equal(mopitr_level_name(MOPITR_LEVEL_TABLE), "table");
    assert_null(mopitr_level_name(MOPITR_LEVEL_NONE));
    assert_null(mopitr_level_name((mopitr_level)9));
}

static void test_decode_stars(void **state)
{
    const char *az[MOPITR_SHOW_NCOL];
    mopitr_row r, c;
    (void)state;

    show_row(az, "p05", "cluster", "*", "*", "*", "1", "h");
    decode_ok(&r, az);
    assert_int_equal(r.level, MOPITR_LEVEL_CLUSTER);
    expect_opt(r.az[MOPITR_COL_NAME], "p05");
    expect_opt(r.az[MOPITR_COL_LEVEL], "cluster");
    expect_opt(r.az[MOPITR_COL_ACCOUNT], NULL);
    expect_opt(r.az[MOPITR_COL_DATABASE], NULL);
    expect_opt(r.az[MOPITR_COL_TABLE], NULL);
    expect_opt(r.az[MOPITR_COL_RANGE_VALUE], NULL);
    assert_int_equal(r.range_value, 1);
    expect_opt(r.az[MOPITR_COL_RANGE_UNIT], "h");
    expect_opt(r.az[MOPITR_COL_CREATED], "2024-12-25 16:34:55");
    expect_opt(r.az[MOPITR_COL_MODIFIED], "2024-12-25 16:34:56");
    assert_int_equal(mopitr_row_copy(&c, &r), SQLITE_OK);
    mopitr_row_clear(&r);
    expect_opt(c.az[MOPITR_COL_NAME], "p05");
    expect_opt(c.az[MOPITR_COL_ACCOUNT], NULL);
    assert_int_equal(c.level, MOPITR_LEVEL_CLUSTER);
    mopitr_row_clear(&c);
    mopitr_row_clear(NULL);

    show_row(az, "p01", "account", "sys", "*", "*", "100", "y");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_ACCOUNT], "sys");
    expect_opt(r.az[MOPITR_COL_DATABASE], NULL);
    expect_opt(r.az[MOPITR_COL_TABLE], NULL);
    assert_int_equal(r.range_value, 100);
    mopitr_row_clear(&r);

    /* an account-level '*' account is not "empty" (lying, but kept as is) */
    show_row(az, "p02", "account", "*", "*", "*", "1", "d");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_ACCOUNT], "*");
    mopitr_row_clear(&r);

    show_row(az, "p10", "database", "sys", "*", "*", "1", "mo");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_DATABASE], "*"); /* a database literally named '*' */
    expect_opt(r.az[MOPITR_COL_TABLE], NULL);
    mopitr_row_clear(&r);

    show_row(az, "p12", "table", "sys", "*", "*", "0", "h");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_DATABASE], "*");
    expect_opt(r.az[MOPITR_COL_TABLE], "*"); /* a table literally named '*' */
    assert_int_equal(r.range_value, 0);
    mopitr_row_clear(&r);

    show_row(az, "p13", "table", "acc01", "db01", "table01", "255", "d");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_ACCOUNT], "acc01");
    expect_opt(r.az[MOPITR_COL_DATABASE], "db01");
    expect_opt(r.az[MOPITR_COL_TABLE], "table01");
    assert_int_equal(r.range_value, 255);
    mopitr_row_clear(&r);

    /* "**" is not '*' */
    show_row(az, "p14", "cluster", "**", "*", "*", "1", "h");
    decode_ok(&r, az);
    expect_opt(r.az[MOPITR_COL_ACCOUNT], "**");
    mopitr_row_clear(&r);
}

static void test_decode_lying(void **state)
{
    const char *az[MOPITR_SHOW_NCOL + 1];
    unsigned long aLen[MOPITR_SHOW_NCOL];
    static const char *azField[] = {"PITR_NAME",  "CREATED_TIME", "MODIFIED_TIME",
                                    "PITR_LEVEL", "ACCOUNT_NAME", "DATABASE_NAME",
                                    "TABLE_NAME", "PITR_LENGTH",  "PITR_UNIT"};
    char *zBig;
    mopitr_row r;
    int i;
    (void)state;

    show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
    decode_err(az, NULL, 8, "mo_pitr: server sent 8 columns for SHOW PITR, expected 9");
    az[9] = "x";
    decode_err(az, NULL, 10, "mo_pitr: server sent 10 columns for SHOW PITR, expected 9");
    decode_err(az, NULL, 0, "mo_pitr: server sent 0 columns for SHOW PITR, expected 9");

    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        char *zWant = sqlite3_mprintf("mo_pitr: server sent NULL for %s", azField[i]);
        show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
        az[i] = NULL;
        decode_err(az, NULL, MOPITR_SHOW_NCOL, zWant);
        sqlite3_free(zWant);
    }
    /* NUL bytes inside a field, seen through the lengths */
    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        char *zWant = sqlite3_mprintf("mo_pitr: server sent a NUL byte in %s", azField[i]);
        int k;
        show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
        for (k = 0; k < MOPITR_SHOW_NCOL; k++)
            aLen[k] = strlen(az[k]);
        az[i] = "ab\0cdefghijklmnopqrstuvwxyz";
        aLen[i] = 5;
        decode_err(az, aLen, MOPITR_SHOW_NCOL, zWant);
        sqlite3_free(zWant);
    }
    show_row(az, "p", "CLUSTER", "*", "*", "*", "1", "h");
    decode_err(az, NULL, 9, "mo_pitr: server sent unknown PITR_LEVEL 'CLUSTER'");
    show_row(az, "p", "tenant", "*", "*", "*", "1", "h");
    decode_err(az, NULL, 9, "mo_pitr: server sent unknown PITR_LEVEL 'tenant'");
    show_row(az, "p", "", "*", "*", "*", "1", "h");
    decode_err(az, NULL, 9, "mo_pitr: server sent unknown PITR_LEVEL ''");
    {
        static const char *azLen[] = {"", "1a", "-1", "256", "1000", " 1", "0x1", "1.0"};
        for (i = 0; i < 8; i++) {
            char *zWant = sqlite3_mprintf("mo_pitr: server sent bad PITR_LENGTH '%s' (expected "
                                          "an integer from 0 to 255)",
                                          azLen[i]);
            show_row(az, "p", "cluster", "*", "*", "*", azLen[i], "h");
            decode_err(az, NULL, 9, zWant);
            sqlite3_free(zWant);
        }
    }
    {
        static const char *azTime[] = {"2024-12-25T16:34:55",     "2024-12-25 16:34",
                                       "2024-12-25 16:34:55.123", "",
                                       "yyyy-12-25 16:34:55",     "2024/12/25 16:34:55"};
        for (i = 0; i < 6; i++) {
            char *zWant = sqlite3_mprintf("mo_pitr: server sent bad CREATED_TIME '%s' "
                                          "(expected YYYY-MM-DD HH:MM:SS)",
                                          azTime[i]);
            show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
            az[MOPITR_SHOW_CREATED] = azTime[i];
            decode_err(az, NULL, 9, zWant);
            sqlite3_free(zWant);
        }
        show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
        az[MOPITR_SHOW_MODIFIED] = "now";
        decode_err(az, NULL, 9,
                   "mo_pitr: server sent bad MODIFIED_TIME 'now' (expected YYYY-MM-DD "
                   "HH:MM:SS)");
    }

    /* 1 MB values: a name decodes whole; a time, level, length error is clipped */
    zBig = malloc(1 << 20);
    assert_non_null(zBig);
    memset(zBig, 'n', (1 << 20) - 1);
    zBig[(1 << 20) - 1] = 0;
    show_row(az, zBig, "table", "a", zBig, zBig, "1", "h");
    decode_ok(&r, az);
    assert_int_equal(strlen(r.az[MOPITR_COL_NAME]), (1 << 20) - 1);
    assert_int_equal(strlen(r.az[MOPITR_COL_TABLE]), (1 << 20) - 1);
    mopitr_row_clear(&r);
    show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
    az[MOPITR_SHOW_CREATED] = zBig;
    decode_err(az, NULL, 9, NULL);
    show_row(az, "p", zBig, "*", "*", "*", "1", "h");
    decode_err(az, NULL, 9, NULL);
    show_row(az, "p", "cluster", "*", "*", "*", zBig, "h");
    decode_err(az, NULL, 9, NULL);
    free(zBig);
}

/* Decoded rows hold their strings in one block (lengths kept), a reuse decode keeps a
** big-enough block, mopitr_row_set turns a block row into a per-field one (also with a
** value from the row's own block), and copies and check_create work on either kind. */
static void test_row_block(void **state)
{
    const char *az[MOPITR_SHOW_NCOL];
    mopitr_row r, c;
    char *zErr = NULL, *zBlock;
    int i;
    (void)state;

    show_row(az, "p_block", "database", "acc1", "db1", "*", "7", "d");
    decode_ok(&r, az);
    assert_non_null(r.zBlock);
    for (i = 0; i < MOPITR_NDATA; i++) {
        if (r.az[i] == NULL)
            continue;
        assert_true(r.az[i] >= r.zBlock && r.az[i] < r.zBlock + r.nBlock);
        assert_int_equal(mopitr_row_len(&r, i), (int)strlen(r.az[i]));
    }
    expect_opt(r.az[MOPITR_COL_DATABASE], "db1");
    expect_opt(r.az[MOPITR_COL_TABLE], NULL);

    /* Reuse: a shorter row lands in the same block; a longer one gets a new block. */
    zBlock = r.zBlock;
    show_row(az, "p2", "account", "a", "*", "*", "1", "h");
    assert_int_equal(mopitr_row_decode_reuse(&r, az, NULL, MOPITR_SHOW_NCOL, &zErr), SQLITE_OK);
    assert_ptr_equal(r.zBlock, zBlock);
    expect_opt(r.az[MOPITR_COL_NAME], "p2");
    expect_opt(r.az[MOPITR_COL_DATABASE], NULL);
    assert_int_equal(r.level, MOPITR_LEVEL_ACCOUNT);
    assert_int_equal(r.range_value, 1);
    show_row(az, "p_much_longer_name_that_does_not_fit_in_the_block_of_before_xxxxxxxxxxxxxxxx",
             "table", "acc_long", "db_long", "tab_long", "255", "mo");
    assert_int_equal(mopitr_row_decode_reuse(&r, az, NULL, MOPITR_SHOW_NCOL, &zErr), SQLITE_OK);
    expect_opt(r.az[MOPITR_COL_TABLE], "tab_long");
    assert_int_equal(mopitr_row_len(&r, MOPITR_COL_TABLE), 8);
    assert_int_equal(r.range_value, 255);
    /* A failed reuse decode leaves the row cleared (and frees the block). */
    show_row(az, "p3", "nope", "a", "*", "*", "1", "h");
    assert_int_equal(mopitr_row_decode_reuse(&r, az, NULL, MOPITR_SHOW_NCOL, &zErr), SQLITE_ERROR);
    sqlite3_free(zErr);
    assert_null(r.zBlock);
    assert_null(r.az[MOPITR_COL_NAME]);

    /* Copy of a block row is a block row; set unpacks, even from its own block. */
    show_row(az, "p_set", "table", "acc1", "db1", "t1", "2", "y");
    decode_ok(&r, az);
    assert_int_equal(mopitr_row_copy(&c, &r), SQLITE_OK);
    mopitr_row_clear(&r);
    assert_non_null(c.zBlock);
    assert_int_equal(mopitr_row_set(&c, MOPITR_COL_RANGE_UNIT, c.az[MOPITR_COL_TABLE]), SQLITE_OK);
    assert_null(c.zBlock);
    expect_opt(c.az[MOPITR_COL_RANGE_UNIT], "t1");
    expect_opt(c.az[MOPITR_COL_NAME], "p_set");
    assert_int_equal(mopitr_row_len(&c, MOPITR_COL_NAME), 5);
    assert_int_equal(mopitr_row_set(&c, MOPITR_COL_CREATED, NULL), SQLITE_OK);
    assert_null(c.az[MOPITR_COL_CREATED]);
    assert_int_equal(mopitr_row_copy(&r, &c), SQLITE_OK); /* per-field -> block */
    mopitr_row_clear(&c);
    assert_non_null(r.zBlock);
    expect_opt(r.az[MOPITR_COL_RANGE_UNIT], "t1");
    assert_null(r.az[MOPITR_COL_CREATED]);

    /* check_create on a block row (folds in place): fine, and no leak (valgrind/ASan). */
    assert_int_equal(mopitr_row_set(&r, MOPITR_COL_RANGE_UNIT, "D"), SQLITE_OK);
    show_row(az, "P_UP", "table", "ACC1", "DB1", "T1", "2", "d");
    decode_ok(&c, az);
    assert_int_equal(mopitr_row_check_create(&c, "acc1", &zErr), SQLITE_OK);
    expect_opt(c.az[MOPITR_COL_DATABASE], "db1");
    mopitr_row_clear(&c);
    mopitr_row_clear(&r);
}

/* ------------------------------------------------------------------ check_create */

/* Build an INSERT row; NULL pointers are SQL NULL. */
static void ins_row(mopitr_row *p, const char *zName, const char *zLevel, const char *zAcc,
                    const char *zDb, const char *zTab, sqlite3_int64 v, const char *zUnit)
{
    memset(p, 0, sizeof(*p));
    p->az[MOPITR_COL_NAME] = zName ? sqlite3_mprintf("%s", zName) : NULL;
    p->az[MOPITR_COL_LEVEL] = zLevel ? sqlite3_mprintf("%s", zLevel) : NULL;
    p->az[MOPITR_COL_ACCOUNT] = zAcc ? sqlite3_mprintf("%s", zAcc) : NULL;
    p->az[MOPITR_COL_DATABASE] = zDb ? sqlite3_mprintf("%s", zDb) : NULL;
    p->az[MOPITR_COL_TABLE] = zTab ? sqlite3_mprintf("%s", zTab) : NULL;
    p->az[MOPITR_COL_RANGE_UNIT] = zUnit ? sqlite3_mprintf("%s", zUnit) : NULL;
    p->range_value = v;
}

/* check_create must fail with zWant. */
static void create_err(const char *zName, const char *zLevel, const char *zAcc, const char *zDb,
                       const char *zTab, sqlite3_int64 v, const char *zUnit, const char *zOwn,
                       const char *zWant)
{
    mopitr_row r;
    char *zErr = NULL;
    ins_row(&r, zName, zLevel, zAcc, zDb, zTab, v, zUnit);
    assert_int_equal(mopitr_row_check_create(&r, zOwn, &zErr), SQLITE_ERROR);
    assert_non_null(zErr);
    assert_string_equal(zErr, zWant);
    sqlite3_free(zErr);
    mopitr_row_clear(&r);
}

/* check_create must pass; then compare the normalised row and the CREATE text. */
static void create_ok(const char *zName, const char *zLevel, const char *zAcc, const char *zDb,
                      const char *zTab, sqlite3_int64 v, const char *zUnit, const char *zOwn,
                      const char *zWantSql)
{
    mopitr_row r;
    char *zErr = NULL, *zSql;
    ins_row(&r, zName, zLevel, zAcc, zDb, zTab, v, zUnit);
    if (mopitr_row_check_create(&r, zOwn, &zErr) != SQLITE_OK)
        fail_msg("check_create failed: %s", zErr ? zErr : "?");
    assert_string_equal(r.az[MOPITR_COL_LEVEL], mopitr_level_name(r.level));
    zSql = mopitr_sql_create(&r, mopitr_row_is_own_account(&r, zOwn), 0);
    assert_non_null(zSql);
    assert_string_equal(zSql, zWantSql);
    sqlite3_free(zSql);
    mopitr_row_clear(&r);
}

#define NUL MOPITR_RANGE_NULL

/* ------------------------------------------------------------------ decode layouts */

/* A decode's outcome, rendered for comparison: "E <message>" or "O <level> <range>
** <field>|<field>|..." with NULL as "~". sqlite3_malloc'd. */
static char *decode_render(const char *const *az, const unsigned long *aLen, mopitr_row *pRow)
{
    char *zErr = NULL, *z;
    int rc, i;
    rc = mopitr_row_decode_reuse(pRow, az, aLen, MOPITR_SHOW_NCOL, &zErr);
    if (rc != SQLITE_OK) {
        z = sqlite3_mprintf("E %d %s", rc, zErr ? zErr : "");
        sqlite3_free(zErr);
        for (i = 0; i < MOPITR_NDATA; i++)
            assert_null(pRow->az[i]);
        return z;
    }
    z = sqlite3_mprintf("O %d %lld", (int)pRow->level, pRow->range_value);
    for (i = 0; i < MOPITR_NDATA; i++) {
        const char *zF = pRow->az[i];
        if (zF) {
            assert_int_equal(mopitr_row_len(pRow, i), (int)strlen(zF));
            assert_true(zF >= pRow->zBlock && zF + strlen(zF) < pRow->zBlock + pRow->nBlock);
        }
        z = sqlite3_mprintf("%z|%s", z, zF ? zF : "~");
    }
    return z;
}

/*
** Decode one row four ways and expect the same outcome from each: fields in their own
** buffers with lengths (the quick check), without lengths (strlen: the full check;
** only when no field holds a NUL byte), and laid out back to back as libmariadb does
** (one memcpy), with a NUL or with an 'X' between the fields (the decoder writes the
** terminators itself). pRow is reused across calls, as a scan does.
*/
static void decode_layouts(const char *const *azIn, const unsigned long *aLenIn, mopitr_row *pRow)
{
    const char *azSep[MOPITR_SHOW_NCOL], *azRun[MOPITR_SHOW_NCOL];
    char *apBuf[MOPITR_SHOW_NCOL], *zRun, *zWant, *zGot;
    unsigned long aLen[MOPITR_SHOW_NCOL];
    size_t nRun = 0, off;
    int i, k, bNul = 0, bNull = 0;

    for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
        aLen[i] = azIn[i] ? aLenIn[i] : 0;
        apBuf[i] = NULL;
        azSep[i] = NULL;
        if (azIn[i] == NULL) {
            bNull = 1;
            continue;
        }
        apBuf[i] = malloc(aLen[i] + 1);
        assert_non_null(apBuf[i]);
        memcpy(apBuf[i], azIn[i], aLen[i]);
        apBuf[i][aLen[i]] = 0;
        azSep[i] = apBuf[i];
        if (memchr(azIn[i], 0, aLen[i]))
            bNul = 1;
        nRun += aLen[i] + 1;
    }
    zWant = decode_render(azSep, aLen, pRow);
    if (!bNul) {
        zGot = decode_render(azSep, NULL, pRow);
        assert_string_equal(zGot, zWant);
        sqlite3_free(zGot);
    }
    if (!bNull) {
        zRun = malloc(nRun + 1);
        assert_non_null(zRun);
        for (k = 0; k < 2; k++) {
            for (i = 0, off = 0; i < MOPITR_SHOW_NCOL; i++) {
                memcpy(zRun + off, azIn[i], aLen[i]);
                zRun[off + aLen[i]] = k ? 'X' : 0;
                azRun[i] = zRun + off;
                off += aLen[i] + 1;
            }
            zGot = decode_render(azRun, aLen, pRow);
            assert_string_equal(zGot, zWant);
            sqlite3_free(zGot);
        }
        free(zRun);
    }
    sqlite3_free(zWant);
    for (i = 0; i < MOPITR_SHOW_NCOL; i++)
        free(apBuf[i]);
}

/* Every field of several good rows replaced by each of a set of awkward values: the
** quick check, the full check and both memory layouts agree on every one. */
static void test_decode_layouts(void **state)
{
    static const char *const azBase[][7] = {
        /* level, account, database, table, length, unit, name */
        {"cluster", "*", "*", "*", "1", "h", "p_c"},
        {"account", "acc1", "*", "*", "30", "d", "p_a"},
        {"database", "acc1", "db1", "*", "255", "mo", "p_d"},
        {"table", "acc1", "db1", "t1", "0", "y", "p_t"},
        {"table", "*", "*", "*", "7", "d", "*"},
    };
    /* V(z): a string literal and its length, NUL bytes included. */
    /* clang-format off */
#define V(z) {z, sizeof(z) - 1}
    /* clang-format on */
    static const struct {
        const char *z;
        unsigned long n;
    } aVal[] = {V(""),
                V("*"),
                V("x"),
                V("cluster"),
                V("CLUSTER"),
                V("account"),
                V("accounu"),
                V("database"),
                V("databasf"),
                V("table"),
                V("tablee"),
                V("255"),
                V("256"),
                V("0"),
                V("007"),
                V("1a"),
                V("1000"),
                V("2024-12-25 16:34:55"),
                V("2024-12-25 16:34:5:"),
                V("2024-12-25T16:34:55"),
                V("2024-12-25 16:34:555"),
                V("9999-99-99 99:99:99"),
                V("0000-00-00 00:00:00"),
                V("ab\0cd"),
                V("2024-12-25 16:34:5\0"),
                V("\xff\xfe"),
                V("a name with spaces and 'quotes' that runs on for a while, past sixty-four "
                  "bytes of text"),
                {NULL, 0}};
#undef V
    mopitr_row r;
    size_t b, v;
    int i;
    (void)state;

    memset(&r, 0, sizeof(r));
    for (b = 0; b < sizeof(azBase) / sizeof(azBase[0]); b++) {
        const char *az[MOPITR_SHOW_NCOL];
        unsigned long aLen[MOPITR_SHOW_NCOL];
        show_row(az, azBase[b][6], azBase[b][0], azBase[b][1], azBase[b][2], azBase[b][3],
                 azBase[b][4], azBase[b][5]);
        for (i = 0; i < MOPITR_SHOW_NCOL; i++)
            aLen[i] = strlen(az[i]);
        decode_layouts(az, aLen, &r);
        for (i = 0; i < MOPITR_SHOW_NCOL; i++) {
            for (v = 0; v < sizeof(aVal) / sizeof(aVal[0]); v++) {
                const char *zKeep = az[i];
                unsigned long nKeep = aLen[i];
                az[i] = aVal[v].z;
                aLen[i] = aVal[v].n;
                decode_layouts(az, aLen, &r);
                az[i] = zKeep;
                aLen[i] = nKeep;
            }
        }
    }
    mopitr_row_clear(&r);
}

/* The time check, byte by byte: every position of a good time set to every byte value
** is accepted exactly when a digit stays a digit and a separator stays itself. */
static void test_decode_time_bytes(void **state)
{
    static const char zGood[] = "2024-12-25 16:34:55";
    const char *az[MOPITR_SHOW_NCOL];
    unsigned long aLen[MOPITR_SHOW_NCOL];
    char aTime[sizeof(zGood)];
    mopitr_row r;
    int iPos, c, i;
    (void)state;

    memset(&r, 0, sizeof(r));
    show_row(az, "p", "cluster", "*", "*", "*", "1", "h");
    for (iPos = 0; iPos < (int)sizeof(zGood) - 1; iPos++) {
        for (c = 0; c < 256; c++) {
            int bDigit = zGood[iPos] >= '0' && zGood[iPos] <= '9';
            int bWant = bDigit ? (c >= '0' && c <= '9') : c == zGood[iPos];
            char *zErr = NULL;
            int rc;
            memcpy(aTime, zGood, sizeof(zGood));
            aTime[iPos] = (char)c;
            for (i = 0; i < MOPITR_SHOW_NCOL; i++)
                aLen[i] = strlen(az[i]);
            az[MOPITR_SHOW_MODIFIED] = aTime;
            aLen[MOPITR_SHOW_MODIFIED] = sizeof(zGood) - 1;
            rc = mopitr_row_decode_reuse(&r, az, aLen, MOPITR_SHOW_NCOL, &zErr);
            if (rc != (bWant ? SQLITE_OK : SQLITE_ERROR))
                fail_msg("time byte 0x%02x at %d: rc %d", c, iPos, rc);
            if (!bWant)
                assert_non_null(strstr(zErr, c ? "bad MODIFIED_TIME" : "NUL byte in MODIFIED"));
            sqlite3_free(zErr);
        }
    }
    mopitr_row_clear(&r);
}

static void test_check_create_ok(void **state)
{
    mopitr_row r;
    char *zErr = NULL;
    (void)state;
    /* explicit levels, every form */
    create_ok("c1", "cluster", NULL, NULL, NULL, 2, "H", "sys",
              "CREATE PITR `c1` FOR CLUSTER RANGE 2 'h'");
    create_ok("a1", "ACCOUNT", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `a1` FOR ACCOUNT RANGE 1 'd'");
    create_ok("a2", "account", "SYS", NULL, NULL, 1, "d", "sys",
              "CREATE PITR `a2` FOR ACCOUNT RANGE 1 'd'");
    create_ok("a3", "account", "acc01", NULL, NULL, 5, "Mo", "sys",
              "CREATE PITR `a3` FOR ACCOUNT `acc01` RANGE 5 'mo'");
    create_ok("a4", "account", "Acc01", NULL, NULL, 5, "y", "ACC01",
              "CREATE PITR `a4` FOR ACCOUNT RANGE 5 'y'");
    create_ok("d1", "database", NULL, "DB1", NULL, 7, "d", NULL,
              "CREATE PITR `d1` FOR DATABASE `db1` RANGE 7 'd'");
    create_ok("t1", "table", "sys", "db1", "T01", 100, "MO", "sys",
              "CREATE PITR `t1` FOR TABLE `db1` `t01` RANGE 100 'mo'");
    /* level inferred */
    create_ok("t2", NULL, NULL, "db1", "t1", 1, "h", "sys",
              "CREATE PITR `t2` FOR TABLE `db1` `t1` RANGE 1 'h'");
    create_ok("d2", NULL, NULL, "db1", NULL, 1, "h", "acc01",
              "CREATE PITR `d2` FOR DATABASE `db1` RANGE 1 'h'");
    create_ok("a5", NULL, "acc02", NULL, NULL, 1, "h", "sys",
              "CREATE PITR `a5` FOR ACCOUNT `acc02` RANGE 1 'h'");
    create_ok("a6", NULL, "acc02", NULL, NULL, 1, "h", "acc02",
              "CREATE PITR `a6` FOR ACCOUNT RANGE 1 'h'");
    /* defaults: range 1 'd' */
    create_ok("x1", "cluster", NULL, NULL, NULL, NUL, NULL, "sys",
              "CREATE PITR `x1` FOR CLUSTER RANGE 1 'd'");
    create_ok("x2", "cluster", NULL, NULL, NULL, NUL, "y", "sys",
              "CREATE PITR `x2` FOR CLUSTER RANGE 1 'y'");
    create_ok("x3", "cluster", NULL, NULL, NULL, 9, NULL, "sys",
              "CREATE PITR `x3` FOR CLUSTER RANGE 9 'd'");
    /* names MatrixOne accepts round-trip, folded */
    create_ok("MyPitr", "cluster", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `mypitr` FOR CLUSTER RANGE 1 'd'");
    create_ok("select", "cluster", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `select` FOR CLUSTER RANGE 1 'd'");
    create_ok("a;b%c_d$e-f", "cluster", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `a;b%c_d$e-f` FOR CLUSTER RANGE 1 'd'");
    create_ok("\xC3\x89T\xC3\x89_\xD0\x9F", "cluster", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `\xC3\xA9t\xC3\xA9_\xD0\xBF` FOR CLUSTER RANGE 1 'd'");
    create_ok("p", "table", NULL, "my db", "t`x", 1, "d", "sys",
              "CREATE PITR `p` FOR TABLE `my db` `t``x` RANGE 1 'd'");
    create_ok("sys_mo_catalog_pitr2", "cluster", NULL, NULL, NULL, 1, "d", "sys",
              "CREATE PITR `sys_mo_catalog_pitr2` FOR CLUSTER RANGE 1 'd'");

    /* the normalised row: own account filled in, level set, unit lower case */
    ins_row(&r, "P", NULL, NULL, "Db", NULL, NUL, NULL);
    assert_int_equal(mopitr_row_check_create(&r, "Acc9", &zErr), SQLITE_OK);
    assert_int_equal(r.level, MOPITR_LEVEL_DATABASE);
    expect_opt(r.az[MOPITR_COL_NAME], "p");
    expect_opt(r.az[MOPITR_COL_LEVEL], "database");
    expect_opt(r.az[MOPITR_COL_ACCOUNT], "acc9");
    expect_opt(r.az[MOPITR_COL_DATABASE], "db");
    expect_opt(r.az[MOPITR_COL_TABLE], NULL);
    assert_int_equal(r.range_value, 1);
    expect_opt(r.az[MOPITR_COL_RANGE_UNIT], "d");
    assert_true(mopitr_row_is_own_account(&r, "ACC9"));
    assert_false(mopitr_row_is_own_account(&r, "sys"));
    mopitr_row_clear(&r);

    /* p->level preset and level column NULL: the preset wins */
    ins_row(&r, "p", NULL, NULL, NULL, NULL, 1, "d");
    r.level = MOPITR_LEVEL_CLUSTER;
    assert_int_equal(mopitr_row_check_create(&r, NULL, &zErr), SQLITE_OK);
    expect_opt(r.az[MOPITR_COL_LEVEL], "cluster");
    expect_opt(r.az[MOPITR_COL_ACCOUNT], NULL);
    mopitr_row_clear(&r);
}

static void test_check_create_errors(void **state)
{
    (void)state;
    create_err(NULL, "cluster", NULL, NULL, NULL, 1, "d", "sys", "mo_pitr: name must not be NULL");
    create_err("", "cluster", NULL, NULL, NULL, 1, "d", "sys", "mo_pitr: name must not be empty");
    create_err("a b", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'a b' contains a space, which MatrixOne does not accept");
    create_err("A\tB", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'a?b' contains a tab, which MatrixOne does not accept");
    create_err("it's", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'it's' contains a single quote, which MatrixOne does not accept");
    create_err("say\"hi\"", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'say\"hi\"' contains a double quote, which MatrixOne does not "
               "accept");
    create_err("a`b", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'a`b' contains a backtick, which MatrixOne does not accept");
    create_err("SYS_MO_CATALOG_PITR", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: name 'sys_mo_catalog_pitr' is reserved by MatrixOne");
    create_err("p", "cluster", "", NULL, NULL, 1, "d", "sys",
               "mo_pitr: account_name must not be empty (use NULL for none)");
    create_err("p", "database", NULL, "", NULL, 1, "d", "sys",
               "mo_pitr: database_name must not be empty (use NULL for none)");
    create_err("p", "table", NULL, "db", "", 1, "d", "sys",
               "mo_pitr: table_name must not be empty (use NULL for none)");
    create_err("p", "tenant", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: level must be one of cluster, account, database, table, got 'tenant'");
    create_err("p", "", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: level must be one of cluster, account, database, table, got ''");
    create_err("p", NULL, NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: level is required when account_name, database_name and table_name "
               "are all NULL (use 'account' or 'cluster')");
    create_err("p", "cluster", "acc", NULL, NULL, 1, "d", "sys",
               "mo_pitr: level 'cluster' takes no account_name, got 'acc'");
    create_err("p", "cluster", NULL, "DB1", NULL, 1, "d", "sys",
               "mo_pitr: level 'cluster' takes no database_name, got 'db1'");
    create_err("p", "cluster", NULL, NULL, "t", 1, "d", "sys",
               "mo_pitr: level 'cluster' takes no table_name, got 't'");
    create_err("p", "account", NULL, "db1", NULL, 1, "d", "sys",
               "mo_pitr: level 'account' takes no database_name, got 'db1'");
    create_err("p", "account", NULL, NULL, "t1", 1, "d", "sys",
               "mo_pitr: level 'account' takes no table_name, got 't1'");
    create_err("p", "database", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: level 'database' requires database_name");
    create_err("p", "database", NULL, "db", "t", 1, "d", "sys",
               "mo_pitr: level 'database' takes no table_name, got 't'");
    create_err("p", "table", NULL, NULL, "t", 1, "d", "sys",
               "mo_pitr: level 'table' requires database_name");
    create_err("p", "table", NULL, "db", NULL, 1, "d", "sys",
               "mo_pitr: level 'table' requires table_name");
    create_err("p", "database", "acc01", "db", NULL, 1, "d", "sys",
               "mo_pitr: account_name 'acc01' is not the connection's account 'sys'; database "
               "and table PITRs always belong to the connection's account");
    create_err("p", NULL, "sys", "db", "t", 1, "d", "acc01",
               "mo_pitr: account_name 'sys' is not the connection's account 'acc01'; database "
               "and table PITRs always belong to the connection's account");
    create_err("p", "cluster", NULL, NULL, NULL, 0, "d", "sys",
               "mo_pitr: range_value must be an integer from 1 to 100, got 0");
    create_err("p", "cluster", NULL, NULL, NULL, 101, "d", "sys",
               "mo_pitr: range_value must be an integer from 1 to 100, got 101");
    create_err("p", "cluster", NULL, NULL, NULL, -1, "d", "sys",
               "mo_pitr: range_value must be an integer from 1 to 100, got -1");
    create_err("p", "cluster", NULL, NULL, NULL, 1, "day", "sys",
               "mo_pitr: range_unit must be one of h, d, mo, y, got 'day'");
    create_err("p", "cluster", NULL, NULL, NULL, 1, "", "sys",
               "mo_pitr: range_unit must be one of h, d, mo, y, got ''");
    create_err("p", "cluster", NULL, NULL, NULL, 1, "m", "sys",
               "mo_pitr: range_unit must be one of h, d, mo, y, got 'm'");
    /* order: the name is checked before the level and the range */
    create_err("a b", "tenant", NULL, NULL, NULL, 0, "day", "sys",
               "mo_pitr: name 'a b' contains a space, which MatrixOne does not accept");
    /* backslashes (issue 12): MatrixOne would store or target another name */
    create_err("X\\Y", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: pitr name 'x\\y' contains a backslash, which MatrixOne would mangle "
               "(it would create pitr 'xy'); use a name without a backslash");
    create_err("p", "database", NULL, "N\\db", NULL, 1, "d", "sys",
               "mo_pitr: database name 'n\\db' contains a backslash, which MatrixOne would "
               "mangle (the pitr would protect database 'ndb'); mo_pitr sends no name with a "
               "backslash");
    create_err("p", "table", NULL, "db", "t\\\\1", 1, "d", "sys",
               "mo_pitr: table name 't\\\\1' contains a backslash, which MatrixOne would "
               "mangle (the pitr would protect table 't\\1'); mo_pitr sends no name with a "
               "backslash");
    create_err("p", "account", "acc\\", NULL, NULL, 1, "d", "sys",
               "mo_pitr: account name 'acc\\' contains a backslash, which MatrixOne would "
               "mangle (it would fail with a syntax error); mo_pitr sends no name with a "
               "backslash");
    create_err("a\\nb", "cluster", NULL, NULL, NULL, 1, "d", "sys",
               "mo_pitr: pitr name 'a\\nb' contains a backslash, which MatrixOne would mangle "
               "(it would create pitr 'a?b'); use a name without a backslash");
}

/* mopitr_name_check for ALTER and DROP, and empty names. */
static void test_name_check(void **state)
{
    char *zErr = NULL;
    (void)state;
    assert_int_equal(mopitr_name_check(MOPITR_COL_NAME, "p1", MOPITR_NAME_DROP, &zErr), SQLITE_OK);
    assert_null(zErr);
    assert_int_equal(mopitr_name_check(MOPITR_COL_NAME, "x\\y", MOPITR_NAME_ALTER, &zErr),
                     SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: pitr name 'x\\y' contains a backslash, which MatrixOne "
                              "would mangle (ALTER PITR would change pitr 'xy'); alter it from a "
                              "MySQL client with every backslash doubled");
    sqlite3_free(zErr);
    zErr = NULL;
    assert_int_equal(mopitr_name_check(MOPITR_COL_NAME, "x\\\\y", MOPITR_NAME_DROP, &zErr),
                     SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: pitr name 'x\\\\y' contains a backslash, which MatrixOne "
                              "would mangle (DROP PITR would drop pitr 'x\\y'); drop it from a "
                              "MySQL client with every backslash doubled");
    sqlite3_free(zErr);
    zErr = NULL;
    assert_int_equal(mopitr_name_check(MOPITR_COL_NAME, "", MOPITR_NAME_DROP, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: name must not be empty");
    sqlite3_free(zErr);
    zErr = NULL;
    assert_int_equal(mopitr_name_check(MOPITR_COL_DATABASE, NULL, MOPITR_NAME_CREATE, &zErr),
                     SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: database_name must not be empty (use NULL for none)");
    sqlite3_free(zErr);
    zErr = NULL;
    /* \% and \_ keep their backslash (MySQL's rule) */
    assert_int_equal(mopitr_name_check(MOPITR_COL_NAME, "a\\%", MOPITR_NAME_CREATE, &zErr),
                     SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: pitr name 'a\\%' contains a backslash, which MatrixOne "
                              "would mangle (it would create pitr 'a\\%'); use a name without a "
                              "backslash");
    sqlite3_free(zErr);
}

static void test_range_check(void **state)
{
    char aUnit[8];
    char *zErr = NULL;
    static const char *azOk[] = {"h", "H", "d", "D", "mo", "MO", "Mo", "mO", "y", "Y"};
    static const char *azLow[] = {"h", "h", "d", "d", "mo", "mo", "mo", "mo", "y", "y"};
    int i;
    (void)state;
    for (i = 0; i < 10; i++) {
        strcpy(aUnit, azOk[i]);
        assert_int_equal(mopitr_range_check(1, aUnit, &zErr), SQLITE_OK);
        assert_string_equal(aUnit, azLow[i]);
        assert_int_equal(mopitr_range_check(100, aUnit, &zErr), SQLITE_OK);
    }
    strcpy(aUnit, "d");
    assert_int_equal(mopitr_range_check(0, aUnit, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_value must be an integer from 1 to 100, got 0");
    sqlite3_free(zErr);
    assert_int_equal(mopitr_range_check(MOPITR_RANGE_NULL + 1, aUnit, &zErr), SQLITE_ERROR);
    sqlite3_free(zErr);
    assert_int_equal(mopitr_range_check(5, NULL, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_unit must be one of h, d, mo, y, got NULL");
    sqlite3_free(zErr);
    strcpy(aUnit, "hour");
    assert_int_equal(mopitr_range_check(5, aUnit, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_unit must be one of h, d, mo, y, got 'hour'");
    sqlite3_free(zErr);
}

static void test_val_to_range(void **state)
{
    mopitr_val v;
    sqlite3_int64 i = 0;
    char *zErr = NULL;
    (void)state;
    memset(&v, 0, sizeof(v));
    v.eType = SQLITE_NULL;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_true(i == MOPITR_RANGE_NULL);
    v.eType = SQLITE_INTEGER;
    v.i = 7;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_int_equal(i, 7);
    v.i = MOPITR_RANGE_NULL; /* the sentinel itself never means NULL */
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_true(i != MOPITR_RANGE_NULL && i < 0);
    v.eType = SQLITE_FLOAT;
    v.r = 3.0;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_int_equal(i, 3);
    v.r = 1.5;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_value must be an integer from 1 to 100, got 1.5");
    sqlite3_free(zErr);
    v.r = 1e300;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_ERROR);
    sqlite3_free(zErr);
    v.eType = SQLITE_TEXT;
    v.z = " 12 ";
    v.n = 4;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_int_equal(i, 12);
    v.z = "2.0";
    v.n = 3;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_OK);
    assert_int_equal(i, 2);
    v.z = "abc";
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_value must be an integer from 1 to 100, got 'abc'");
    sqlite3_free(zErr);
    v.z = "2.5";
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_value must be an integer from 1 to 100, got 2.5");
    sqlite3_free(zErr);
    v.eType = SQLITE_BLOB;
    v.z = "\x01";
    v.n = 1;
    assert_int_equal(mopitr_val_to_range(&v, &i, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: range_value must be an integer from 1 to 100, got a blob");
    sqlite3_free(zErr);
}

static void test_fold(void **state)
{
    static const char *az[][2] = {
        {"MyPitr_01", "mypitr_01"},
        {"\xC3\x80\xC3\x89\xC3\x8E\xC3\x97\xC3\x9F", "\xC3\xA0\xC3\xA9\xC3\xAE\xC3\x97\xC3\x9F"},
        {"\xC4\x80\xC4\xB9\xC5\xB8\xC5\xBD", "\xC4\x81\xC4\xBA\xC3\xBF\xC5\xBE"},
        {"\xCE\x91\xCE\x92\xCE\x93\xCE\x86", "\xCE\xB1\xCE\xB2\xCE\xB3\xCE\xAC"},
        {"\xD0\x9F\xD0\xA0\xD0\x98\xD0\x80", "\xD0\xBF\xD1\x80\xD0\xB8\xD1\x90"},
        {"\xEF\xBC\xA1\xE1\xB8\x80", "\xEF\xBD\x81\xE1\xB8\x81"},
        {"\xC4\xB0\xF0\x9F\x98\x80X", "\xC4\xB0\xF0\x9F\x98\x80x"}, /* U+0130 kept, emoji */
        {"\xFF\xC3Z", "\xFF\xC3z"},                                 /* stray bytes */
    };
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof(az) / sizeof(az[0]); i++) {
        char *z = sqlite3_mprintf("%s", az[i][0]);
        mopitr_fold(z);
        assert_string_equal(z, az[i][1]);
        sqlite3_free(z);
    }
}

/* mopitr_text_num agrees with SQLite's numeric affinity (INTEGER column storage). */
static void test_text_num(void **state)
{
    static const char *az[] = {
        "0",
        "5",
        "+5",
        "-5",
        " 5 ",
        "\t5\n",
        "05",
        "5.",
        ".5",
        "5.0",
        "-0",
        "-0.0",
        "1e2",
        "1E+2",
        "1e-2",
        "2.5e1",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "abc",
        "",
        " ",
        "5a",
        "a5",
        "1e",
        "1e+",
        ".",
        "-",
        "+",
        "0x10",
        "inf",
        "nan",
        "5 5",
        "--5",
        "1.2.3",
        "\xC2\xA0"
        "5",
        "255",
        "255.0000000001",
        "1,5",
        "١",
    };
    sqlite3 *db;
    sqlite3_stmt *pIns, *pSel;
    unsigned i;
    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE n(x INTEGER)", 0, 0, 0), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO n VALUES(?)", -1, &pIns, 0), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT typeof(x), x FROM n WHERE rowid = ?", -1, &pSel, 0),
        SQLITE_OK);
    for (i = 0; i < sizeof(az) / sizeof(az[0]); i++) {
        sqlite3_int64 iv = 0, rowid;
        double r = 0;
        int e = mopitr_text_num(az[i], (int)strlen(az[i]), &iv, &r);
        const char *zType;
        sqlite3_bind_text(pIns, 1, az[i], -1, SQLITE_STATIC);
        assert_int_equal(sqlite3_step(pIns), SQLITE_DONE);
        sqlite3_reset(pIns);
        rowid = sqlite3_last_insert_rowid(db);
        sqlite3_bind_int64(pSel, 1, rowid);
        assert_int_equal(sqlite3_step(pSel), SQLITE_ROW);
        zType = (const char *)sqlite3_column_text(pSel, 0);
        if (strcmp(zType, "text") == 0) {
            if (e != 0)
                fail_msg("'%s': sqlite says text, mopitr_text_num says %d", az[i], e);
        } else {
            if (e == 0)
                fail_msg("'%s': sqlite says %s, mopitr_text_num says not a number", az[i], zType);
            if (strcmp(zType, "integer") == 0 && e == 1)
                assert_true(iv == sqlite3_column_int64(pSel, 1));
            else if (sqlite3_column_double(pSel, 1) != r)
                fail_msg("'%s': sqlite %.17g, mopitr %.17g", az[i], sqlite3_column_double(pSel, 1),
                         r);
        }
        sqlite3_reset(pSel);
    }
    sqlite3_finalize(pIns);
    sqlite3_finalize(pSel);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_levels),          cmocka_unit_test(test_decode_stars),
        cmocka_unit_test(test_decode_lying),    cmocka_unit_test(test_row_block),
        cmocka_unit_test(test_decode_layouts),  cmocka_unit_test(test_decode_time_bytes),
        cmocka_unit_test(test_check_create_ok), cmocka_unit_test(test_check_create_errors),
        cmocka_unit_test(test_name_check),      cmocka_unit_test(test_range_check),
        cmocka_unit_test(test_val_to_range),    cmocka_unit_test(test_fold),
        cmocka_unit_test(test_text_num),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
