#!/usr/bin/env bash
# robust.sh: mosim conformance at size (issue 4 "Robustness and size"): 200,000 PITRs, then
# one SHOW PITR of all of them read completely with the mariadb CLI, and mosim's peak memory.
# How it works: PyMySQL with CLIENT_MULTI_STATEMENTS sends the 200,000 tables and their
# table-level PITRs in batches of 500 statement pairs (one PITR per object, spec 3.3, so each
# PITR needs its own table). Then `mariadb --quick -N -B -e 'show pitr'` streams the result;
# the script counts rows, checks the first and last names (newest first, spec 2.1) and reads
# mosim's VmHWM (peak RSS) from /proc/$MOSIM_PID/status before and after the SHOW.
# The bound: the rows on the wire are ~90 bytes each (~18 MB for 200,000). A server that built
# the whole result in memory before sending would raise its peak by at least that much; a
# streaming server needs a few rows' worth. So the peak may grow by at most half the result's
# size (and at least 8 MB is always allowed for allocator noise).
# No timing is asserted (a size test, not a speed test: the machines are noisy): creation
# takes 2-3 minutes on 2 cores, and ctest allows this test 900 s (test/CMakeLists.txt).
# Env: MOPITR_ROBUST_N (default 200000). Under ASan (mosim linked with libasan) the RSS check
# means nothing (shadow memory) and the run would be slow: N drops to 20000, no RSS check.
# Run: test/run-suite.sh test/conformance/robust.sh
set -u
. "$(dirname "$0")/lib.bash"
: "${MOSIM_PID:?MOSIM_PID must be set (run through test/run-suite.sh)}"
n=${MOPITR_ROBUST_N:-200000}
asan=0
if [ -n "${MOSIM:-}" ] && ldd "$MOSIM" 2>/dev/null | grep -q libasan; then
    asan=1
    n=${MOPITR_ROBUST_N:-20000}
    echo "# mosim is built with ASan: N=$n, RSS bound not checked"
fi
hwm() { awk '/^VmHWM:/ { print $2 }' "/proc/$MOSIM_PID/status"; }

echo "# creating $n tables and $n table-level PITRs"
t0=$(date +%s.%N)
created=$(/usr/bin/python3 - "$n" <<'PY'
import os, sys
import pymysql
from pymysql.constants import CLIENT
n = int(sys.argv[1])
c = pymysql.connect(host="127.0.0.1", port=int(os.environ["MO_PORT"]), user="root",
                    password=os.environ.get("MO_PASSWORD", "111"), autocommit=True,
                    client_flag=CLIENT.MULTI_STATEMENTS, read_timeout=120)
cur = c.cursor()
cur.execute("create database big")
cur.execute("use big")
step = 500
done = 0
for lo in range(0, n, step):
    hi = min(n, lo + step)
    sql = ";".join("create table t%d (a int);create pitr p%d for table big t%d range 1 'h'" % (i, i, i)
                   for i in range(lo, hi))
    cur.execute(sql)
    while cur.nextset():
        pass
    done = hi
    if lo % 20000 == 0:
        print("#   %d created" % done, file=sys.stderr)
c.close()
print(done)
PY
)
rc=$?
t1=$(date +%s.%N)
expect_rc "creation ran" 0 "$rc"
created=${created:-0}
echo "# created $created in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
expect_eq "all $n PITRs created" "$n" "$created"
n=$created

before=$(hwm)
t0=$(date +%s.%N)
cli root "$MO_PASSWORD" --quick -N -B -e 'show pitr' >"$conf_tmp/rows"
rc=$?
t1=$(date +%s.%N)
after=$(hwm)
expect_rc "SHOW PITR read fully" 0 "$rc"
rows=$(wc -l <"$conf_tmp/rows")
bytes=$(wc -c <"$conf_tmp/rows")
echo "# SHOW PITR: $rows rows, $bytes bytes in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; mosim VmHWM ${before} kB -> ${after} kB"
expect_eq "row count" "$n" "$rows"
expect_eq "first row is the newest" "p$((n - 1))" "$(head -n1 "$conf_tmp/rows" | cut -f1)"
expect_eq "last row is the oldest" "p0" "$(tail -n1 "$conf_tmp/rows" | cut -f1)"
expect_eq "a row's values" "p12 table sys big t12 1 h" "$(grep -m1 "^p12	" "$conf_tmp/rows" | cut -f1,4- | tr '\t' ' ')"
if [ $asan = 0 ]; then
    bound=$((bytes / 2 / 1024))
    [ $bound -lt 8192 ] && bound=8192
    growth=$((after - before))
    if [ $growth -le $bound ]; then
        pass "mosim peak RSS grew by $growth kB during SHOW PITR (bound $bound kB: half the $((bytes / 1024)) kB result)"
    else
        fail "mosim peak RSS growth during SHOW PITR" "<= $bound kB (half the result size)" "$growth kB ($before -> $after)"
    fi
fi
expect_eq "mosim still answers" "p0" "$(sys -e "show pitr where pitr_name = 'p0'" | cut -f1)"
finish
