#!/usr/bin/env bash
# check_server.sh: scripts/check-server against mosim: it checks what it claims, skips
# what the login may not do, and leaves the server exactly as it found it.
#
# Starts its own mosim (TZ=Asia/Tokyo, so the restore dry runs carry a +9 h zone offset;
# a distinctive root password) and covers:
#   (a) a clean server, MO_PASSWORD: exit 0, every check PASS (restore SKIP without
#       --restore), the comparison "identical" for SHOW PITR, SHOW DATABASES,
#       mo_catalog.mo_pitr and mo_catalog.mo_account; mosim's log: 9 PITRs created and the
#       same 9 dropped by the extension, 2 databases and 1 account created and dropped, every
#       write naming the run's prefix, no RESTORE sent; the server's state (read here with
#       the mariadb client) as before;
#   (b) a server with a cluster PITR, an account PITR of sys, other databases and PITRs and
#       another account holding its own PITRs, DSN key=value with the password inside:
#       exit 0, the cluster and account writes and their dry runs SKIPped with the reasons,
#       both accounts' state (raw catalog included) unchanged;
#   (c) a non-sys account admin (CREATE ACCOUNT first): exit 0, the cluster and
#       other-account checks SKIPped with the reasons, its own account PITR written, the
#       comparison covers SHOW PITR and SHOW DATABASES; a `public` user of that account:
#       everything but connect SKIPped, nothing written;
#   (d) SIGINT to the process group (Ctrl-C) while a COMMIT is stalled after its first
#       CREATE, and SIGTERM to the script alone while the table PITR's CREATE is stalled:
#       exit 130 / 143, everything removed, no process of the run left, the state as before;
#       no process has the password on its command line while it runs;
#   (e) the password is never printed (every run's output is searched for it), and a DSN
#       argument holding one gets a note to use MO_PASSWORD;
#   (f) --help (exit 0), an unknown option and two DSNs (exit 2), no DSN (exit 2);
#   (g) failures are reported: an injected server error on the first ALTER gives "FAIL
#       update", a SHOW RECOVERY_WINDOW answer that is not a list "FAIL recovery window
#       database", "2 failed", exit 1, and the server is still left as it was;
#   (h) the comparison catches a difference: a database created by someone else during the
#       run is shown as "+ <name>" and the exit status is 1;
#   (i) --restore on mosim (which stores no rows): the restore is SKIPped with the reason and
#       nothing is restored; a server whose catalog holds only the internal
#       sys_mo_catalog_pitr: writes SKIPped, the row kept.
#
# Run by test/run-suite.sh (MOSIM, MOPITR_EXT exported; the binaries of that build are used
# through MOPITR_BUILD_DIR, so nothing is built).
set -u
: "${MOSIM:?}" "${MOPITR_EXT:?}"
src=${MOPITR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export MOPITR_BUILD_DIR
MOPITR_BUILD_DIR=$(cd "$(dirname "$MOPITR_EXT")" && pwd)
cs=$src/scripts/check-server
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-checksrv.XXXXXX")
fails=0
checks=0
. "$(dirname "$0")/lib.bash"

PW='Ck-Srv-7q2-Secret' # the server's root password: must never be printed
TZ=Asia/Tokyo start_mosim "$PW"
unset MO_DSN MO_PASSWORD MYSQL_PWD
DSN="mysql://root@127.0.0.1:$port"

# cli SQL [LOGIN PW]: the mariadb CLI, an independent connection (password in MYSQL_PWD).
cli() { MYSQL_PWD=${3:-$PW} mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$port" \
    -u "${2:-root}" -N -B -e "$1" 2>&1; }
# state: everything root can see, and what account acc01's admin sees (once it exists).
state() {
    cli "SHOW PITR"; echo ---; cli "SHOW DATABASES"; echo ---
    cli "SELECT * FROM mo_catalog.mo_pitr" | sort; echo ---
    cli "SELECT * FROM mo_catalog.mo_account" | sort
    if cli "SELECT 1" acc01:admin1 'Acc-Pw-4r' >/dev/null 2>&1; then
        echo ---; cli "SHOW PITR" acc01:admin1 'Acc-Pw-4r'; cli "SHOW DATABASES" acc01:admin1 'Acc-Pw-4r'
    fi
}
# log_count FROM PATTERN: successful statements in mosim's log after byte FROM whose
# statement matches PATTERN (ERE, case-insensitive).
log_count() {
    tail -c +"$(($1 + 1))" "$tmp/mosim.log" | awk -F'\t' -v p="$2" \
        '$4 !~ /^err=/ && $4 != "lost" && tolower($5) ~ p { n++ } END { print n + 0 }'
}
log_size() { stat -c %s "$tmp/mosim.log"; }
# psx ARGS: ps without LD_PRELOAD (procps hangs with the sanitizer runtimes preloaded, as
# scripts/test runs the client scripts under ASan).
psx() { env -u LD_PRELOAD ps "$@"; }
# descendants PID: the pids of PID's children, their children, ...
descendants() {
    local c
    for c in $(psx -o pid= --ppid "$1"); do echo "$c"; descendants "$c"; done
}
# run NAME ENV... -- ARGS...: run check-server with stdin not a terminal; OUT, RC.
run() {
    local name=$1; shift
    local envs=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do envs+=("$1"); shift; done
    shift
    OUT=$(env "${envs[@]}" "$cs" "$@" </dev/null 2>&1); RC=$?
    check_lacks "$name: the password is not printed" "$PW" "$OUT"
}
show_tail() { printf '%s\n' "$OUT" | grep -v '^PASS' | tail -n 25 | sed 's/^/    /'; }
prefix_of() { printf '%s\n' "$1" | sed -n 's/.*under the prefix \(mopitr_check_[0-9a-f]\{6\}\).*/\1/p' | head -n 1; }

# ---- (a) a clean server ----------------------------------------------------------------------
before=$(state)
off=$(log_size)
run clean MO_DSN="$DSN" MO_PASSWORD="$PW" --
check "clean: exit 0" 0 "$RC"
[ "$RC" = 0 ] || show_tail
for c in connect read "write database" "write table" "write account" "write cluster" \
    "write other account" duplicate update "update unit" "update refused" \
    "recovery window database" "recovery window table" "coverage database" "coverage table" \
    "coverage other account" "dry run database" "dry run table" "dry run account" \
    "dry run cluster" "dry run other account" "dry run sends nothing" "transaction undo" \
    mo_pitr_plan mo_pitr_last_commit mo_pitr_journal "atomic statement undo" \
    "atomic statement" "delete guard" delete "atomic delete" "delete own"; do
    check_has "clean: PASS $c" "PASS $c: " "$OUT"
done
check "clean: 16 pushdown filters pass" 16 "$(printf '%s\n' "$OUT" | grep -c '^PASS pushdown ')"
check_has "clean: the restore is skipped without --restore" \
    "SKIP restore: a real restore runs only with --restore" "$OUT"
check_lacks "clean: no FAIL" "FAIL" "$OUT"
check_has "clean: totals" "48 passed, 0 failed, 1 skipped" "$OUT"
check_has "clean: the dry runs carry the server's zone (Asia/Tokyo)" "(server zone offset 32400 s)" "$OUT"
check_has "clean: the journal check searched for the password" \
    "the undo DROP; no password" "$(printf '%s\n' "$OUT" | grep '^PASS mo_pitr_journal')"
check_lacks "clean: ... and did not say it was too short" "too short" "$OUT"
for s in "SHOW PITR:" "SHOW DATABASES:" "mo_catalog.mo_pitr:" "mo_catalog.mo_account:"; do
    check "clean: comparison $s identical" 1 \
        "$(printf '%s\n' "$OUT" | grep -c "^  $s .*: identical$")"
done
p=$(prefix_of "$OUT")
check_has "clean: a unique prefix" mopitr_check_ "${p:-none}"
check_has "clean: the database's recovery windows cover both its tables" \
    "t.${p}_pt, t2.${p}_paccount, t2.${p}_pdb" "$(printf '%s\n' "$OUT" | grep '^PASS recovery window database')"
sleep 0.1
check "clean: 9 PITRs created (log)" 9 "$(log_count "$off" "^create pitr \`${p}_")"
check "clean: the extension dropped the same 9" 9 "$(log_count "$off" "^drop pitr \`${p}_")"
check "clean: created PITRs = dropped PITRs" \
    "$(tail -c +"$((off + 1))" "$tmp/mosim.log" | awk -F'\t' '$4 !~ /^err=/ && $5 ~ /^CREATE PITR `/ { print $5 }' | cut -d'`' -f2 | sort)" \
    "$(tail -c +"$((off + 1))" "$tmp/mosim.log" | awk -F'\t' '$4 !~ /^err=/ && $5 ~ /^DROP PITR `/ { print $5 }' | cut -d'`' -f2 | sort)"
check "clean: 2 databases created" 2 "$(log_count "$off" "^create database \`${p}_")"
check "clean: 2 databases dropped" 2 "$(log_count "$off" "^drop database if exists \`${p}_")"
check "clean: 1 account created, 1 dropped" "1 1" \
    "$(log_count "$off" "^create account ${p}_acc ") $(log_count "$off" "^drop account if exists ${p}_acc$")"
check "clean: every write names the run's objects" \
    "$(log_count "$off" "^(create|alter|drop) ")" "$(log_count "$off" "^(create|alter|drop) .*${p}_")"
check "clean: no RESTORE sent" 0 "$(log_count "$off" "^restore")"
check "clean: the server's state as before" "$before" "$(state)"

# ---- (b) a server that already holds PITRs ---------------------------------------------------
cli "CREATE DATABASE app; CREATE TABLE app.t (id INT); CREATE DATABASE sales;
     CREATE TABLE sales.orders (id INT);
     CREATE PITR prod_cluster FOR CLUSTER RANGE 1 'y';
     CREATE PITR prod_account FOR ACCOUNT RANGE 30 'd';
     CREATE PITR app_p FOR DATABASE app RANGE 2 'd';
     CREATE PITR orders_p FOR TABLE sales orders RANGE 12 'h';
     CREATE ACCOUNT acc01 ADMIN_NAME 'admin1' IDENTIFIED BY 'Acc-Pw-4r';
     CREATE PITR sys_for_acc01 FOR ACCOUNT acc01 RANGE 7 'd'" >/dev/null
cli "CREATE DATABASE accdb; CREATE PITR acc_own FOR ACCOUNT RANGE 3 'd';
     CREATE PITR accdb_p FOR DATABASE accdb RANGE 1 'mo'" acc01:admin1 'Acc-Pw-4r' >/dev/null
check "setup (b): 5 PITRs of sys, 2 of acc01" "5 2" \
    "$(cli 'SHOW PITR' | wc -l) $(cli 'SHOW PITR' acc01:admin1 'Acc-Pw-4r' | wc -l)"
sleep 1 # the pre-existing PITRs are older than the run's (coverage: earliest_restorable)
before=$(state)
off=$(log_size)
run "existing PITRs" MO_DSN="host=127.0.0.1 port=$port user=root password='$PW'" --
check "existing PITRs: exit 0" 0 "$RC"
[ "$RC" = 0 ] || show_tail
check_has "existing PITRs: the cluster write is skipped, saying why" \
    "SKIP write cluster: the server already has cluster PITR 'prod_cluster' (MatrixOne allows one per cluster; it is not touched)" "$OUT"
check_has "existing PITRs: the account write is skipped, saying why" \
    "SKIP write account: account 'sys' already has account PITR 'prod_account'" "$OUT"
check_has "existing PITRs: the cluster dry run is skipped" "SKIP dry run cluster: the server already has" "$OUT"
check_has "existing PITRs: the account dry run is skipped" "SKIP dry run account: account 'sys' already has" "$OUT"
check_has "existing PITRs: another account is still checked" "PASS write other account: " "$OUT"
check_has "existing PITRs: coverage lists the existing account and cluster PITRs" \
    "prod_account (account, restore_as database" "$(printf '%s\n' "$OUT" | grep '^PASS coverage database')"
# (sys's 5 and the run's 5 at that point: pdb, pt, pother, pdb2, pt2)
check_has "existing PITRs: the guard counts every PITR" \
    "it would drop 10 PITRs" "$(printf '%s\n' "$OUT" | grep '^PASS delete guard')"
check_has "existing PITRs: totals" "44 passed, 0 failed, 5 skipped" "$OUT"
check "existing PITRs: comparison identical (4 sections)" 4 "$(printf '%s\n' "$OUT" | grep -c ': identical$')"
check "existing PITRs: no write to the existing objects" 0 \
    "$(log_count "$off" "^(create|alter|drop) .*(prod_|app|sales|acc_own|accdb|sys_for_acc01|acc01)")"
check "existing PITRs: both accounts' state as before" "$before" "$(state)"

# ---- (c) a non-sys account admin, and a public user ------------------------------------------
cli "CREATE ACCOUNT acc02 ADMIN_NAME 'admin2' IDENTIFIED BY 'Acc2-Pw-8k'" >/dev/null
cli "CREATE USER viewer IDENTIFIED BY 'View-Pw-3z'" acc02:admin2 'Acc2-Pw-8k' >/dev/null
acc2_state() { cli "SHOW PITR" acc02:admin2 'Acc2-Pw-8k'; cli "SHOW DATABASES" acc02:admin2 'Acc2-Pw-8k'; }
before=$(state) acc2_before=$(acc2_state)
off=$(log_size)
run "account admin" MO_DSN="host=127.0.0.1 port=$port account=acc02 user=admin2" MO_PASSWORD='Acc2-Pw-8k' --
check "account admin: exit 0" 0 "$RC"
[ "$RC" = 0 ] || show_tail
check_has "account admin: connects as acc02" "PASS connect: account acc02, role accountadmin" "$OUT"
check_has "account admin: cluster skipped (not sys)" \
    "SKIP write cluster: only the sys account may create a cluster PITR (this login is in account 'acc02')" "$OUT"
check_has "account admin: other account skipped (not sys)" \
    "SKIP write other account: only the sys account may write PITRs for another account (this login is in account 'acc02')" "$OUT"
check_has "account admin: its own account PITR written" "PASS write account: sent CREATE PITR" "$OUT"
check_has "account admin: totals" "43 passed, 0 failed, 6 skipped" "$OUT"
check "account admin: compares SHOW PITR and SHOW DATABASES" 2 "$(printf '%s\n' "$OUT" | grep -c ': identical$')"
check_lacks "account admin: no mo_catalog section (not sys)" "mo_catalog.mo_pitr:" "$OUT"
check_lacks "account admin: its password is not printed" "Acc2-Pw-8k" "$OUT"
check "account admin: acc02's state as before" "$acc2_before" "$(acc2_state)"
check "account admin: sys's and acc01's state as before" "$before" "$(state)"

off=$(log_size)
run "public user" MO_DSN="host=127.0.0.1 port=$port account=acc02 user=viewer" MO_PASSWORD='View-Pw-3z' --
check "public user: exit 0" 0 "$RC"
check_has "public user: says why nothing else runs" \
    "SKIP everything else: role 'public' may not run SHOW PITR nor write PITRs" "$OUT"
check_has "public user: totals" "1 passed, 0 failed, 1 skipped" "$OUT"
sleep 0.1
check "public user: nothing written" 0 "$(log_count "$off" "^(create|alter|drop) ")"

# ---- (d) interrupted -------------------------------------------------------------------------
before=$(state)
# interrupted NAME FAULT WAIT-PATTERN SIGNAL WHOM RC: run check-server as a job of its own,
# stall the statement FAULT matches, wait until mosim has logged WAIT-PATTERN, send SIGNAL
# to the process group (WHOM=group, as Ctrl-C does) or to the script alone (WHOM=script).
interrupted() {
    local name=$1 fault=$2 pat=$3 sig=$4 whom=$5 want=$6 pid rc out p
    cli "MOSIM FAULT STALL MATCH '$fault'" >/dev/null
    off=$(log_size)
    # job control: its own process group, and SIGINT not ignored (a background job of a
    # script without it ignores SIGINT, which bash then cannot trap)
    set -m
    MO_DSN="$DSN" MO_PASSWORD="$PW" "$cs" </dev/null >"$tmp/intr.out" 2>&1 &
    pid=$!
    set +m
    for _ in $(seq 200); do
        [ "$(log_count "$off" "$pat")" -ge 1 ] && break
        sleep 0.05
    done
    sleep 0.3
    # nothing running has the password on its command line (mosim has: skip it)
    local leak=0 f
    for f in /proc/[0-9]*/cmdline; do
        [ "$f" = "/proc/$mpid/cmdline" ] && continue
        tr '\0' ' ' <"$f" 2>/dev/null | grep -qF -- "$PW" && leak=1
    done
    check "$name: no process has the password on its command line" 0 "$leak"
    local procs
    procs=$(descendants "$pid") # the run's processes: the worker, its sqlite3 or mariadb
    check_has "$name: the run has processes to stop" " " " $procs"
    if [ "$whom" = group ]; then kill -"$sig" -- -"$pid"; else kill -"$sig" "$pid"; fi
    wait "$pid"; rc=$?
    out=$(cat "$tmp/intr.out")
    cli "MOSIM FAULT CLEAR" >/dev/null
    check "$name: exit status $want" "$want" "$rc"
    check_has "$name: says it was interrupted" "removing what it created" "$out"
    check_has "$name: removes what it created" "check-server: removed what it created" "$out"
    check_lacks "$name: the password is not printed" "$PW" "$out"
    sleep 0.2
    local left= q
    # (a zombie is dead: whether it is reaped depends on this machine's init)
    for q in $procs; do
        case $(psx -o stat= -p "$q") in "" | Z*) ;; *) left+=" $(psx -o pid=,args= -p "$q")" ;; esac
    done
    check "$name: no process of the run is left" "" "$left"
    p=$(prefix_of "$out") intr_prefix=$(prefix_of "$out")
    check "$name: the comparison is identical" 4 "$(printf '%s\n' "$out" | grep -c ': identical$')"
    check "$name: no ${p:-prefix} object left" "" "$(cli 'SHOW PITR; SHOW DATABASES; SELECT account_name FROM mo_catalog.mo_account' | grep -F "${p:-mopitr_check_}")"
    check "$name: the server's state as before" "$before" "$(state)"
}
# The transaction's COMMIT: the first CREATE applied, the second stalls; Ctrl-C.
interrupted "SIGINT during COMMIT" "_ptxb\`" "^create pitr \`mopitr_check_[0-9a-f]*_ptxa\`" INT group 130
check "SIGINT during COMMIT: the COMMIT's first CREATE was applied, then dropped by the clean-up" "1 1" \
    "$(log_count "$off" "^create pitr \`${intr_prefix}_ptxa\`") $(log_count "$off" "^drop pitr if exists \`${intr_prefix}_ptxa\`")"
# The table PITR's CREATE stalls; SIGTERM to the script only (its sqlite3 is killed by it).
interrupted "SIGTERM during a write" "for table" "^create pitr \`mopitr_check_[0-9a-f]*_pdb\`" TERM script 143

# ---- (e) a password in a DSN argument gets a note; (f) usage ------------------------------------
run "DSN argument" -- "mysql://root:$PW@127.0.0.1:$port" --restore
check "DSN argument: exit 0" 0 "$RC"
check_has "DSN argument: suggests MO_PASSWORD" \
    "the DSN on the command line holds a password, which other users of this machine can see (ps); set MO_PASSWORD instead" "$OUT"
# (i) --restore on mosim: no rows, so nothing is restored
check_has "--restore on mosim: skipped, saying why" \
    "SKIP restore: the server does not store rows (INSERT: " "$OUT"
check "--restore on mosim: nothing restored" 0 "$(log_count 0 "^restore")"
check "--restore on mosim: the state as before" "$before" "$(state)"

out=$("$cs" --help 2>&1); rc=$?
check "--help: exit 0" 0 "$rc"
check_has "--help: usage" "Usage: scripts/check-server [--restore] [DSN]" "$out"
out=$("$cs" --bogus 2>&1); rc=$?
check "unknown option: exit 2" 2 "$rc"
check_has "unknown option: names it" "unknown option --bogus" "$out"
out=$("$cs" "$DSN" "$DSN" 2>&1); rc=$?
check "two DSNs: exit 2" 2 "$rc"
out=$(env -u MO_DSN "$cs" 2>&1); rc=$?
check "no DSN: exit 2" 2 "$rc"
check_has "no DSN: says so" "no server: give a DSN or set MO_DSN" "$out"

# ---- (g) a failing check is reported -----------------------------------------------------------
before=$(state)
cli "MOSIM FAULT ERROR 20101 'internal error: injected' MATCH 'alter pitr';
     MOSIM FAULT LIE RANGE MATCH 'recovery_window for database'" >/dev/null
run "injected error" MO_DSN="$DSN" MO_PASSWORD="$PW" --
cli "MOSIM FAULT CLEAR" >/dev/null
check "injected error: exit 1" 1 "$RC"
check_has "injected error: FAIL update, with the server's error" \
    "FAIL update: mo_pitr: internal error: injected (MatrixOne error 20101)" "$OUT"
check_has "injected error: FAIL recovery window database, a list that is not one" \
    "FAIL recovery window database: mo_pitr: cannot read the recovery window list from the server: expected an item at byte 0, got 'abc'" "$OUT"
check_has "injected error: totals" " passed, 2 failed, " "$OUT"
check "injected error: comparison identical" 4 "$(printf '%s\n' "$OUT" | grep -c ': identical$')"
check "injected error: the state as before" "$before" "$(state)"

# ---- (h) a difference is caught ----------------------------------------------------------------
off=$(log_size)
MO_DSN="$DSN" MO_PASSWORD="$PW" "$cs" </dev/null >"$tmp/h.out" 2>&1 &
hpid=$!
for _ in $(seq 200); do
    [ "$(log_count "$off" "^create pitr \`mopitr_check_[0-9a-f]*_pdb\`")" -ge 1 ] && break
    sleep 0.05
done
cli "CREATE DATABASE intruder" >/dev/null
wait "$hpid"; rc=$?
OUT=$(cat "$tmp/h.out")
check "difference: exit 1" 1 "$rc"
check_has "difference: SHOW DATABASES is DIFFERENT" "SHOW DATABASES:        9 rows before, 10 after: DIFFERENT" "$OUT"
check_has "difference: names the new database" "    + intruder" "$OUT"
check_has "difference: the checks themselves passed" " 0 failed, " "$OUT"
cli "DROP DATABASE intruder" >/dev/null

# ---- (i) only the internal catalog PITR: nothing written ---------------------------------------
cli "DROP PITR prod_cluster; DROP PITR prod_account; DROP PITR app_p; DROP PITR orders_p;
     DROP PITR sys_for_acc01; DROP ACCOUNT acc01" >/dev/null
check "setup (i): only sys_mo_catalog_pitr left" "sys_mo_catalog_pitr" \
    "$(cli 'SELECT pitr_name FROM mo_catalog.mo_pitr')"
before=$(state)
off=$(log_size)
run "lone catalog PITR" MO_DSN="$DSN" MO_PASSWORD="$PW" --
check "lone catalog PITR: exit 0" 0 "$RC"
check_has "lone catalog PITR: writes skipped, saying why" \
    "SKIP writes: mo_catalog.mo_pitr holds only MatrixOne's internal sys_mo_catalog_pitr" "$OUT"
check_has "lone catalog PITR: read still checked" "PASS read: " "$OUT"
check "lone catalog PITR: nothing written" 0 "$(log_count "$off" "^(create|alter|drop) ")"
check "lone catalog PITR: the state as before" "$before" "$(state)"

echo "check_server.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
