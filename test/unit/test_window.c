/*
** test_window.c: unit tests of ext/window.c (time arithmetic of recovery windows) and
** ext/objname.c (names given to the recovery functions).
**
** Covers: strict parsing of 'YYYY-MM-DD HH:MM:SS[.f]' (fractions, every field's range,
** leap days, look-alikes refused), formatting with and without fractions, Go's AddDate
** on UTC with month-end normalisation (the expected values were printed by Go 1.x's
** time.AddDate for the same inputs: Mar 31 - 1 month = Mar 3, Mar 2 in a leap year,
** Feb 29 - 1 year = Mar 1), now - range for h/d/mo/y and unknown units, the earliest
** restorable second (creation bound, range bound, rounding of a fractional now, range
** 0), a PITR row's earliest_restorable, and the name rules (folding, empty, NUL,
** backslash, system databases).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

/* Seconds of a valid time text (fails the test if it does not parse). */
static sqlite3_int64 t_sec(const char *z)
{
    sqlite3_int64 s = 0;
    int ns = 0;
    assert_int_equal(mopitr_time_parse(z, -1, &s, &ns), 1);
    return s;
}

/* Format s and compare with zWant. */
static void t_fmt(sqlite3_int64 s, const char *zWant)
{
    char aBuf[MOPITR_TIME_SIZE];
    assert_int_equal(mopitr_time_format(s, aBuf), 1);
    assert_string_equal(aBuf, zWant);
}

static void test_parse(void **state)
{
    sqlite3_int64 s;
    int ns;
    (void)state;
    assert_int_equal(mopitr_time_parse("1970-01-01 00:00:00", -1, &s, &ns), 1);
    assert_int_equal(s, 0);
    assert_int_equal(ns, 0);
    assert_int_equal(mopitr_time_parse("2026-11-27 10:00:00", -1, &s, NULL), 1);
    assert_int_equal(s, 1795773600);
    assert_int_equal(mopitr_time_parse("2026-11-27 10:00:00.25", -1, &s, &ns), 1);
    assert_int_equal(ns, 250000000);
    assert_int_equal(mopitr_time_parse("2026-11-27 10:00:00.123456789", -1, &s, &ns), 1);
    assert_int_equal(ns, 123456789);
    assert_int_equal(mopitr_time_parse("2024-02-29 23:59:59", -1, &s, &ns), 1);
    assert_int_equal(mopitr_time_parse("1969-12-31 23:59:59", -1, &s, &ns), 1);
    assert_int_equal(s, -1);
    /* a length shorter than the text: only that much is read */
    assert_int_equal(mopitr_time_parse("2026-11-27 10:00:00xyz", 19, &s, &ns), 1);
    {
        static const char *const azBad[] = {
            "",
            "2026-11-27",
            "2026-11-27 10:00",
            "2026-11-27T10:00:00",
            "2026-11-27 10:00:00Z",
            "2026-11-27 10:00:00.",
            "2026-11-27 10:00:00.1234567890",
            "2026-11-27 10:00:00.12a",
            "2026-02-29 00:00:00",
            "2026-13-01 00:00:00",
            "2026-00-01 00:00:00",
            "2026-11-31 00:00:00",
            "2026-11-00 00:00:00",
            "2026-11-27 24:00:00",
            "2026-11-27 10:60:00",
            "2026-11-27 10:00:60",
            "2026-1-27 10:00:00",
            " 2026-11-27 10:00:00",
            "2026-11-27 10:00:00 ",
            "yesterday",
        };
        size_t i;
        for (i = 0; i < sizeof(azBad) / sizeof(azBad[0]); i++) {
            if (mopitr_time_parse(azBad[i], -1, &s, &ns) != 0)
                fail_msg("accepted '%s'", azBad[i]);
        }
    }
    assert_int_equal(mopitr_time_parse(NULL, -1, &s, &ns), 0);
}

static void test_format(void **state)
{
    char aBuf[MOPITR_TIME_SIZE];
    (void)state;
    t_fmt(0, "1970-01-01 00:00:00");
    t_fmt(-1, "1969-12-31 23:59:59");
    t_fmt(1795773600, "2026-11-27 10:00:00");
    t_fmt(t_sec("0000-01-01 00:00:00"), "0000-01-01 00:00:00");
    t_fmt(t_sec("9999-12-31 23:59:59"), "9999-12-31 23:59:59");
    assert_int_equal(mopitr_time_format(t_sec("9999-12-31 23:59:59") + 1, aBuf), 0);
    assert_string_equal(aBuf, "");
    assert_int_equal(mopitr_time_format(t_sec("0000-01-01 00:00:00") - 1, aBuf), 0);
    assert_int_equal(mopitr_time_format_ns(1795773600, 250000000, aBuf), 1);
    assert_string_equal(aBuf, "2026-11-27 10:00:00.25");
    assert_int_equal(mopitr_time_format_ns(1795773600, 1, aBuf), 1);
    assert_string_equal(aBuf, "2026-11-27 10:00:00.000000001");
    assert_int_equal(mopitr_time_format_ns(1795773600, 0, aBuf), 1);
    assert_string_equal(aBuf, "2026-11-27 10:00:00");
}

/* AddDate(y, m, d) of zFrom must be zWant (values printed by Go's time.AddDate). */
static void t_add(const char *zFrom, int y, int m, int d, const char *zWant)
{
    t_fmt(mopitr_time_add_date(t_sec(zFrom), y, m, d), zWant);
}

static void test_add_date_go(void **state)
{
    (void)state;
    t_add("2025-03-31 00:00:00", 0, -1, 0, "2025-03-03 00:00:00");
    t_add("2024-03-31 12:34:56", 0, -1, 0, "2024-03-02 12:34:56");
    t_add("2024-02-29 01:02:03", -1, 0, 0, "2023-03-01 01:02:03");
    t_add("2026-05-31 00:00:00", 0, -3, 0, "2026-03-03 00:00:00");
    t_add("2026-01-15 08:00:00", 0, -1, 0, "2025-12-15 08:00:00");
    t_add("2026-03-01 10:20:30", 0, 0, -1, "2026-02-28 10:20:30");
    t_add("2026-12-04 05:00:00", -100, 0, 0, "1926-12-04 05:00:00");
    t_add("2000-01-01 00:00:00", 0, -100, 0, "1991-09-01 00:00:00");
    t_add("2026-03-31 00:00:00", 0, -13, 0, "2025-03-03 00:00:00");
    t_add("2026-11-27 10:00:00", 0, 0, 0, "2026-11-27 10:00:00");
    t_add("1970-01-01 00:00:00", 0, 0, -1, "1969-12-31 00:00:00");
}

static void test_range_start(void **state)
{
    sqlite3_int64 now = t_sec("2026-12-04 05:00:00"), s = 0;
    int ns = 0;
    (void)state;
    assert_int_equal(mopitr_range_start(now, 7, 3, "h", &s, &ns), SQLITE_OK);
    t_fmt(s, "2026-12-04 02:00:00");
    assert_int_equal(ns, 7);
    assert_int_equal(mopitr_range_start(now, 0, 7, "d", &s, &ns), SQLITE_OK);
    t_fmt(s, "2026-11-27 05:00:00");
    assert_int_equal(mopitr_range_start(t_sec("2026-03-31 01:00:00"), 0, 1, "mo", &s, NULL),
                     SQLITE_OK);
    t_fmt(s, "2026-03-03 01:00:00");
    assert_int_equal(mopitr_range_start(now, 0, 2, "y", &s, &ns), SQLITE_OK);
    t_fmt(s, "2024-12-04 05:00:00");
    assert_int_equal(mopitr_range_start(now, 0, 0, "h", &s, &ns), SQLITE_OK);
    assert_int_equal(s, now);
    assert_int_equal(mopitr_range_start(now, 0, 1, "w", &s, &ns), SQLITE_ERROR);
    assert_int_equal(mopitr_range_start(now, 0, 1, "H", &s, &ns), SQLITE_ERROR);
    assert_int_equal(mopitr_range_start(now, 0, 1, NULL, &s, &ns), SQLITE_ERROR);
    assert_int_equal(mopitr_range_start(now, 0, -1, "d", &s, &ns), SQLITE_ERROR);
    assert_int_equal(mopitr_range_start(now, 0, 100001, "d", &s, &ns), SQLITE_ERROR);
}

static void test_earliest(void **state)
{
    sqlite3_int64 created = t_sec("2026-11-27 10:00:00"), now = t_sec("2026-12-04 05:00:00"), e;
    (void)state;
    /* creation bound: created + 1 s (MatrixOne wants a time strictly after create_time) */
    assert_int_equal(mopitr_earliest_restorable(created, now, 0, 7, "d", &e), SQLITE_OK);
    t_fmt(e, "2026-11-27 10:00:01");
    /* range bound: now - 1 d, rounded up when now has a fraction */
    assert_int_equal(mopitr_earliest_restorable(created, now, 0, 1, "d", &e), SQLITE_OK);
    t_fmt(e, "2026-12-03 05:00:00");
    assert_int_equal(mopitr_earliest_restorable(created, now, 500000000, 1, "d", &e), SQLITE_OK);
    t_fmt(e, "2026-12-03 05:00:01");
    /* range 0 (ALTER allows it): nothing before now */
    assert_int_equal(mopitr_earliest_restorable(created, now, 0, 0, "h", &e), SQLITE_OK);
    t_fmt(e, "2026-12-04 05:00:00");
    /* months by calendar: now Mar 31 - 1 mo = Mar 3 */
    assert_int_equal(mopitr_earliest_restorable(t_sec("2020-01-01 00:00:00"),
                                                t_sec("2026-03-31 12:00:00"), 0, 1, "mo", &e),
                     SQLITE_OK);
    t_fmt(e, "2026-03-03 12:00:00");
    assert_int_equal(mopitr_earliest_restorable(created, now, 0, 1, "x", &e), SQLITE_ERROR);
}

static void test_row_earliest(void **state)
{
    mopitr_row r;
    char aBuf[MOPITR_TIME_SIZE];
    char zCreated[] = "2026-11-27 10:00:00", zUnit[] = "d", zBad[] = "2026-11-27";
    (void)state;
    memset(&r, 0, sizeof(r));
    r.az[MOPITR_COL_CREATED] = zCreated;
    r.az[MOPITR_COL_RANGE_UNIT] = zUnit;
    r.range_value = 2;
    assert_int_equal(mopitr_row_earliest(&r, t_sec("2026-12-04 05:00:00"), 0, aBuf), 1);
    assert_string_equal(aBuf, "2026-12-02 05:00:00");
    r.az[MOPITR_COL_CREATED] = NULL; /* a CREATE queued in a transaction */
    assert_int_equal(mopitr_row_earliest(&r, 0, 0, aBuf), 0);
    r.az[MOPITR_COL_CREATED] = zBad;
    assert_int_equal(mopitr_row_earliest(&r, 0, 0, aBuf), 0);
}

static void test_objname(void **state)
{
    char *z = NULL, *zErr = NULL;
    (void)state;
    assert_int_equal(mopitr_objname("DB_One", -1, "database", &z, &zErr), SQLITE_OK);
    assert_string_equal(z, "db_one");
    sqlite3_free(z);
    assert_int_equal(mopitr_objname("ÄPFEL", -1, "table", &z, &zErr), SQLITE_OK);
    assert_string_equal(z, "äpfel");
    sqlite3_free(z);
    assert_int_equal(mopitr_objname("", -1, "database", &z, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: database name must not be empty");
    assert_null(z);
    sqlite3_free(zErr);
    assert_int_equal(mopitr_objname(NULL, -1, "PITR", &z, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: PITR name must not be empty");
    sqlite3_free(zErr);
    assert_int_equal(mopitr_objname("a\0b", 3, "table", &z, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: table name must not contain a NUL byte");
    sqlite3_free(zErr);
    assert_int_equal(mopitr_objname("x\\y", -1, "database", &z, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: database name 'x\\y' contains a backslash, which "
                              "MatrixOne would not keep (it would name another object)");
    sqlite3_free(zErr);
    assert_int_equal(mopitr_is_system_database("mo_catalog"), 1);
    assert_int_equal(mopitr_is_system_database("information_schema"), 1);
    assert_int_equal(mopitr_is_system_database("mysql"), 1);
    assert_int_equal(mopitr_is_system_database("db1"), 0);
    assert_int_equal(mopitr_is_system_database("MYSQL"), 0); /* callers fold first */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),       cmocka_unit_test(test_format),
        cmocka_unit_test(test_add_date_go), cmocka_unit_test(test_range_start),
        cmocka_unit_test(test_earliest),    cmocka_unit_test(test_row_earliest),
        cmocka_unit_test(test_objname),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
