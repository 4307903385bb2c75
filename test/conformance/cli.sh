#!/usr/bin/env bash
# cli.sh: mosim conformance through the stock Debian `mariadb` command-line client (10.11),
# no extension involved (issue 4 "Tests"; protocol notes A9: the CLI in batch mode).
# Covers: `mariadb ... -e 'SHOW PITR'` works (issue 4 "Done when"), upper-case headers for SHOW
# PITR and lower-case for SHOW PITR WHERE (spec 2.3), create/alter/drop one PITR per level with
# OK 0 rows affected (spec 3.1), errors with exit code 1 and `ERROR 20101 (HY000)... internal
# error: ...` (3.1) and `ERROR 1064 (HY000)` (3.1), batch input from stdin over several lines,
# `-e` with several statements, the stop at the first error, login forms acc:user and
# acc#user#role (spec 7), a wrong password (1045, 28000; protocol notes A5).
# Run: test/run-suite.sh test/conformance/cli.sh
set -u
. "$(dirname "$0")/lib.bash"

echo "# issue 4: mariadb -h 127.0.0.1 -P PORT -u root -p111 -e 'SHOW PITR' works (empty catalog)"
out=$(mariadb --no-defaults -h 127.0.0.1 -P "$MO_PORT" -u root -p"$MO_PASSWORD" -e 'SHOW PITR' 2>"$conf_tmp/err")
rc=$?
expect_rc "SHOW PITR exit code" 0 "$rc"
expect_eq "SHOW PITR on an empty catalog prints nothing (no rows)" "" "$out"

echo "# setup"
ok_sql "objects and account" root "$MO_PASSWORD" "create database db01; use db01; create table t01 (a int);
create account acc01 admin_name 'admin1' identified by '111'"

echo "# spec 1.2, 3.1: create one PITR per level; OK with 0 rows affected (-vvv prints it)"
for stmt in "create pitr c_cluster for cluster range 1 'h'" \
            "create pitr c_account for account range 2 'd'" \
            "create pitr c_acc01 for account acc01 range 3 'mo'" \
            "create pitr c_db for database db01 range 4 'y'" \
            "create pitr c_table for table db01 t01 range 5 'h'"; do
    out=$(cli root "$MO_PASSWORD" -vvv -e "$stmt")
    expect_rc "$stmt" 0 $?
    expect_match "$stmt: Query OK, 0 rows affected" 'Query OK, 0 rows affected' "$out"
done

echo "# spec 2.1: SHOW PITR header in upper case, table format (-t) and batch format (-B)"
out=$(cli root "$MO_PASSWORD" -B -e 'SHOW PITR')
expect_eq "batch header" "$(printf 'PITR_NAME\tCREATED_TIME\tMODIFIED_TIME\tPITR_LEVEL\tACCOUNT_NAME\tDATABASE_NAME\tTABLE_NAME\tPITR_LENGTH\tPITR_UNIT')" "$(printf '%s\n' "$out" | head -n1)"
expect_eq "batch rows (5, newest first, times masked)" "c_table T T table sys db01 t01 5 h
c_db T T database sys db01 * 4 y
c_acc01 T T account acc01 * * 3 mo
c_account T T account sys * * 2 d
c_cluster T T cluster * * * 1 h" "$(printf '%s\n' "$out" | tail -n +2 | masked)"
out=$(cli root "$MO_PASSWORD" -t -e 'show pitr')
expect_match "table format header" '\| PITR_NAME +\| CREATED_TIME +\| MODIFIED_TIME +\| PITR_LEVEL +\| ACCOUNT_NAME +\| DATABASE_NAME +\| TABLE_NAME +\| PITR_LENGTH +\| PITR_UNIT +\|' "$out"

echo "# spec 2.3 [Real]: SHOW PITR WHERE headers in upper case too"
out=$(cli root "$MO_PASSWORD" -B -e "show pitr where pitr_level = 'cluster'")
expect_eq "WHERE header" "$(printf 'PITR_NAME\tCREATED_TIME\tMODIFIED_TIME\tPITR_LEVEL\tACCOUNT_NAME\tDATABASE_NAME\tTABLE_NAME\tPITR_LENGTH\tPITR_UNIT')" "$(printf '%s\n' "$out" | head -n1)"
expect_eq "WHERE row" "c_cluster T T cluster * * * 1 h" "$(printf '%s\n' "$out" | tail -n +2 | masked)"

echo "# spec 3.4: alter one PITR per level"
for n in c_cluster c_account c_acc01 c_db c_table; do
    out=$(cli root "$MO_PASSWORD" -vvv -e "alter pitr $n range 7 'D'")
    expect_rc "alter pitr $n" 0 $?
    expect_match "alter pitr $n: Query OK, 0 rows affected" 'Query OK, 0 rows affected' "$out"
done
expect_eq "all altered to 7 d" "c_acc01 7 d
c_account 7 d
c_cluster 7 d
c_db 7 d
c_table 7 d" "$(sys -e 'show pitr' | cut -f1,8,9 | tr '\t' ' ' | sort)"

echo "# spec 3.1: an error: exit code 1, ERROR 20101 (HY000), 'internal error: ...'"
cli root "$MO_PASSWORD" -e "drop pitr nosuch" >/dev/null
expect_rc "drop pitr nosuch exit code" 1 $?
expect_match "drop pitr nosuch message" '^ERROR 20101 \(HY000\)( at line 1)?: internal error: pitr nosuch does not exist$' "$(errline)"
cli root "$MO_PASSWORD" -e "create pitr x for account range 0 'h'" >/dev/null
expect_match "invalid pitr value 0" '^ERROR 20101 \(HY000\)( at line 1)?: internal error: invalid pitr value 0$' "$(errline)"
cli root "$MO_PASSWORD" -e "create pitr p05 database t1 range 3 'h'" >/dev/null
expect_rc "syntax error exit code" 1 $?
expect_match "syntax error: 1064 with SQLSTATE HY000 (not 42000)" "^ERROR 1064 \\(HY000\\)( at line 1)?: SQL parser error: You have an error in your SQL syntax; check the manual that corresponds to your MatrixOne server version for the right syntax to use. syntax error at line 1 column 24 near \" database t1 range 3 'h'\";\$" "$(errline)"

echo "# batch input from stdin, statements over several lines"
out=$(cli root "$MO_PASSWORD" -N -B <<'SQL'
create pitr s1
  for database db01 table t01x_is_not_used_here_but_next_line_is
  range 1 'h';
SQL
)
expect_rc "stdin: a multi-line statement that fails (table missing) exits 1" 1 $?
expect_match "stdin error (at line N)" '^ERROR 20101 \(HY000\) at line [0-9]+: internal error: table db01.t01x_is_not_used_here_but_next_line_is does not exist$' "$(errline)"
out=$(cli root "$MO_PASSWORD" -N -B <<'SQL'
drop pitr c_table;
create pitr s1
  for table db01 t01
  range 2 'h';
alter pitr s1
  range 3 'd';
show pitr
  where pitr_name = 's1';
drop pitr if exists nosuch;
show pitr where pitr_name in ('s1', 'c_table')
SQL
)
expect_rc "stdin batch exit code" 0 $?
expect_eq "stdin batch output" "s1 T T table sys db01 t01 3 d
s1 T T table sys db01 t01 3 d" "$(printf '%s\n' "$out" | masked)"

echo "# -e with several statements separated by ';'"
out=$(cli root "$MO_PASSWORD" -N -B -e "drop pitr s1; create pitr e1 for table db01 t01 range 1 'h'; alter pitr e1 range 2 'h'; show pitr where pitr_name = 'e1'; drop pitr e1; show pitr where pitr_name = 'e1'")
expect_rc "-e several statements exit code" 0 $?
expect_eq "-e several statements output" "e1 T T table sys db01 t01 2 h" "$(printf '%s\n' "$out" | masked)"

echo "# the CLI stops at the first error (server answered ERR for statement 2 of 3)"
out=$(cli root "$MO_PASSWORD" -N -B -e "create database db02; create pitr f1 for database db02 range 1 'h'; create pitr f1 for database db02 range 2 'h'; drop pitr f1")
expect_rc "stop at error exit code" 1 $?
expect_match "second create: name exists" 'ERROR 20101 \(HY000\)( at line 1)?: internal error: pitr f1 already exists' "$(errline)"
expect_eq "f1 still there (third statement not run)" "f1" "$(sys -e "show pitr where pitr_name = 'f1'" | cut -f1)"

echo "# round trips in the mosim statement log (common brief: log format; notes A9: the batch CLI"
echo "# sends only the statements, one COM_QUERY each, no select @@version_comment)"
if [ -n "${MOSIM_LOG:-}" ] && [ -f "$MOSIM_LOG" ]; then
    mark=$(wc -l <"$MOSIM_LOG")
    cli root "$MO_PASSWORD" -N -B -e "create pitr lg1 for table db01 t01 range 1 'h'; show pitr where pitr_name = 'lg1'; drop pitr lg1; drop pitr lg1" >/dev/null
    sleep 0.2
    expect_eq "log lines of that CLI run: account, outcome, statement" "* CONNECT root ok=0
sys create pitr lg1 for table db01 t01 range 1 'h' ok=0
sys show pitr where pitr_name = 'lg1' rows=1
sys drop pitr lg1 ok=0
sys drop pitr lg1 err=20101" "$(tail -n +$((mark + 1)) "$MOSIM_LOG" | awk -F'\t' '{ a = ($5 ~ /^CONNECT /) ? "*" : $3; print a, $5, $4 }')"
    expect_match "log time field is UTC ISO-8601 with milliseconds" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$' "$(tail -n1 "$MOSIM_LOG" | cut -f1)"
else
    fail "mosim log" "MOSIM_LOG names the log file" "MOSIM_LOG='${MOSIM_LOG:-}'"
fi

echo "# spec 7: login forms; spec 2.2: acc01 does not see sys's c_acc01"
out=$(cli acc01:admin1 111 -N -B -e "create pitr a1 for account range 1 'h'; show pitr")
expect_rc "acc01:admin1" 0 $?
expect_eq "acc01 sees only a1" "a1 T T account acc01 * * 1 h" "$(printf '%s\n' "$out" | masked)"
out=$(cli 'acc01#admin1#accountadmin' 111 -N -B -e "show pitr")
expect_rc "acc01#admin1#accountadmin" 0 $?
expect_eq "same account through #" "a1 T T account acc01 * * 1 h" "$(printf '%s\n' "$out" | masked)"
out=$(cli acc01:admin1 111 -N -B -e "create pitr c_cluster2 for cluster range 1 'h'")
expect_match "acc01 cluster level refused" '^ERROR 20101 \(HY000\)( at line 1)?: internal error: only sys tenant can create cluster level pitr$' "$(errline)"

echo "# protocol notes A5: wrong password -> ERROR 1045 (28000), exit 1"
cli root wrongpw -e 'show pitr' >/dev/null
expect_rc "wrong password exit code" 1 $?
expect_match "wrong password message" '^ERROR 1045 \(28000\): Access denied' "$(errline)"
cli acc01:admin1 nope -e 'show pitr' >/dev/null
expect_match "wrong password (acc01)" '^ERROR 1045 \(28000\)' "$(errline)"
cli acc01:nosuchuser 111 -e 'show pitr' >/dev/null
expect_match "unknown user (20101 on a real MatrixOne)" '^ERROR 20101 \(HY000\).*there is no user nosuchuser' "$(errline)"
finish
