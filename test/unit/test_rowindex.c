/*
** test_rowindex.c: unit tests of ext/rowindex.c (the hash multimap and its hashes).
**
** Covers: an empty index, values of one hash in insertion order, colliding hashes kept
** apart, growth from empty to many thousands of values (every value found, nothing
** extra), reserve, clear/NULL, mopitr_hash_nocase agreeing with sqlite3_stricmp, and
** mopitr_hash_object agreeing with what mopitr_row_same_object calls one object.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

static void test_empty(void **state)
{
    mopitr_rowindex ix;
    unsigned it;
    (void)state;
    mopitr_rowindex_init(&ix);
    it = mopitr_rowindex_begin(&ix, 42);
    assert_int_equal(mopitr_rowindex_next(&ix, 42, &it), -1);
    mopitr_rowindex_clear(&ix);
    mopitr_rowindex_clear(NULL);
}

static void test_order_and_collisions(void **state)
{
    mopitr_rowindex ix;
    unsigned it;
    int i;
    (void)state;
    mopitr_rowindex_init(&ix);
    assert_int_equal(mopitr_rowindex_reserve(&ix, 100), SQLITE_OK);
    /* hashes 5 and 5 + 2^k share a home slot: they must stay apart */
    for (i = 0; i < 10; i++) {
        assert_int_equal(mopitr_rowindex_add(&ix, 5, i), SQLITE_OK);
        assert_int_equal(mopitr_rowindex_add(&ix, 5 + 4096, 100 + i), SQLITE_OK);
    }
    it = mopitr_rowindex_begin(&ix, 5);
    for (i = 0; i < 10; i++)
        assert_int_equal(mopitr_rowindex_next(&ix, 5, &it), i);
    assert_int_equal(mopitr_rowindex_next(&ix, 5, &it), -1);
    it = mopitr_rowindex_begin(&ix, 5 + 4096);
    for (i = 0; i < 10; i++)
        assert_int_equal(mopitr_rowindex_next(&ix, 5 + 4096, &it), 100 + i);
    assert_int_equal(mopitr_rowindex_next(&ix, 5 + 4096, &it), -1);
    it = mopitr_rowindex_begin(&ix, 6);
    assert_int_equal(mopitr_rowindex_next(&ix, 6, &it), -1);
    mopitr_rowindex_clear(&ix);
}

static void test_growth(void **state)
{
    mopitr_rowindex ix;
    int i, n = 20000;
    (void)state;
    mopitr_rowindex_init(&ix);
    for (i = 0; i < n; i++)
        assert_int_equal(mopitr_rowindex_add(&ix, mopitr_hash_nocase((char *)&i, 4), i), SQLITE_OK);
    assert_int_equal(ix.nUsed, n);
    assert_true(ix.nSlot >= 2u * (unsigned)n);
    for (i = 0; i < n; i++) {
        unsigned h = mopitr_hash_nocase((char *)&i, 4), it = mopitr_rowindex_begin(&ix, h);
        int v, bSeen = 0, nOther = 0;
        while ((v = mopitr_rowindex_next(&ix, h, &it)) >= 0) {
            if (v == i)
                bSeen++;
            else
                nOther++;
        }
        assert_int_equal(bSeen, 1);
        assert_true(nOther < 3); /* only true 32-bit collisions */
    }
    mopitr_rowindex_clear(&ix);
    assert_int_equal(ix.nSlot, 0);
}

static void test_hash_nocase(void **state)
{
    static const char *const az[][2] = {
        {"PITR_a", "pitr_A"}, {"", ""}, {"Zz09_-", "zZ09_-"}, {"\xc3\x84x", "\xc3\x84X"}};
    int i;
    (void)state;
    for (i = 0; i < (int)(sizeof(az) / sizeof(az[0])); i++) {
        assert_int_equal(sqlite3_stricmp(az[i][0], az[i][1]), 0);
        assert_int_equal(mopitr_hash_nocase(az[i][0], -1), mopitr_hash_nocase(az[i][1], -1));
    }
    assert_int_equal(mopitr_hash_nocase("abc", 2), mopitr_hash_nocase("AB", -1));
    assert_int_not_equal(mopitr_hash_nocase("abc", -1), mopitr_hash_nocase("abd", -1));
    assert_int_not_equal(mopitr_hash_nocase("", -1), mopitr_hash_nocase(NULL, -1));
}

/* A row for level e with the given identity fields. */
static mopitr_row mkrow(mopitr_level e, const char *zAcc, const char *zDb, const char *zTab)
{
    mopitr_row r;
    memset(&r, 0, sizeof(r));
    r.level = e;
    r.az[MOPITR_COL_ACCOUNT] = (char *)zAcc;
    r.az[MOPITR_COL_DATABASE] = (char *)zDb;
    r.az[MOPITR_COL_TABLE] = (char *)zTab;
    return r;
}

static void test_hash_object(void **state)
{
    mopitr_row a[] = {
        mkrow(MOPITR_LEVEL_DATABASE, "sys", "db1", NULL),
        mkrow(MOPITR_LEVEL_DATABASE, NULL, "DB1", NULL),
        mkrow(MOPITR_LEVEL_DATABASE, "SYS", "db1", NULL),
        mkrow(MOPITR_LEVEL_DATABASE, "acc", "db1", NULL),
        mkrow(MOPITR_LEVEL_TABLE, "sys", "db1", "t1"),
        mkrow(MOPITR_LEVEL_TABLE, NULL, "db1", "T1"),
        mkrow(MOPITR_LEVEL_TABLE, "sys", "db1t", "1"),
        mkrow(MOPITR_LEVEL_ACCOUNT, "sys", NULL, NULL),
        mkrow(MOPITR_LEVEL_ACCOUNT, NULL, NULL, NULL),
        mkrow(MOPITR_LEVEL_CLUSTER, NULL, NULL, NULL),
        mkrow(MOPITR_LEVEL_CLUSTER, "sys", NULL, NULL),
    };
    int n = (int)(sizeof(a) / sizeof(a[0])), i, j;
    (void)state;
    for (i = 0; i < n; i++) {
        for (j = 0; j < n; j++) {
            int bSame = mopitr_row_same_object(&a[i], &a[j], "sys");
            if (bSame)
                assert_int_equal(mopitr_hash_object(&a[i], "sys"),
                                 mopitr_hash_object(&a[j], "sys"));
            else
                assert_int_not_equal(mopitr_hash_object(&a[i], "sys"),
                                     mopitr_hash_object(&a[j], "sys"));
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),       cmocka_unit_test(test_order_and_collisions),
        cmocka_unit_test(test_growth),      cmocka_unit_test(test_hash_nocase),
        cmocka_unit_test(test_hash_object),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
