#!/usr/bin/env bash
# test/bench/profile-scan.sh: where does a full scan spend its instructions, per row?
#
# Usage: test/bench/profile-scan.sh [--build DIR] [--n A,B] [--keep DIR]
#   --build DIR  a Release build with mosim, mopitr_rawclient and mo_pitr.so
#                (default build-bench/, made by scripts/bench)
#   --n A,B      the two data sizes (default 10000,100000)
#   --keep DIR   keep the callgrind files there (default: a temporary directory, removed)
#
# What it does: for each size, a fresh mosim loaded with `mopitr_rawclient load N`, then
# valgrind --tool=callgrind on the four clients of the bench's scan cases (the same
# commands, the same sqlite3 scripts):
#     raw C scan         mopitr_rawclient scan (the floor of count(*))
#     raw C sqlite text  mopitr_rawclient scan-sqlite, output to /dev/null (the floor of
#                        SELECT *: the same text)
#     sqlite3 SELECT *   sqlite3 shell + extension, output to /dev/null
#     sqlite3 count(*)   the same scan without columns
# Instructions per row are the slope between the two sizes, (I(B) - I(A)) / (B - A): the
# fixed costs (process start, .load, connect) cancel out. Each client's per-row cost is split
# by where it runs: the extension (mo_pitr.so), the SQLite library, the sqlite3 shell and the
# libc stdio/string calls it makes to print (fputs, xsputn, strlen, mempcpy), libmariadb,
# other libc (the extension's memchr/memcpy, malloc), the rest; then the top functions of
# SELECT *. Instruction counts do not depend on the load of the machine, wall times do.
set -u -o pipefail
. "$(dirname "$0")/../../scripts/lib.sh"
cd "$MOPITR_ROOT"

build=$MOPITR_ROOT/build-bench sizes=10000,100000 keep=
while [ $# -gt 0 ]; do
    case $1 in
    --build) build=${2:?--build needs a directory}; shift ;;
    --n) sizes=${2:?--n needs A,B}; shift ;;
    --keep) keep=${2:?--keep needs a directory}; shift ;;
    -h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) log "profile-scan: unknown option $1 (try --help)"; exit 2 ;;
    esac
    shift
done
IFS=, read -r na nb <<<"$sizes"
case "$na,$nb" in
*[!0-9,]* | ,* | *,) log "profile-scan: --n takes two sizes, A,B"; exit 2 ;;
esac
[ "$na" -lt "$nb" ] || { log "profile-scan: --n A,B needs A < B"; exit 2; }
for f in mosim mopitr_rawclient mo_pitr.so; do
    [ -x "$build/$f" ] || [ -f "$build/$f" ] ||
        { log "profile-scan: $build/$f is missing (run scripts/bench, or build Release)"; exit 1; }
done
for t in valgrind callgrind_annotate sqlite3 python3; do
    command -v "$t" >/dev/null || { log "profile-scan: $t is missing"; exit 1; }
done

if [ -n "$keep" ]; then
    out=$keep
    mkdir -p "$out"
else
    out=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-profile.XXXXXX")
fi
trap 'mopitr_stop_mosim; [ -n "$keep" ] || rm -rf "$out"' EXIT
trap 'exit 130' INT TERM

export MO_HOST=127.0.0.1 MO_USER=root MO_PASSWORD=111
# cg NAME CMD...: run CMD (stdin from the caller) under callgrind into $out/NAME.cg.
cg() {
    local name=$1
    shift
    valgrind --tool=callgrind --dump-instr=no --callgrind-out-file="$out/$name.cg" "$@" \
        >/dev/null 2>"$out/$name.vg" && return 0
    log "profile-scan: $name failed:"
    tail -n 5 "$out/$name.vg" >&2
    return 1
}
for n in "$na" "$nb"; do
    mopitr_start_mosim "$build" || { log "profile-scan: mosim did not start"; exit 1; }
    export MO_PORT
    log "profile-scan: N=$n  loading mosim (port $MO_PORT)"
    "$build/mopitr_rawclient" load "$n" >/dev/null || { log "profile-scan: load failed"; exit 1; }
    for q in star count; do
        if [ $q = star ]; then sql='SELECT * FROM mo_pitr;'; else sql='SELECT count(*) FROM mo_pitr;'; fi
        printf ".load %s\nSELECT mo_connect('mysql://root@127.0.0.1:%s');\n%s\n" \
            "$build/mo_pitr" "$MO_PORT" "$sql" >"$out/$q-$n.sql"
    done
    log "profile-scan: N=$n  callgrind: raw C scan, raw C sqlite text, sqlite3 SELECT *, sqlite3 count(*)"
    cg "raw-$n" "$build/mopitr_rawclient" scan </dev/null || exit 1
    cg "rawsq-$n" "$build/mopitr_rawclient" scan-sqlite </dev/null || exit 1
    cg "star-$n" sqlite3 -batch -bail :memory: <"$out/star-$n.sql" || exit 1
    cg "count-$n" sqlite3 -batch -bail :memory: <"$out/count-$n.sql" || exit 1
    mopitr_stop_mosim
done

python3 - "$out" "$na" "$nb" <<'EOF'
import collections, re, subprocess, sys
out, na, nb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def load(path):
    """Self instructions by (object or file, function) from callgrind_annotate."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=100", path],
                          capture_output=True, text=True, check=True).stdout
    d = collections.Counter()
    for ln in text.split("\n"):
        m = re.match(r"^\s*([\d,]+) \([^)]*\)\s+(\S+?):(\S+)(?: \[(.*)\])?$", ln)
        if m:
            d[(m.group(4) or m.group(2), m.group(3))] += int(m.group(1).replace(",", ""))
    return d

STDIO = {"fputs", "_IO_file_xsputn@@GLIBC_2.2.5", "__mempcpy_avx_unaligned_erms",
         "__strlen_avx2", "__strlen_sse2", "_IO_new_file_write", "new_do_write",
         "_IO_new_do_write", "_IO_new_file_overflow", "__GI___libc_write", "fflush"}
def part(obj, fn):
    if "mo_pitr" in obj: return "extension (mo_pitr.so)"
    if "libsqlite3" in obj: return "SQLite library"
    if obj.endswith("/sqlite3") or "libio" in obj or fn in STDIO:
        return "printing: sqlite3 shell, stdio, strlen"
    if "libmariadb" in obj: return "libmariadb"
    if "libc.so" in obj or "malloc" in obj or "string/" in obj: return "libc other"
    if "mopitr_rawclient" in obj or "rawclient" in obj: return "raw client"
    return "other"

per = {}
for case in ("raw", "rawsq", "star", "count"):
    a, b = load("%s/%s-%d.cg" % (out, case, na)), load("%s/%s-%d.cg" % (out, case, nb))
    per[case] = {k: (b[k] - a[k]) / float(nb - na) for k in set(a) | set(b)}
parts = ["extension (mo_pitr.so)", "SQLite library", "printing: sqlite3 shell, stdio, strlen",
         "libmariadb", "libc other", "raw client", "other"]
names = {"raw": "raw C scan", "rawsq": "raw C sqlite text", "star": "sqlite3 SELECT *",
         "count": "sqlite3 count(*)"}
cases = ("raw", "rawsq", "star", "count")
print("\ninstructions per row (slope between N=%d and N=%d)\n" % (na, nb))
print("%-34s" % "part" + "".join("%19s" % names[c] for c in cases))
sums = {c: collections.Counter() for c in per}
for c in per:
    for k, v in per[c].items():
        sums[c][part(*k)] += v
for p in parts:
    if any(abs(sums[c][p]) >= 0.5 for c in per):
        print("%-34s" % p + "".join("%19.0f" % sums[c][p] for c in cases))
print("%-34s" % "TOTAL" + "".join("%19.0f" % sum(sums[c].values()) for c in cases))
print("\ntop functions of sqlite3 SELECT *, per row\n")
for k, v in sorted(per["star"].items(), key=lambda kv: -kv[1])[:25]:
    print("%8.0f  %-40s %s" % (v, k[1], k[0].rsplit("/", 1)[-1]))
EOF
