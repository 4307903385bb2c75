/*
** test_rwlist.c: unit tests of ext/rwlist.c (SHOW RECOVERY_WINDOW's list, parsed strictly).
**
** Covers: the spec 8.6 form (single quotes, [ ], items joined by ", ", no separator
** after the last), PITRs and snapshots mixed in any order, the other MatrixOne form
** (double quotes, ": ", ",\n", no brackets), an empty [ ], keys in any order, snapshot
** timestamps with and without "+hhmm ZONE" (applied), and every refusal with its message:
** a trailing separator, unknown/duplicate/missing keys, a bad source, bad or reversed
** times, mixed quotes, unterminated strings, control and NUL bytes, text after the list,
** an empty text, and a long hostile value clipped in the message.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

/* Parse z; expect success with n items. Returns the items (the caller frees). */
static mopitr_rwitem *ok(const char *z, int nWant)
{
    mopitr_rwitem *a = NULL;
    int n = -1;
    char *zErr = NULL;
    int rc = mopitr_rwlist_parse(z, (int)strlen(z), &a, &n, &zErr);
    if (rc != SQLITE_OK)
        fail_msg("refused: %s", zErr ? zErr : "(no message)");
    assert_int_equal(n, nWant);
    return a;
}

/* Parse z[0..n); expect an error containing zWant. */
static void bad_n(const char *z, int nz, const char *zWant)
{
    mopitr_rwitem *a = NULL;
    int n = -1;
    char *zErr = NULL;
    assert_int_equal(mopitr_rwlist_parse(z, nz, &a, &n, &zErr), SQLITE_ERROR);
    assert_null(a);
    assert_int_equal(n, 0);
    assert_non_null(zErr);
    {
        static const char zPrefix[] =
            "mo_pitr: cannot read the recovery window list from the server: ";
        assert_true(strncmp(zErr, zPrefix, sizeof(zPrefix) - 1) == 0);
    }
    if (strstr(zErr, zWant) == NULL)
        fail_msg("'%s' not in '%s'", zWant, zErr);
    sqlite3_free(zErr);
}

static void bad(const char *z, const char *zWant)
{
    bad_n(z, (int)strlen(z), zWant);
}

/* Format an item's start as text (no zone applied). */
static const char *start(const mopitr_rwitem *p, char *aBuf)
{
    mopitr_time_format_ns(p->startSec, p->startNs, aBuf);
    return aBuf;
}

static void test_spec_form(void **state)
{
    char aBuf[MOPITR_TIME_SIZE];
    mopitr_rwitem *a;
    (void)state;
    a = ok("[{'timestamp':'2026-11-25 12:00:00 +0000 UTC', 'source':'snapshot', "
           "'source_name':'sp1'}, {'start_time':'2026-11-25 14:04:05.123456', "
           "'end_time':'2026-11-25 15:04:05.2', 'source':'pitr', 'source_name':'p1'}, "
           "{'start_time':'2026-11-20 00:00:00', 'end_time':'2026-11-25 15:04:05', "
           "'source':'pitr', 'source_name':'p2'}]",
           3);
    assert_int_equal(a[0].eSource, MOPITR_RW_SNAPSHOT);
    assert_string_equal(a[0].zName, "sp1");
    assert_int_equal(a[0].bUtc, 1);
    assert_string_equal(start(&a[0], aBuf), "2026-11-25 12:00:00");
    assert_int_equal(a[0].endSec, a[0].startSec);
    assert_int_equal(a[1].eSource, MOPITR_RW_PITR);
    assert_string_equal(a[1].zName, "p1");
    assert_int_equal(a[1].bUtc, 0);
    assert_string_equal(start(&a[1], aBuf), "2026-11-25 14:04:05.123456");
    assert_int_equal(a[1].endNs, 200000000);
    assert_string_equal(a[2].zName, "p2");
    mopitr_rwlist_free(a, 3);
    /* keys in another order, one item */
    a = ok("[{'source_name':'p', 'source':'pitr', 'end_time':'2026-01-02 00:00:00', "
           "'start_time':'2026-01-01 00:00:00'}]",
           1);
    assert_string_equal(a[0].zName, "p");
    mopitr_rwlist_free(a, 1);
    a = ok("[]", 0);
    assert_null(a);
    a = ok("  [ ]  ", 0);
    mopitr_rwlist_free(NULL, 0);
}

static void test_other_form(void **state)
{
    char aBuf[MOPITR_TIME_SIZE];
    mopitr_rwitem *a;
    (void)state;
    a = ok("{\"start_time\": \"2024-11-20 00:00:00\", \"end_time\": \"2024-11-29 23:59:59\", "
           "\"source\": \"pitr\", \"source_name\": \"pitr_001\"},\n{\"timestamp\": "
           "\"2024-11-25 12:00:00\", \"source\": \"snapshot\", \"source_name\": \"snap\"}",
           2);
    assert_string_equal(a[0].zName, "pitr_001");
    assert_int_equal(a[1].eSource, MOPITR_RW_SNAPSHOT);
    assert_int_equal(a[1].bUtc, 0); /* no zone: the server's local time */
    assert_string_equal(start(&a[1], aBuf), "2024-11-25 12:00:00");
    mopitr_rwlist_free(a, 2);
}

static void test_snapshot_zone(void **state)
{
    char aBuf[MOPITR_TIME_SIZE];
    mopitr_rwitem *a;
    (void)state;
    a = ok("[{'timestamp':'2026-11-25 20:00:00.5 +0800 CST', 'source':'snapshot', "
           "'source_name':'s'}, {'timestamp':'2026-11-25 07:00:00 -0500 EST', "
           "'source':'snapshot', 'source_name':'t'}]",
           2);
    assert_string_equal(start(&a[0], aBuf), "2026-11-25 12:00:00.5");
    assert_string_equal(start(&a[1], aBuf), "2026-11-25 12:00:00");
    mopitr_rwlist_free(a, 2);
    bad("[{'timestamp':'2026-11-25 20:00:00 +08 CST', 'source':'snapshot', 'source_name':'s'}]",
        "bad timestamp at byte 15");
    bad("[{'timestamp':'2026-11-25 20:00:00 +0800 C;T', 'source':'snapshot', "
        "'source_name':'s'}]",
        "bad timestamp");
    bad("[{'timestamp':'2026-11-25 20:00:00 +2500 X', 'source':'snapshot', 'source_name':'s'}]",
        "bad timestamp");
}

static void test_refusals(void **state)
{
    (void)state;
    /* spec 8.6: no separator after the last item */
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'}, ]",
        "expected an item after ','");
    bad("", "expected an item at the end of ''");
    bad("[", "expected an item at the end");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'}",
        "expected ']' at the end");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'}] x",
        "text after ']' at byte");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p', 'extra':'1'}]",
        "unknown key at byte");
    bad("[{'source':'pitr', 'source':'pitr'}]", "key given twice");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source_name':'p'}]",
        "item without 'source' at byte 1");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':''}]",
        "item without 'source_name'");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'backup', 'source_name':'p'}]",
        "source is neither 'pitr' nor 'snapshot'");
    bad("[{'start_time':'2026-01-01 00:00:00', 'source':'pitr', 'source_name':'p'}]",
        "a pitr item needs exactly start_time and end_time");
    bad("[{'timestamp':'2026-01-01 00:00:00', 'start_time':'2026-01-01 00:00:00', "
        "'source':'snapshot', 'source_name':'p'}]",
        "a snapshot item needs exactly timestamp");
    bad("[{'start_time':'2026-02-30 00:00:00', 'end_time':'2026-03-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'}]",
        "bad start_time at byte 16, got '2026-02-30 00:00:00'");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'NULL', 'source':'pitr', "
        "'source_name':'p'}]",
        "bad end_time");
    bad("[{'start_time':'2026-01-02 00:00:00', 'end_time':'2026-01-01 00:00:00', "
        "'source':'pitr', 'source_name':'p'}]",
        "start_time after end_time");
    bad("[{'source':\"pitr\"}]", "expected a quoted string at byte 11");
    bad("[{'source':'pitr}]", "unterminated string");
    bad("[{'source' 'pitr'}]", "expected ':' at byte 11");
    bad("[{'source':'pi\ttr'}]", "control byte in a string at byte 14");
    bad_n("[{'source':'pi\0tr'}]", 20, "NUL byte at byte 14");
    bad("[{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'} {'source':'pitr'}]",
        "expected ']' at byte");
    bad("{'start_time':'2026-01-01 00:00:00', 'end_time':'2026-01-02 00:00:00', "
        "'source':'pitr', 'source_name':'p'} x",
        "expected ',' at byte");
    bad("NULL", "expected an item at byte 0, got 'NULL'");
}

static void test_clipped(void **state)
{
    char z[300];
    mopitr_rwitem *a = NULL;
    int n;
    char *zErr = NULL;
    (void)state;
    memset(z, 'x', sizeof(z) - 1);
    z[sizeof(z) - 1] = 0;
    assert_int_equal(mopitr_rwlist_parse(z, (int)strlen(z), &a, &n, &zErr), SQLITE_ERROR);
    assert_non_null(strstr(zErr, "got 'xxxxxxxx"));
    assert_non_null(strstr(zErr, "...'"));
    assert_true(strlen(zErr) < 200);
    sqlite3_free(zErr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_form),     cmocka_unit_test(test_other_form),
        cmocka_unit_test(test_snapshot_zone), cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_clipped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
