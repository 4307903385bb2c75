/*
** test_sqlgen.c: unit tests of ext/sqlgen.c (remote SQL text and escaping).
**
** Covers: identifier quoting (backticks doubled, empty and NUL refused), string
** literals (quotes doubled, backslashes doubled unless NO_BACKSLASH_ESCAPES, NUL
** refused), unicode and ';' passing through as data, and the exact CREATE / ALTER /
** DROP PITR text for every level and form, including hostile names.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

/* Compare a generated string with the expected one and free it. */
static void expect_str(char *z, const char *zWant)
{
    if (zWant == NULL) {
        assert_null(z);
        return;
    }
    assert_non_null(z);
    assert_string_equal(z, zWant);
    sqlite3_free(z);
}

static void test_ident(void **state)
{
    (void)state;
    expect_str(mopitr_sql_ident("p1"), "`p1`");
    expect_str(mopitr_sql_ident("a`b"), "`a``b`");
    expect_str(mopitr_sql_ident("``"), "``````");
    expect_str(mopitr_sql_ident("select"), "`select`");
    expect_str(mopitr_sql_ident("x; DROP PITR y; --"), "`x; DROP PITR y; --`");
    expect_str(mopitr_sql_ident("$%^#_-"), "`$%^#_-`");
    expect_str(mopitr_sql_ident("caf\xC3\xA9_\xE6\x97\xA5"), "`caf\xC3\xA9_\xE6\x97\xA5`");
    expect_str(mopitr_sql_ident("it's \"q\" \\"), "`it's \"q\" \\`");
    expect_str(mopitr_sql_ident(""), NULL);
    expect_str(mopitr_sql_ident(NULL), NULL);
    expect_str(mopitr_sql_ident_n("a\0b", 3), NULL);
    expect_str(mopitr_sql_ident_n("abc", 2), "`ab`");
    expect_str(mopitr_sql_ident_n("a`", -1), "`a```");
}

static void test_string(void **state)
{
    (void)state;
    expect_str(mopitr_sql_string("d", 0), "'d'");
    expect_str(mopitr_sql_string("", 0), "''");
    expect_str(mopitr_sql_string("it's", 0), "'it''s'");
    expect_str(mopitr_sql_string("''", 1), "''''''");
    expect_str(mopitr_sql_string("a\\b", 0), "'a\\\\b'");
    expect_str(mopitr_sql_string("a\\b", 1), "'a\\b'");
    expect_str(mopitr_sql_string("\\'", 0), "'\\\\'''");
    expect_str(mopitr_sql_string("\\'", 1), "'\\'''");
    expect_str(mopitr_sql_string("x'; DROP PITR p; --", 0), "'x''; DROP PITR p; --'");
    expect_str(mopitr_sql_string("\"dq\" `bt`", 0), "'\"dq\" `bt`'");
    expect_str(mopitr_sql_string("line\nfeed\r\t", 0), "'line\nfeed\r\t'");
    expect_str(mopitr_sql_string("\xE2\x82\xAC;", 0), "'\xE2\x82\xAC;'");
    expect_str(mopitr_sql_string(NULL, 0), NULL);
    expect_str(mopitr_sql_string_n("a\0b", 3, 0), NULL);
    expect_str(mopitr_sql_string_n("a\0b", 3, 1), NULL);
    expect_str(mopitr_sql_string_n("ab'", 3, 1), "'ab'''");
}

/* A row for CREATE with the given fields. */
static void make_row(mopitr_row *p, mopitr_level e, const char *zName, const char *zAcc,
                     const char *zDb, const char *zTab, sqlite3_int64 v, const char *zUnit)
{
    memset(p, 0, sizeof(*p));
    p->level = e;
    p->az[MOPITR_COL_NAME] = zName ? sqlite3_mprintf("%s", zName) : NULL;
    p->az[MOPITR_COL_ACCOUNT] = zAcc ? sqlite3_mprintf("%s", zAcc) : NULL;
    p->az[MOPITR_COL_DATABASE] = zDb ? sqlite3_mprintf("%s", zDb) : NULL;
    p->az[MOPITR_COL_TABLE] = zTab ? sqlite3_mprintf("%s", zTab) : NULL;
    p->az[MOPITR_COL_RANGE_UNIT] = zUnit ? sqlite3_mprintf("%s", zUnit) : NULL;
    p->range_value = v;
}

static void test_create(void **state)
{
    mopitr_row r;
    (void)state;
    make_row(&r, MOPITR_LEVEL_CLUSTER, "c1", NULL, NULL, NULL, 2, "h");
    expect_str(mopitr_sql_create(&r, 0, 0), "CREATE PITR `c1` FOR CLUSTER RANGE 2 'h'");
    mopitr_row_clear(&r);

    make_row(&r, MOPITR_LEVEL_ACCOUNT, "a1", "sys", NULL, NULL, 1, "d");
    expect_str(mopitr_sql_create(&r, 1, 0), "CREATE PITR `a1` FOR ACCOUNT RANGE 1 'd'");
    expect_str(mopitr_sql_create(&r, 0, 0), "CREATE PITR `a1` FOR ACCOUNT `sys` RANGE 1 'd'");
    mopitr_row_clear(&r);

    make_row(&r, MOPITR_LEVEL_ACCOUNT, "a2", NULL, NULL, NULL, 100, "y");
    expect_str(mopitr_sql_create(&r, 0, 0), "CREATE PITR `a2` FOR ACCOUNT RANGE 100 'y'");
    mopitr_row_clear(&r);

    make_row(&r, MOPITR_LEVEL_ACCOUNT, "a3", "acc`01", NULL, NULL, 3, "mo");
    expect_str(mopitr_sql_create(&r, 0, 0), "CREATE PITR `a3` FOR ACCOUNT `acc``01` RANGE 3 'mo'");
    mopitr_row_clear(&r);

    make_row(&r, MOPITR_LEVEL_DATABASE, "d1", "sys", "db1", NULL, 7, "d");
    expect_str(mopitr_sql_create(&r, 1, 0), "CREATE PITR `d1` FOR DATABASE `db1` RANGE 7 'd'");
    mopitr_row_clear(&r);

    make_row(&r, MOPITR_LEVEL_TABLE, "t1", "sys", "db1", "t01", 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), "CREATE PITR `t1` FOR TABLE `db1` `t01` RANGE 1 'h'");
    mopitr_row_clear(&r);

    /* hostile names stay data */
    make_row(&r, MOPITR_LEVEL_TABLE, "x;drop", "sys", "d`b", "t'; DROP PITR p; --", 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0),
               "CREATE PITR `x;drop` FOR TABLE `d``b` `t'; DROP PITR p; --` RANGE 1 'h'");
    mopitr_row_clear(&r);

    /* a unit with quote/backslash is escaped (callers validate it before anyway) */
    make_row(&r, MOPITR_LEVEL_CLUSTER, "c", NULL, NULL, NULL, 1, "d'\\");
    expect_str(mopitr_sql_create(&r, 0, 0), "CREATE PITR `c` FOR CLUSTER RANGE 1 'd''\\\\'");
    expect_str(mopitr_sql_create(&r, 0, 1), "CREATE PITR `c` FOR CLUSTER RANGE 1 'd''\\'");
    mopitr_row_clear(&r);

    /* missing pieces: NULL */
    make_row(&r, MOPITR_LEVEL_TABLE, "t", NULL, "db", NULL, 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
    make_row(&r, MOPITR_LEVEL_DATABASE, "t", NULL, NULL, NULL, 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
    make_row(&r, MOPITR_LEVEL_NONE, "t", NULL, NULL, NULL, 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
    make_row(&r, MOPITR_LEVEL_CLUSTER, NULL, NULL, NULL, NULL, 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
    make_row(&r, MOPITR_LEVEL_CLUSTER, "c", NULL, NULL, NULL, 1, NULL);
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
    make_row(&r, MOPITR_LEVEL_CLUSTER, "", NULL, NULL, NULL, 1, "h");
    expect_str(mopitr_sql_create(&r, 1, 0), NULL);
    mopitr_row_clear(&r);
}

static void test_alter_drop(void **state)
{
    (void)state;
    expect_str(mopitr_sql_alter("p1", 2, "mo", 0), "ALTER PITR `p1` RANGE 2 'mo'");
    expect_str(mopitr_sql_alter("p`1", 100, "y", 1), "ALTER PITR `p``1` RANGE 100 'y'");
    expect_str(mopitr_sql_alter("", 1, "d", 0), NULL);
    expect_str(mopitr_sql_alter("p", 1, NULL, 0), NULL);
    expect_str(mopitr_sql_drop("p1"), "DROP PITR `p1`");
    expect_str(mopitr_sql_drop("a`b`"), "DROP PITR `a``b```");
    expect_str(mopitr_sql_drop("\xC3\xA9t\xC3\xA9"), "DROP PITR `\xC3\xA9t\xC3\xA9`");
    expect_str(mopitr_sql_drop(""), NULL);
    expect_str(mopitr_sql_drop(NULL), NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ident),
        cmocka_unit_test(test_string),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_alter_drop),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
