/*
** test_guard.c: unit tests of ext/guard.c (does a DELETE have a WHERE clause?).
**
** Covers: no WHERE (plain, schema-qualified, quoted names, aliases, INDEXED BY, NOT
** INDEXED, RETURNING, ORDER BY / LIMIT, a trailing ';', comments); a WHERE that matches
** everything (WHERE 1, WHERE true, a non-pushable expression); WITH prefixes whose CTEs
** hold their own WHERE; keywords hidden in strings, quoted names and comments; another
** table, another statement kind, and malformed text (-1).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "mo_pitr_int.h"

static void test_no_where(void **state)
{
    (void)state;
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM mo_pitr", "mo_pitr"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("delete from MO_PITR;", "mo_pitr"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("  DELETE\n FROM main.mo_pitr ; ", "mo_pitr"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM \"my t\"", "my t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM [my t] AS x", "my t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM `a``b` x", "a`b"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t INDEXED BY i", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t NOT INDEXED", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t RETURNING name", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t ORDER BY name LIMIT 1", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t -- WHERE name = 'x'", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE /* WHERE */ FROM t /* where */", "t"), 0);
    assert_int_equal(mopitr_sql_delete_has_where("WITH w AS (SELECT 1 WHERE 1) DELETE FROM t", "t"),
                     0);
    assert_int_equal(mopitr_sql_delete_has_where(
                         "WITH RECURSIVE a(x) AS (SELECT 1), b AS MATERIALIZED (SELECT (2) "
                         "WHERE (1)) DELETE FROM t",
                         "t"),
                     0);
}

static void test_where(void **state)
{
    (void)state;
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM mo_pitr WHERE 1", "mo_pitr"), 1);
    assert_int_equal(mopitr_sql_delete_has_where("delete from mo_pitr where true", "mo_pitr"), 1);
    assert_int_equal(
        mopitr_sql_delete_has_where("DELETE FROM t AS x WHERE lower(x.name) = name", "t"), 1);
    assert_int_equal(
        mopitr_sql_delete_has_where("DELETE FROM main.\"t\" INDEXED BY i WHERE a", "t"), 1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t NOT INDEXED WHERE a", "t"), 1);
    assert_int_equal(
        mopitr_sql_delete_has_where("WITH w(n) AS (SELECT 'x') DELETE FROM t WHERE name IN w", "t"),
        1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM t\nWHERE\tname = ';'", "t"), 1);
}

static void test_not_this_delete(void **state)
{
    (void)state;
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM other", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM mo_pitr_x", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("INSERT INTO log VALUES (1)", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("SELECT 'DELETE FROM mo_pitr'", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE mo_pitr", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("WITH a AS (SELECT 1", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM 'mo_pitr'", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM mo_pitr x y", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where(NULL, "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("DELETE FROM \"unterminated", "mo_pitr"), -1);
    assert_int_equal(mopitr_sql_delete_has_where("/* unterminated", "mo_pitr"), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_where),
        cmocka_unit_test(test_where),
        cmocka_unit_test(test_not_this_delete),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
