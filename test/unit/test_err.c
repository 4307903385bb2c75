/*
** test_err.c: unit tests of ext/err.c (message construction).
**
** Covers: the "mo_pitr: " prefix, vtab error replacement, the server error shape with
** and without a "what" part, trailing period/newline trimming, and value clipping
** (64 bytes, UTF-8 boundaries, control bytes, NULL).
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

static void test_errf(void **state)
{
    char *z =
        mopitr_errf("range_value must be an integer from 1 to 100, got %lld", (sqlite3_int64)0);
    (void)state;
    assert_string_equal(z, "mo_pitr: range_value must be an integer from 1 to 100, got 0");
    sqlite3_free(z);
    z = mopitr_errf("quoted %Q and %s", "it's", "x");
    assert_string_equal(z, "mo_pitr: quoted 'it''s' and x");
    sqlite3_free(z);
}

static void test_vtab_err(void **state)
{
    sqlite3_vtab vt;
    (void)state;
    memset(&vt, 0, sizeof(vt));
    vt.zErrMsg = sqlite3_mprintf("old");
    assert_int_equal(mopitr_vtab_err(&vt, "bad column '%s'", "x"), SQLITE_ERROR);
    assert_string_equal(vt.zErrMsg, "mo_pitr: bad column 'x'");
    assert_int_equal(mopitr_vtab_err(&vt, "second"), SQLITE_ERROR);
    assert_string_equal(vt.zErrMsg, "mo_pitr: second");
    sqlite3_free(vt.zErrMsg);
}

static void test_server_errf(void **state)
{
    char *z;
    (void)state;
    z = mopitr_server_errf(20101, "internal error: pitr p1 already exists", NULL);
    assert_string_equal(z, "mo_pitr: internal error: pitr p1 already exists (MatrixOne error "
                           "20101)");
    sqlite3_free(z);
    z = mopitr_server_errf(20101, "internal error: invalid pitr value 0", "CREATE PITR %s", "`p1`");
    assert_string_equal(z, "mo_pitr: CREATE PITR `p1`: internal error: invalid pitr value 0 "
                           "(MatrixOne error 20101)");
    sqlite3_free(z);
    z = mopitr_server_errf(2013, "Lost connection to server.\n", NULL);
    assert_string_equal(z, "mo_pitr: Lost connection to server (MatrixOne error 2013)");
    sqlite3_free(z);
    z = mopitr_server_errf(0, NULL, NULL);
    assert_string_equal(z, "mo_pitr: unknown error (MatrixOne error 0)");
    sqlite3_free(z);
    z = mopitr_server_errf(1064, "", "SHOW PITR");
    assert_string_equal(z, "mo_pitr: SHOW PITR: unknown error (MatrixOne error 1064)");
    sqlite3_free(z);
    z = mopitr_server_errf(1, "wait...", NULL);
    assert_string_equal(z, "mo_pitr: wait... (MatrixOne error 1)");
    sqlite3_free(z);
}

static void test_clip(void **state)
{
    char aBuf[MOPITR_CLIP_SIZE];
    char aIn[200];
    (void)state;
    assert_string_equal(mopitr_err_clip(aBuf, NULL, 0), "NULL");
    assert_string_equal(mopitr_err_clip(aBuf, "abc", -1), "abc");
    assert_string_equal(mopitr_err_clip(aBuf, "abcdef", 2), "ab");
    assert_string_equal(mopitr_err_clip(aBuf, "a\nb\tc\x7f", -1), "a?b?c?");
    assert_string_equal(mopitr_err_clip(aBuf, "a\0b", 3), "a?b");
    memset(aIn, 'x', sizeof(aIn));
    aIn[sizeof(aIn) - 1] = 0;
    mopitr_err_clip(aBuf, aIn, -1);
    assert_int_equal(strlen(aBuf), 67);
    assert_string_equal(aBuf + 64, "...");
    /* exactly 64 bytes: no cut */
    aIn[64] = 0;
    mopitr_err_clip(aBuf, aIn, -1);
    assert_int_equal(strlen(aBuf), 64);
    /* a 2-byte character straddling byte 64 is not split */
    memset(aIn, 'x', sizeof(aIn));
    aIn[63] = (char)0xC3;
    aIn[64] = (char)0xA9;
    aIn[100] = 0;
    mopitr_err_clip(aBuf, aIn, -1);
    assert_int_equal(strlen(aBuf), 63 + 3);
    assert_string_equal(aBuf + 63, "...");
    /* a 3-byte character ending at byte 64 is kept whole */
    memset(aIn, 'y', sizeof(aIn));
    aIn[61] = (char)0xE2;
    aIn[62] = (char)0x82;
    aIn[63] = (char)0xAC;
    aIn[100] = 0;
    mopitr_err_clip(aBuf, aIn, -1);
    assert_int_equal(strlen(aBuf), 64 + 3);
    assert_int_equal((unsigned char)aBuf[63], 0xAC);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_errf),
        cmocka_unit_test(test_vtab_err),
        cmocka_unit_test(test_server_errf),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
