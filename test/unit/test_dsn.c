/*
** test_dsn.c: unit tests of ext/dsn.c (connection strings).
**
** Covers: defaults; every key in both forms; percent-decoding of user, password,
** database and query values; IPv6 hosts; quoting in the key=value form; login names
** and descriptions; every error message, and that no error ever carries the password.
*/
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "mo_pitr_int.h"

/* Parse z, expecting success. The caller clears *p. */
static void parse_ok(const char *z, mopitr_dsn *p)
{
    char *zErr = NULL;
    int rc = mopitr_dsn_parse(z, p, &zErr);
    if (rc != SQLITE_OK)
        fail_msg("parse of '%s' failed: %s", z, zErr ? zErr : "(no message)");
    assert_null(zErr);
}

/* Parse z, expecting an error; returns the message (caller frees). */
static char *parse_err(const char *z)
{
    mopitr_dsn d;
    char *zErr = NULL;
    int rc = mopitr_dsn_parse(z, &d, &zErr);
    assert_int_equal(rc, SQLITE_ERROR);
    assert_non_null(zErr);
    assert_null(d.host); /* cleared on failure */
    assert_null(d.password);
    assert_int_equal(strncmp(zErr, "mo_pitr: ", 9), 0);
    assert_true(zErr[strlen(zErr) - 1] != '.');
    return zErr;
}

/* Expect parse of z to fail with exactly zWant. */
static void expect_err(const char *z, const char *zWant)
{
    char *zErr = parse_err(z);
    assert_string_equal(zErr, zWant);
    sqlite3_free(zErr);
}

static void test_defaults(void **state)
{
    mopitr_dsn d;
    char *z;
    const char *azIn[] = {"", "   ", " ; ;", "mysql://127.0.0.1"};
    int i;
    (void)state;
    for (i = 0; i < 4; i++) {
        parse_ok(azIn[i], &d);
        assert_string_equal(d.host, "127.0.0.1");
        assert_int_equal(d.port, 6001);
        assert_string_equal(d.user, "root");
        assert_null(d.password);
        assert_null(d.account);
        assert_null(d.role);
        assert_null(d.database);
        assert_int_equal(d.connect_timeout, 10);
        assert_int_equal(d.read_timeout, 30);
        assert_int_equal(d.write_timeout, 30);
        assert_int_equal(d.ssl_mode, MOPITR_SSL_UNSET);
        assert_null(d.ssl_ca);
        assert_null(d.ssl_cert);
        assert_null(d.ssl_key);
        assert_null(d.option_file);
        assert_null(d.option_group);
        z = mopitr_dsn_describe(&d);
        assert_string_equal(z, "root@127.0.0.1:6001");
        sqlite3_free(z);
        z = mopitr_dsn_login(&d);
        assert_string_equal(z, "root");
        sqlite3_free(z);
        z = mopitr_dsn_account(&d);
        assert_string_equal(z, "sys");
        sqlite3_free(z);
        mopitr_dsn_clear(&d);
    }
    mopitr_dsn_clear(NULL);
}

static void test_uri_every_key(void **state)
{
    mopitr_dsn d;
    char *z;
    (void)state;
    parse_ok("mysql://u%40x:p%3Aw%40d@db.example:6002/my%2Fdb?connect_timeout=5&read_timeout=6"
             "&write_timeout=7&ssl_mode=REQUIRED&ssl_ca=/a/c%20a.pem&ssl_cert=c&ssl_key=k"
             "&option_file=/f&option_group=g&account=Acc1&role=r1",
             &d);
    assert_string_equal(d.host, "db.example");
    assert_int_equal(d.port, 6002);
    assert_string_equal(d.user, "u@x");
    assert_string_equal(d.password, "p:w@d");
    assert_string_equal(d.database, "my/db");
    assert_int_equal(d.connect_timeout, 5);
    assert_int_equal(d.read_timeout, 6);
    assert_int_equal(d.write_timeout, 7);
    assert_int_equal(d.ssl_mode, MOPITR_SSL_REQUIRED);
    assert_string_equal(d.ssl_ca, "/a/c a.pem");
    assert_string_equal(d.ssl_cert, "c");
    assert_string_equal(d.ssl_key, "k");
    assert_string_equal(d.option_file, "/f");
    assert_string_equal(d.option_group, "g");
    assert_string_equal(d.account, "Acc1");
    assert_string_equal(d.role, "r1");
    z = mopitr_dsn_login(&d);
    assert_string_equal(z, "Acc1:u@x:r1");
    sqlite3_free(z);
    z = mopitr_dsn_describe(&d);
    assert_string_equal(z, "Acc1:u@x:r1@db.example:6002");
    assert_null(strstr(z, "p:w@d"));
    sqlite3_free(z);
    z = mopitr_dsn_account(&d);
    assert_string_equal(z, "acc1");
    sqlite3_free(z);
    mopitr_dsn_clear(&d);
}

static void test_uri_forms(void **state)
{
    mopitr_dsn d;
    char *z;
    (void)state;
    /* unencoded '@', ':', '/', '?' in the password: user info ends at the last '@' */
    parse_ok("mysql://root:p@ss:w/o?rd@host:6001/db", &d);
    assert_string_equal(d.user, "root");
    assert_string_equal(d.password, "p@ss:w/o?rd");
    assert_string_equal(d.host, "host");
    assert_string_equal(d.database, "db");
    mopitr_dsn_clear(&d);
    /* empty password is a given password */
    parse_ok("MYSQL://root:@h", &d);
    assert_non_null(d.password);
    assert_string_equal(d.password, "");
    mopitr_dsn_clear(&d);
    /* no user info, no port, empty path */
    parse_ok("mysql://h/", &d);
    assert_string_equal(d.host, "h");
    assert_string_equal(d.user, "root");
    assert_null(d.database);
    mopitr_dsn_clear(&d);
    /* query without path, empty segments */
    parse_ok("mysql://h?&read_timeout=9&&", &d);
    assert_int_equal(d.read_timeout, 9);
    mopitr_dsn_clear(&d);
    /* percent-decoded query key, database with unicode and ';' */
    parse_ok("mysql://h/d%C3%A9;x?read%5Ftimeout=4", &d);
    assert_string_equal(d.database, "d\xC3\xA9;x");
    assert_int_equal(d.read_timeout, 4);
    mopitr_dsn_clear(&d);
    /* IPv6 */
    parse_ok("mysql://root@[::1]:6002/db", &d);
    assert_string_equal(d.host, "::1");
    assert_int_equal(d.port, 6002);
    z = mopitr_dsn_describe(&d);
    assert_string_equal(z, "root@[::1]:6002");
    sqlite3_free(z);
    mopitr_dsn_clear(&d);
    parse_ok("mysql://[fe80::1%25eth0]", &d);
    assert_string_equal(d.host, "fe80::1%25eth0");
    assert_int_equal(d.port, 6001);
    mopitr_dsn_clear(&d);
    /* localhost is kept: the connection layer forces TCP */
    parse_ok("mysql://root@localhost", &d);
    assert_string_equal(d.host, "localhost");
    mopitr_dsn_clear(&d);
    /* MatrixOne's own account:user login in the user part */
    parse_ok("mysql://acc01%3Aadmin:111@h", &d);
    z = mopitr_dsn_login(&d);
    assert_string_equal(z, "acc01:admin");
    sqlite3_free(z);
    z = mopitr_dsn_account(&d);
    assert_string_equal(z, "acc01");
    sqlite3_free(z);
    mopitr_dsn_clear(&d);
    parse_ok("user=ACC2#bob", &d);
    z = mopitr_dsn_account(&d);
    assert_string_equal(z, "acc2");
    sqlite3_free(z);
    mopitr_dsn_clear(&d);
}

static void test_kv_every_key(void **state)
{
    mopitr_dsn d;
    char *z;
    (void)state;
    parse_ok("host=h port=7;user=u password='a b;c''d' ACCOUNT=acc Role=r database=db "
             "connect_timeout=1 read_timeout=86400\twrite_timeout=3 ssl_mode=verify_identity "
             "ssl_ca=\"x y\" ssl_cert=c ssl_key=k option_file=f option_group=g;",
             &d);
    assert_string_equal(d.host, "h");
    assert_int_equal(d.port, 7);
    assert_string_equal(d.user, "u");
    assert_string_equal(d.password, "a b;c'd");
    assert_string_equal(d.account, "acc");
    assert_string_equal(d.role, "r");
    assert_string_equal(d.database, "db");
    assert_int_equal(d.connect_timeout, 1);
    assert_int_equal(d.read_timeout, 86400);
    assert_int_equal(d.write_timeout, 3);
    assert_int_equal(d.ssl_mode, MOPITR_SSL_VERIFY_IDENTITY);
    assert_string_equal(d.ssl_ca, "x y");
    assert_string_equal(d.ssl_cert, "c");
    assert_string_equal(d.ssl_key, "k");
    assert_string_equal(d.option_file, "f");
    assert_string_equal(d.option_group, "g");
    z = mopitr_dsn_login(&d);
    assert_string_equal(z, "acc:u:r");
    sqlite3_free(z);
    mopitr_dsn_clear(&d);

    /* every ssl_mode, any case; no percent-decoding in this form */
    {
        const char *az[] = {"disabled", "Preferred", "required", "VERIFY_CA", "verify_identity"};
        int i;
        for (i = 0; i < 5; i++) {
            char *zIn = sqlite3_mprintf("ssl_mode=%s password=a%%41", az[i]);
            parse_ok(zIn, &d);
            assert_int_equal(d.ssl_mode, MOPITR_SSL_DISABLED + i);
            assert_string_equal(d.password, "a%41");
            mopitr_dsn_clear(&d);
            sqlite3_free(zIn);
        }
    }
    /* role without account: sys:user:role; empty database is none; [::1] host */
    parse_ok("user=bob role=reader database= host=[::1]", &d);
    z = mopitr_dsn_login(&d);
    assert_string_equal(z, "sys:bob:reader");
    sqlite3_free(z);
    assert_null(d.database);
    assert_string_equal(d.host, "::1");
    mopitr_dsn_clear(&d);
    /* double-quoted value with doubled double quote, a value with an inner quote */
    parse_ok("password=\"x\"\"y\" user=it's", &d);
    assert_string_equal(d.password, "x\"y");
    assert_string_equal(d.user, "it's");
    mopitr_dsn_clear(&d);
}

static void test_parse_n(void **state)
{
    mopitr_dsn d;
    char *zErr = NULL;
    static const char aText[] = "host=h\0 port=1";
    (void)state;
    assert_int_equal(mopitr_dsn_parse_n(aText, (int)sizeof(aText) - 1, &d, &zErr), SQLITE_ERROR);
    assert_string_equal(zErr, "mo_pitr: connection string contains a NUL byte");
    sqlite3_free(zErr);
    zErr = NULL;
    assert_int_equal(mopitr_dsn_parse_n("host=abcdef", 6, &d, &zErr), SQLITE_OK);
    assert_string_equal(d.host, "a");
    mopitr_dsn_clear(&d);
    assert_int_equal(mopitr_dsn_parse(NULL, &d, &zErr), SQLITE_OK);
    assert_string_equal(d.host, "127.0.0.1");
    mopitr_dsn_clear(&d);
}

static void test_errors(void **state)
{
    (void)state;
    expect_err("hots=h", "mo_pitr: unknown connection option 'hots'; valid options: host, port, "
                         "user, password, account, role, database, connect_timeout, "
                         "read_timeout, write_timeout, ssl_mode, ssl_ca, ssl_cert, ssl_key, "
                         "option_file, option_group, restore_timeout");
    expect_err("mysql://h?dbname=x",
               "mo_pitr: unknown connection option 'dbname'; valid options: host, port, "
               "user, password, account, role, database, connect_timeout, read_timeout, "
               "write_timeout, ssl_mode, ssl_ca, ssl_cert, ssl_key, option_file, option_group, "
               "restore_timeout");
    expect_err("host=a host=b", "mo_pitr: duplicate connection option 'host'");
    expect_err("HOST=a host=b", "mo_pitr: duplicate connection option 'host'");
    expect_err("mysql://u@h?user=v", "mo_pitr: duplicate connection option 'user'");
    expect_err("mysql://h:1?port=2", "mo_pitr: duplicate connection option 'port'");
    expect_err("host=", "mo_pitr: host must not be empty");
    expect_err("host=[]", "mo_pitr: host must not be empty");
    expect_err("mysql://root@:6001", "mo_pitr: host must not be empty");
    expect_err("mysql://root@/db", "mo_pitr: host must not be empty");
    expect_err("mysql://", "mo_pitr: host must not be empty");
    expect_err("user=", "mo_pitr: user must not be empty");
    expect_err("mysql://@h", "mo_pitr: user must not be empty");
    expect_err("account= ", "mo_pitr: account must not be empty");
    expect_err("role=", "mo_pitr: role must not be empty");
    expect_err("ssl_ca=", "mo_pitr: ssl_ca must not be empty");
    expect_err("option_group=", "mo_pitr: option_group must not be empty");
    expect_err("port=0", "mo_pitr: port must be an integer from 1 to 65535, got '0'");
    expect_err("port=65536", "mo_pitr: port must be an integer from 1 to 65535, got '65536'");
    expect_err("port=-1", "mo_pitr: port must be an integer from 1 to 65535, got '-1'");
    expect_err("port=", "mo_pitr: port must be an integer from 1 to 65535, got ''");
    expect_err("port=99999999999", "mo_pitr: port must be an integer from 1 to 65535, got "
                                   "'99999999999'");
    expect_err("mysql://u@h:abc", "mo_pitr: port must be an integer from 1 to 65535, got 'abc'");
    expect_err("mysql://u@h:1:2", "mo_pitr: port must be an integer from 1 to 65535, got '1:2'");
    expect_err("connect_timeout=0",
               "mo_pitr: connect_timeout must be an integer from 1 to 86400, got '0'");
    expect_err("read_timeout=86401",
               "mo_pitr: read_timeout must be an integer from 1 to 86400, got '86401'");
    expect_err("write_timeout=1.5",
               "mo_pitr: write_timeout must be an integer from 1 to 86400, got '1.5'");
    expect_err("ssl_mode=on", "mo_pitr: ssl_mode must be one of disabled, preferred, required, "
                              "verify_ca, verify_identity, got 'on'");
    expect_err("mysql://ro%zzot@h", "mo_pitr: bad percent escape '%zz' in user");
    expect_err("mysql://h/db%4", "mo_pitr: bad percent escape '%4' in database");
    expect_err("mysql://h?ssl_ca=%", "mo_pitr: bad percent escape '%' in ssl_ca");
    expect_err("mysql://h?x%2=1", "mo_pitr: bad percent escape '%2' in option name");
    expect_err("mysql://ro%00ot@h", "mo_pitr: user contains a NUL byte");
    expect_err("mysql://h/a%00b", "mo_pitr: database contains a NUL byte");
    expect_err("host", "mo_pitr: expected key=value in connection string, got 'host'");
    expect_err("host =x", "mo_pitr: expected key=value in connection string, got 'host'");
    expect_err("=x", "mo_pitr: expected key=value in connection string, got '='");
    expect_err("mysql://h?read_timeout",
               "mo_pitr: expected key=value in connection string, got 'read_timeout'");
    expect_err("user='abc", "mo_pitr: unterminated quote in value of user");
    expect_err("user='a'b", "mo_pitr: unexpected text after the quoted value of user");
    expect_err("postgres://u@h", "mo_pitr: unsupported scheme 'postgres' in connection "
                                 "string; use mysql://user@host:port");
    expect_err("mysql://u@[::1", "mo_pitr: unterminated '[' in host '[::1'");
    expect_err("mysql://u@[::1]x", "mo_pitr: unexpected text after host '[::1]'");
    expect_err("user=a:b account=x",
               "mo_pitr: user 'a:b' must not contain ':' when account or role is given");
    expect_err("account=a:b", "mo_pitr: account 'a:b' must not contain ':' when account or "
                              "role is given");
    expect_err("role=r:1", "mo_pitr: role 'r:1' must not contain ':' when account or role is "
                           "given");
    /* a long bad value is clipped to 64 bytes */
    {
        char aBuf[300];
        char *zErr;
        memset(aBuf, 'x', sizeof(aBuf));
        memcpy(aBuf, "port=", 5);
        aBuf[sizeof(aBuf) - 1] = 0;
        zErr = parse_err(aBuf);
        assert_true(strlen(zErr) < 140);
        assert_non_null(strstr(zErr, "...'"));
        sqlite3_free(zErr);
    }
}

/* Errors about or near the password never show it. */
static void test_password_never_shown(void **state)
{
    static const char *azBad[] = {
        "mysql://root:S3cr3tPW@h:0",
        "mysql://root:S3cr3tPW@h?nope=1",
        "mysql://root:S3cr3tPW@h?password=x",
        "mysql://root:S3cr%zz3tPW@h",
        "mysql://root:S3cr%003tPW@h",
        "mysql://root:S3cr3tPW",
        "mysql://root:S3cr3tPW@",
        "mysql://:S3cr3tPW@h",
        "password=S3cr3tPW port=0",
        "password=S3cr3tPW password=S3cr3tPW",
        "password='S3cr3tPW",
        "password='S3cr3t'PW",
        "password=S3cr3t PW",
        "password=S3cr3t;PW=1",
        "password=S3cr3t PW=x",
        "mysql://h?password=S3cr3t&PW",
        "mysql://h?password=S3cr3t&PW=1",
        "mysql://h?password=S3cr%3",
        "password=S3cr3tPW user=a:b account=c",
    };
    unsigned i;
    (void)state;
    for (i = 0; i < sizeof(azBad) / sizeof(azBad[0]); i++) {
        char *zErr = parse_err(azBad[i]);
        if (strstr(zErr, "S3cr3t") || strstr(zErr, "cr3tPW") || strstr(zErr, "'PW"))
            fail_msg("password leaked for '%s': %s", azBad[i], zErr);
        sqlite3_free(zErr);
    }
    expect_err("mysql://root:S3cr%zz3tPW@h", "mo_pitr: bad percent escape in password");
    expect_err("mysql://root:S3cr%003tPW@h", "mo_pitr: password contains a NUL byte");
    expect_err("password='S3cr3tPW", "mo_pitr: unterminated quote in password");
    expect_err("password='S3cr3t'PW", "mo_pitr: unexpected text after the quoted password");
    expect_err("password=S3cr3t PW",
               "mo_pitr: expected key=value after the password (quote a password that "
               "contains blanks, ';' or '&')");
    expect_err("mysql://root:S3cr3tPW",
               "mo_pitr: port must be an integer from 1 to 65535 (the URI has no '@': for "
               "user:password write user:password@host)");
    /* a quoted password followed by a bad token: the token is quoted (it is not secret) */
    expect_err("password='S3cr3t' PW", "mo_pitr: expected key=value in connection string, got "
                                       "'PW'");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_uri_every_key),
        cmocka_unit_test(test_uri_forms),
        cmocka_unit_test(test_kv_every_key),
        cmocka_unit_test(test_parse_n),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_password_never_shown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
