#!/usr/bin/env bash
# rw_buffer.sh: mosim conformance, SHOW RECOVERY_WINDOW answers of several tables (spec 8.6
# and [Real], docs/real-matrixone-crosscheck.md): MatrixOne builds every table's
# RecoveryWindows in one reused Go bytes.Buffer and sends slices of it, so in an answer of
# several rows only the last row's list is the table's own; an earlier row shows what later
# rows wrote over it. A FOR TABLE answer (one row) is sound.
# Covers: a database with a table of 3 items (database, table and account PITR) and one of 2:
# the last row of FOR DATABASE equals that table's FOR TABLE list, the first row does not
# (a later list written over it, cut short or followed by the rest of its own), FOR ACCOUNT
# likewise; times are masked (they move). Passes against a real MatrixOne too (its row
# order is random; either order breaks the first row): MO_PORT=6001 MO_PASSWORD=111 bash
# test/conformance/rw_buffer.sh
# Run: test/run-suite.sh test/conformance/rw_buffer.sh
set -u
. "$(dirname "$0")/lib.bash"

# lists SQL: the rows of SQL as "table<TAB>list" with every time replaced by T.
lists() {
    sys -e "$1" | awk -F'\t' '{ print $4 "\t" $5 }' |
        sed -E "s/'[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:.]+'/T/g"
}

echo "# setup"
ok_sql "setup objects" root "$MO_PASSWORD" "create database rwb; create table rwb.t (a int);
create table rwb.t2 (a int); create pitr rwb_db for database rwb range 1 'h';
create pitr rwb_t for table rwb t range 1 'h'; create pitr rwb_acc for account range 1 'h'"

own_t=$(lists "show recovery_window for table rwb t")
own_t2=$(lists "show recovery_window for table rwb t2")
expect_match "FOR TABLE rwb t: one row, its 3 PITRs" \
    "^t	\[\{'start_time':T, 'end_time':T, 'source':'pitr', 'source_name':'rwb_[a-z]+'\}(, \{[^]]*\}){2}\]$" \
    "$own_t"
expect_match "FOR TABLE rwb t2: one row, 2 PITRs" \
    "^t2	\[\{[^]]*'source_name':'rwb_[a-z]+'\}, \{[^]]*'source_name':'rwb_[a-z]+'\}\]$" "$own_t2"

db=$(lists "show recovery_window for database rwb")
expect_eq "FOR DATABASE: two rows" 2 "$(printf '%s\n' "$db" | grep -c .)"
last=$(printf '%s\n' "$db" | tail -n 1)
first=$(printf '%s\n' "$db" | head -n 1)
case $last in t2$'\t'*) own_last=$own_t2 own_first=$own_t ;; *) own_last=$own_t own_first=$own_t2 ;; esac
expect_eq "FOR DATABASE: the last row is its table's own list" "$own_last" "$last"
if [ "$first" != "$own_first" ]; then
    pass "FOR DATABASE: the first row is not its table's own list (a later one written over it)"
else
    fail "FOR DATABASE: the first row is not its table's own list" "not: $own_first" "$first"
fi

acc=$(lists "show recovery_window for account" | grep -E '^t2?	' || true)
if [ "$(printf '%s\n' "$acc" | grep -c .)" = 2 ] &&
    { [ "$acc" != "$(printf '%s\n%s' "$own_t" "$own_t2")" ] &&
        [ "$acc" != "$(printf '%s\n%s' "$own_t2" "$own_t")" ]; }; then
    pass "FOR ACCOUNT: not every row of rwb is its table's own list"
else
    fail "FOR ACCOUNT: not every row of rwb is its table's own list" \
        "rows differing from: $own_t | $own_t2" "$acc"
fi

ok_sql "clean up" root "$MO_PASSWORD" "drop pitr rwb_db; drop pitr rwb_t; drop pitr rwb_acc;
drop database rwb"
finish
