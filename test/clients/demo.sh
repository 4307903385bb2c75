#!/usr/bin/env bash
# demo.sh: scripts/demo is safe on a server that already holds PITRs (issue 13, item 4).
#
# Covers, against a mosim of its own whose root password is distinctive and which already
# holds a cluster PITR, an account PITR of sys, a database demo_sales with a PITR, and
# another database with a table PITR:
#   - the tour with a password inside a URI DSN, inside a key=value DSN (quoted), and from
#     MO_PASSWORD: exit 0, the cluster and account steps skipped with the reason, its own
#     objects created and removed (mosim's log: 2 CREATE DATABASE, 3 CREATE PITR, 3 DROP
#     PITR, 2 DROP DATABASE, 12 writes in all, each naming the run's demo_<random> objects; the server's SHOW
#     PITR and SHOW DATABASES, read with the mariadb CLI, identical before and after, and
#     mo_catalog.mo_pitr too: the server's PITRs were created with 1 hour and altered, so a
#     demo CREATE longer than 1 hour would widen the internal sys_mo_catalog_pitr), and
#     the password in nothing it prints;
#   - a catalog holding only sys_mo_catalog_pitr (its account dropped): refused, exit 1,
#     nothing created;
#   - another account (key=value DSN with account=): the cluster step skipped (not sys), the
#     account PITR made for that account and removed, both accounts' state unchanged;
#   - without --yes and with stdin not a terminal: refused, exit 1, nothing sent that writes;
#   - on a terminal (script(1)) without --yes: asks, and the answer "n" creates nothing;
#   - a wrong password: a clear error naming user@host:port, exit 1, nothing created, the
#     wrong password not printed;
#   - SIGTERM in the middle of the tour (the server stalls the table PITR's CREATE): exit
#     143, and everything it had created is removed;
#   - with no MO_DSN the bundled mosim is used and nothing is asked;
#   - --help prints the usage and exits 0; an unknown option exits 2.
#
# Run by test/run-suite.sh (MOSIM, MOPITR_EXT exported; the demo uses the binaries of that
# build through MOPITR_BUILD_DIR, so nothing is built).
set -u
: "${MOSIM:?}" "${MOPITR_EXT:?}"
src=${MOPITR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export MOPITR_BUILD_DIR
MOPITR_BUILD_DIR=$(cd "$(dirname "$MOPITR_EXT")" && pwd)
demo=$src/scripts/demo
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-demo.XXXXXX")
fails=0
checks=0
. "$(dirname "$0")/lib.bash"

PW='Dm0-Zx9q-Secret'   # the server's root password: must never be printed
BAD='Wr0ng-Pw-Qk4'     # a wrong one: must not be printed either
start_mosim "$PW"
unset MO_DSN MO_PASSWORD MYSQL_PWD

# cli SQL: the mariadb CLI, an independent connection (password in MYSQL_PWD).
cli() { MYSQL_PWD=$PW mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u root \
    -N -B -e "$1" 2>&1; }
# The raw catalog too: its internal sys_mo_catalog_pitr row keeps the longest range ever
# CREATEd (spec 6.3), so a demo CREATE longer than what the server had would change it.
snapshot() { cli "SHOW PITR"; echo ---; cli "SHOW DATABASES"; echo ---; cli "SHOW TABLES FROM demo_sales"
    echo ---; cli "SELECT pitr_name, pitr_length, pitr_unit FROM mo_catalog.mo_pitr" | sort; }

# Created with 1 hour and altered to their ranges (ALTER leaves the internal row alone): the
# internal row says 1 h, the shortest range there is.
cli "CREATE DATABASE demo_sales; CREATE TABLE demo_sales.orders (id INT);
     CREATE DATABASE app; CREATE TABLE app.t (id INT);
     CREATE PITR prod_cluster FOR CLUSTER RANGE 1 'h'; ALTER PITR prod_cluster RANGE 1 'y';
     CREATE PITR prod_account FOR ACCOUNT RANGE 1 'h'; ALTER PITR prod_account RANGE 30 'd';
     CREATE PITR demo_sales FOR DATABASE demo_sales RANGE 1 'h'; ALTER PITR demo_sales RANGE 2 'd';
     CREATE PITR app_t FOR TABLE app t RANGE 1 'h'; ALTER PITR app_t RANGE 12 'h'" >/dev/null
before=$(snapshot)
check "setup: 4 PITRs on the server" 4 "$(cli 'SHOW PITR' | wc -l)"
check "setup: the internal catalog PITR is at 1 h" "sys_mo_catalog_pitr	1	h" \
    "$(cli "SELECT pitr_name, pitr_length, pitr_unit FROM mo_catalog.mo_pitr WHERE pitr_name = 'sys_mo_catalog_pitr'")"

# log_count FROM PATTERN: statements in mosim's log after byte FROM matching PATTERN (ERE,
# case-insensitive, on the statement field) that succeeded.
log_count() {
    tail -c +"$(($1 + 1))" "$tmp/mosim.log" | awk -F'\t' -v p="$2" \
        '$4 !~ /^err=/ && tolower($5) ~ p { n++ } END { print n + 0 }'
}

# tour NAME ENV...: run the tour with --yes and stdin not a terminal; check it worked, left
# the server as it was and printed no password.
tour() {
    local name=$1 off out rc prefix; shift
    off=$(stat -c %s "$tmp/mosim.log")
    out=$(env "$@" "$demo" --yes </dev/null 2>&1); rc=$?
    sleep 0.1
    check "$name: exit status 0" 0 "$rc"
    [ $rc -eq 0 ] || printf '%s\n' "$out" | tail -n 30 | sed 's/^/    /'
    check_has "$name: the cluster step is skipped, saying why" \
        "skipped: cluster PITR: the server already has one ('prod_cluster')" "$out"
    check_has "$name: the account step is skipped, saying why" \
        "skipped: account PITR: account 'sys' already has one ('prod_account')" "$out"
    check_has "$name: says on which server" "demo: server: root@127.0.0.1:$port (MO_DSN)" "$out"
    check_has "$name: the tour ran" "demo: tour finished" "$out"
    check_has "$name: says it removed what it created" "demo: removed what it created" "$out"
    check_lacks "$name: the password is not printed" "$PW" "$out"
    prefix=$(printf '%s\n' "$out" | sed -n 's/.*databases: \(demo_[0-9a-f]\{6\}\)_sales.*/\1/p' | head -n 1)
    check_has "$name: unique names (demo_<random>_...)" "demo_" "${prefix:-none}"
    check "$name: created 2 databases" 2 "$(log_count "$off" "^create database \`${prefix}_")"
    check "$name: created 3 PITRs (database, table, transaction)" 3 \
        "$(log_count "$off" "^create pitr \`${prefix}_")"
    check "$name: dropped 3 PITRs" 3 "$(log_count "$off" "^drop pitr .*${prefix}_")"
    check "$name: dropped 2 databases" 2 "$(log_count "$off" "^drop database if exists \`${prefix}_")"
    check "$name: 12 writes in all (+ CREATE TABLE, the ALTER of the tour's UPDATE)" 12 \
        "$(log_count "$off" "^(create|alter|drop) ")"
    check "$name: every write names the run's own objects" \
        "$(log_count "$off" "^(create|alter|drop) ")" \
        "$(log_count "$off" "^(create|alter|drop) .*${prefix}_")"
    check "$name: SHOW PITR, SHOW DATABASES and demo_sales unchanged" "$before" "$(snapshot)"
}

tour "URI with password" MO_DSN="mysql://root:$PW@127.0.0.1:$port"
tour "key=value, quoted password" MO_DSN="host=127.0.0.1 port=$port user=root password='$PW'"
tour "URI, MO_PASSWORD" MO_DSN="mysql://root@127.0.0.1:$port" MO_PASSWORD="$PW"

# Another account (key=value DSN with account=): the cluster step is skipped (not sys), the
# account PITR is made for that account and removed again.
APW='Acc-Pw-5tK8'
cli "CREATE ACCOUNT dacc ADMIN_NAME 'dadmin' IDENTIFIED BY '$APW'" >/dev/null
acc_cli() { MYSQL_PWD=$APW mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" \
    -u dacc:dadmin -N -B -e "$1" 2>&1; }
acc_before=$(acc_cli "SHOW PITR"; acc_cli "SHOW DATABASES")
before=$(snapshot)
off=$(stat -c %s "$tmp/mosim.log")
out=$(MO_DSN="host=127.0.0.1 port=$port account=dacc user=dadmin password='$APW'" \
    "$demo" --yes </dev/null 2>&1); rc=$?
sleep 0.1
check "account dacc: exit 0" 0 "$rc"
[ $rc -eq 0 ] || printf '%s\n' "$out" | tail -n 20 | sed 's/^/    /'
check_has "account dacc: says on which server" "demo: server: dacc:dadmin@127.0.0.1:$port" "$out"
check_has "account dacc: the cluster step is skipped (not sys)" \
    "skipped: cluster PITR: only the sys account may create one (this login is in account 'dacc')" "$out"
check "account dacc: its account PITR was created" 1 "$(log_count "$off" "^create pitr \`demo_[0-9a-f]*_account\` for account")"
check_has "account dacc: removed what it created" "demo: removed what it created" "$out"
check_lacks "account dacc: no password printed" "$APW" "$out"
check "account dacc: its PITRs and databases as before" "$acc_before" "$(acc_cli "SHOW PITR"; acc_cli "SHOW DATABASES")"
check "account dacc: sys's PITRs and databases as before" "$before" "$(snapshot)"

# Not a terminal, no --yes: refused before anything is created.
off=$(stat -c %s "$tmp/mosim.log")
out=$(MO_DSN="mysql://root:$PW@127.0.0.1:$port" "$demo" </dev/null 2>&1); rc=$?
check "no --yes, stdin not a terminal: exit 1" 1 "$rc"
check_has "no --yes: says --yes is needed" "Run again with --yes" "$out"
check_has "no --yes: says nothing was created" "nothing was" "$out"
check_lacks "no --yes: no password printed" "$PW" "$out"
sleep 0.1
check "no --yes: nothing written on the server" 0 "$(log_count "$off" "^(create|alter|drop) ")"

# A terminal, no --yes: asks; "n" creates nothing.
if command -v script >/dev/null; then
    off=$(stat -c %s "$tmp/mosim.log")
    out=$(printf 'n\n' | MO_DSN="mysql://root:$PW@127.0.0.1:$port" \
        script -qec "$demo" /dev/null 2>&1); rc=$?
    check_has "terminal: asks before creating" "Create them on root@127.0.0.1:$port? [y/N]" "$out"
    check_has "terminal: answer n creates nothing" "demo: nothing was created" "$out"
    check_lacks "terminal: no password printed" "$PW" "$out"
    sleep 0.1
    check "terminal, n: nothing written on the server" 0 "$(log_count "$off" "^(create|alter|drop) ")"
fi

# A wrong password: a clear error, nothing created.
off=$(stat -c %s "$tmp/mosim.log")
out=$(MO_DSN="mysql://root:$BAD@127.0.0.1:$port" "$demo" --yes </dev/null 2>&1); rc=$?
check "wrong password: exit 1" 1 "$rc"
check_has "wrong password: the error names user@host:port" \
    "mo_pitr: cannot connect to root@127.0.0.1:$port" "$out"
check_lacks "wrong password: not printed" "$BAD" "$out"
check_lacks "wrong password: the right one neither" "$PW" "$out"
sleep 0.1
check "wrong password: nothing written" 0 "$(log_count "$off" "^(create|alter|drop) ")"

# SIGTERM in the middle: the table PITR's CREATE stalls; the demo is stopped there.
cli "MOSIM FAULT STALL MATCH 'FOR TABLE'" >/dev/null
off=$(stat -c %s "$tmp/mosim.log")
MO_DSN="mysql://root:$PW@127.0.0.1:$port" setsid "$demo" --yes </dev/null >"$tmp/term.out" 2>&1 &
dpid=$!
# (sqlite3's echo is buffered in a file: watch mosim's log for the database PITR's CREATE,
# the statement before the stalled one)
for _ in $(seq 200); do
    [ "$(log_count "$off" "^create pitr \`demo_[0-9a-f]*_sales\` for database")" = 1 ] && break
    sleep 0.05
done
sleep 0.3
kill -TERM -- -"$dpid" 2>/dev/null
wait "$dpid"; rc=$?
out=$(cat "$tmp/term.out")
cli "MOSIM FAULT CLEAR" >/dev/null
check "SIGTERM mid-tour: exit status 143" 143 "$rc"
check "SIGTERM mid-tour: created 2 databases" 2 "$(log_count "$off" "^create database \`demo_")"
check_has "SIGTERM mid-tour: removes what it created" "demo: removed what it created" "$out"
check_lacks "SIGTERM mid-tour: no password printed" "$PW" "$out"
check "SIGTERM mid-tour: the server is as before" "$before" "$(snapshot)"

# The bundled mosim: no MO_DSN, nothing asked, nothing of this server touched.
out=$("$demo" </dev/null 2>&1); rc=$?
check "bundled mosim: exit 0" 0 "$rc"
check_has "bundled mosim: uses mosim" "demo: server: mosim, the bundled" "$out"
check_lacks "bundled mosim: asks nothing" "[y/N]" "$out"
check_has "bundled mosim: creates a cluster PITR there" "cluster', 1, 'h')" "$out"
check "bundled mosim: this server unchanged" "$before" "$(snapshot)"

# A catalog holding only MatrixOne's internal PITR (an account's PITRs dropped with the
# account): the demo's last DROP would delete it, so nothing is created.
cli "CREATE ACCOUNT lone ADMIN_NAME 'la' IDENTIFIED BY 'lpw1';
     DROP PITR prod_cluster; DROP PITR prod_account; DROP PITR demo_sales; DROP PITR app_t" >/dev/null
MYSQL_PWD=lpw1 mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" -u lone:la -N -B \
    -e "CREATE PITR lone_p FOR ACCOUNT RANGE 1 'h'" >/dev/null 2>&1
cli "DROP ACCOUNT lone" >/dev/null
check "setup: only sys_mo_catalog_pitr in the catalog" "sys_mo_catalog_pitr" \
    "$(cli 'SELECT pitr_name FROM mo_catalog.mo_pitr')"
lone_before=$(snapshot)
off=$(stat -c %s "$tmp/mosim.log")
out=$(MO_DSN="mysql://root:$PW@127.0.0.1:$port" "$demo" --yes </dev/null 2>&1); rc=$?
check "lone catalog PITR: exit 1" 1 "$rc"
check_has "lone catalog PITR: says why" \
    "demo: mo_catalog.mo_pitr holds only MatrixOne's internal sys_mo_catalog_pitr" "$out"
check "lone catalog PITR: nothing created" 0 "$(log_count "$off" "^create ")"
check "lone catalog PITR: the server as before" "$lone_before" "$(snapshot)"

# Usage.
out=$("$demo" --help 2>&1); rc=$?
check "--help: exit 0" 0 "$rc"
check_has "--help: usage" "Usage: scripts/demo [--yes] [--tour]" "$out"
"$demo" --bogus >/dev/null 2>&1; rc=$?
check "unknown option: exit 2" 2 "$rc"

echo "demo.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
