# test/bench/fanout.sh: the fan-out benchmark of scripts/bench (issue 16). Sourced by
# scripts/bench, which calls bench_fanout after its build (or alone: scripts/bench --fanout).
#
# The question: does mo_pitr_all ask 8 clusters at once? Each of 8 mosims (test/run-multi.sh
# starts 2..8 next to cluster 1) holds FANOUT_N PITRs and delays every reply by
# FANOUT_DELAY_MS (MOSIM FAULT DELAY). One python3 process with the extension connects all
# (mo_connect_all) and opens the fan-out's handles with one warm-up scan: connecting is not
# measured. Then, in that process, RUNS timed runs of each case (time.perf_counter around
# execute + fetchall), median and spread:
#     one cluster, fan-out       SELECT count(*) FROM mo_pitr_all('c1')     (the floor)
#     one cluster, mo_pitr       SELECT count(*) FROM mo_pitr('c1')
#     8 clusters, fan-out        SELECT count(*) FROM mo_pitr_all           (the target case)
#     8 clusters, one by one     the 8 counts of mo_pitr('cI') added in one SELECT (what
#                                a sequential scan costs: about 8x)
#     the last two again with the delay cleared: the fan-out's cost per row (CPU), which
#                                should be no more than reading the clusters one by one
# Every answer is checked (N per cluster). Target (PASS/MISS; a MISS never fails the run):
# 8 clusters, fan-out <= 1.5x one cluster, fan-out. The table and the target are printed and
# appended to build-bench/bench.md; the raw numbers go to build-bench/bench/fanout.tsv.
# Returns non-zero only when a run broke (a server did not start, a wrong answer).

FANOUT_CLUSTERS=8
FANOUT_DELAY_MS=200

# bench_fanout RUNS N: see above. Uses $BUILD (mosim, mo_pitr, mopitr_rawclient) and $OUT.
bench_fanout() {
    local runs=$1 n=$2 dir rc=0 i env
    dir=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-fanout.XXXXXX")
    log "bench: fan-out: $FANOUT_CLUSTERS mosims, $n PITRs each, replies delayed ${FANOUT_DELAY_MS} ms"
    mopitr_start_mosim "$BUILD" || { rm -rf "$dir"; return 1; }
    (
        export MOSIM=$BUILD/mosim MO_PASSWORD=111 MOSIM_LOG=$MOSIM_STATE/mosim.log MO_PORT
        export MOPITR_MULTI_DIR=$dir
        env=$("$MOPITR_ROOT/test/run-multi.sh" setup "$FANOUT_CLUSTERS") || exit 1
        eval "$env"
        for ((i = 1; i <= FANOUT_CLUSTERS; i++)); do
            port=MOSIM_PORT_$i
            MO_HOST=127.0.0.1 MO_USER=root MO_PORT=${!port} "$BUILD/mopitr_rawclient" load "$n" \
                >/dev/null 2>&1 || { log "bench: fan-out: load of cluster $i failed"; exit 1; }
            "$MOSIMCTL" "$i" delay "$FANOUT_DELAY_MS" || exit 1
        done
        MOPITR_EXT=$BUILD/mo_pitr /usr/bin/python3 - "$runs" "$n" "$FANOUT_CLUSTERS" "$FANOUT_DELAY_MS" \
            "$OUT/fanout.tsv" "$BUILD/bench.md" <<'EOF'
import os, sqlite3, statistics, subprocess, sys, time
runs, n, k, delay = (int(x) for x in sys.argv[1:5])
tsv, md = sys.argv[5:7]
db = sqlite3.connect(":memory:", isolation_level=None)
db.enable_load_extension(True)
db.load_extension(os.environ["MOPITR_EXT"])
db.execute("SELECT mo_connect_all()")
one = lambda sql: db.execute(sql).fetchone()[0]
assert one("SELECT count(*) FROM mo_pitr_all") == k * n          # opens the fan-out handles
seq = "SELECT " + " + ".join("(SELECT count(*) FROM mo_pitr('c%d'))" % i for i in range(1, k + 1))
cases = [("one cluster, fan-out", "SELECT count(*) FROM mo_pitr_all('c1')", n),
         ("one cluster, mo_pitr", "SELECT count(*) FROM mo_pitr('c1')", n),
         ("%d clusters, fan-out" % k, "SELECT count(*) FROM mo_pitr_all", k * n),
         ("%d clusters, one by one" % k, seq, k * n)]
# The same two without the delay: what the fan-out costs per row (CPU), not how it waits.
nodelay = [("%d clusters, fan-out, no delay" % k, "SELECT count(*) FROM mo_pitr_all", k * n),
           ("%d clusters, one by one, no delay" % k, seq, k * n)]
res, broken = {}, False

def undelay():
    for i in range(1, k + 1):
        if subprocess.call([os.environ["MOSIMCTL"], str(i), "delay", "0"]) != 0:
            sys.exit("bench: fan-out: cannot clear the delay of cluster %d" % i)

for case in cases + [None] + nodelay:
    if case is None:
        undelay()
        continue
    name, sql, want = case
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        got = one(sql)
        t.append(time.perf_counter() - t0)
        if got != want:
            print("bench: fan-out: WRONG ANSWER: %s: %s, want %s" % (name, got, want),
                  file=sys.stderr)
            broken = True
    res[name] = (statistics.median(t), statistics.pstdev(t))
floor = res["one cluster, fan-out"][0]
rows = [(name, "%.1f ms" % (m * 1e3), "±%.1f ms" % (sd * 1e3), "%.2fx" % (m / floor))
        for name, (m, sd) in res.items()]
ratio = res["%d clusters, fan-out" % k][0] / floor
target = ("%d clusters each delaying %d ms: fan-out scan <= 1.5x one cluster" % (k, delay),
          "PASS" if ratio <= 1.5 else "MISS",
          "%.1f ms vs %.1f ms = %.2fx (one by one: %.2fx)" % (
              res["%d clusters, fan-out" % k][0] * 1e3, floor * 1e3, ratio,
              res["%d clusters, one by one" % k][0] / floor))
with open(tsv, "w") as f:
    f.write("case\tmedian\tstddev\tratio\n")
    for name, (m, sd) in res.items():
        f.write("%s\t%.6f\t%.6f\t%.3f\n" % (name, m, sd, m / floor))
hdr = ("case (%d PITRs per cluster, %d runs)" % (n, runs), "median", "spread (sd)",
       "ratio to one cluster")
w = [max(len(r[i]) for r in rows + [hdr]) for i in range(4)]
print()
for r in [hdr] + rows:
    print("  ".join(v.ljust(w[i]) for i, v in enumerate(r)).rstrip())
print()
print("%s  %s  %s" % target)
with open(md, "a") as f:
    f.write("\nFan-out (issue 16): %d mosims, replies delayed %d ms, %d PITRs each, %d runs.\n\n"
            % (k, delay, n, runs))
    f.write("| " + " | ".join(hdr) + " |\n|---|---|---|---|\n")
    for r in rows:
        f.write("| " + " | ".join(r) + " |\n")
    f.write("\n| target | result | measured |\n|---|---|---|\n| %s | %s | %s |\n" % target)
sys.exit(1 if broken else 0)
EOF
    ) || rc=1
    MOPITR_MULTI_DIR=$dir "$MOPITR_ROOT/test/run-multi.sh" teardown || rc=1
    mopitr_stop_mosim
    rm -rf "$dir"
    return $rc
}
