#!/usr/bin/env bash
# report.sh: scripts/report (issue 14, part 5) against the suite's mosim.
#
# Covers: --help (exit 0), an unknown option and a missing inventory (exit 2), no server or
# an unreadable inventory (exit 1); the default box table, --json (parsed by python3:
# fields, statuses, best PITRs, the unprotected lines) and --csv (parsed by python3's csv);
# an inventory with a header, quoted names (one with a comma), database and table lines;
# one SHOW PITR per run and nothing but reads in mosim's log (a report leaves no trace);
# --png: a PNG file whose IHDR says 1000 x (140 + 30 per line) pixels.
#
# Run by test/run-suite.sh (MOSIM_LOG, MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOSIM_LOG:?}" "${MOPITR_SLT:?}"
here=$(cd "$(dirname "$0")" && pwd)
report=$here/../../scripts/report
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-report-test.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
# shellcheck source=lib.bash
. "$here/lib.bash"
export MO_DSN="mysql://root@127.0.0.1:$MO_PORT"   # the password comes from MO_PASSWORD

run_remote "databases, a table and two PITRs" "remote statement ok
CREATE DATABASE rep1

remote statement ok
CREATE TABLE rep1.t1 (a int)

remote statement ok
CREATE DATABASE rep2

remote statement ok
CREATE PITR p_rep1 FOR DATABASE rep1 RANGE 2 'd'

sleep 1100

remote statement ok
CREATE PITR p_t1 FOR TABLE rep1 t1 RANGE 1 'h'
"

cat >"$tmp/inv.csv" <<'CSV'
database,table,env
rep1,,prod
rep1,t1,prod
"rep2",,staging
"we,ird",,dev
CSV

# --- usage
out=$("$report" --help); rc=$?
check "--help exits 0" 0 "$rc"
check_has "--help shows the usage" "Usage: scripts/report [options] INVENTORY.csv" "$out"
"$report" --bogus "$tmp/inv.csv" 2>"$tmp/err"; rc=$?
check "an unknown option exits 2" 2 "$rc"
check_has "an unknown option is named" "report: unknown option '--bogus'" "$(cat "$tmp/err")"
"$report" 2>/dev/null; check "no inventory exits 2" 2 "$?"
"$report" --png 2>/dev/null; check "--png without a file exits 2" 2 "$?"
"$report" "$tmp/nosuch.csv" 2>"$tmp/err"; rc=$?
check "an unreadable inventory exits 1" 1 "$rc"
check_has "an unreadable inventory is named" "cannot read the inventory" "$(cat "$tmp/err")"
MO_DSN= "$report" "$tmp/inv.csv" 2>/dev/null; check "no server exits 1" 1 "$?"

# --- the box table, one SHOW PITR, only reads
before=$(wc -l <"$MOSIM_LOG")
out=$("$report" "$tmp/inv.csv"); rc=$?
check "the box report exits 0" 0 "$rc"
echo "$out"
check_has "box: the database line" "│ prod    │ rep1     │       │ protected   │ p_rep1" "$out"
check_has "box: the table line (its best PITR is the older database one)" \
    "│ prod    │ rep1     │ t1    │ protected   │ p_rep1" "$out"
check_has "box: an unprotected database" "│ staging │ rep2     │       │ UNPROTECTED │" "$out"
check_has "box: a quoted name with a comma" "│ dev     │ we,ird   │" "$out"
sleep 0.1
log=$(tail -n +$((before + 1)) "$MOSIM_LOG")
check "one SHOW PITR for the whole report" 1 "$(printf '%s\n' "$log" | grep -c "	SHOW PITR$")"
check "nothing but reads (a report leaves no trace)" 0 \
    "$(printf '%s\n' "$log" | grep -cE "	(CREATE|DROP|ALTER|RESTORE|SET time_zone = 'SYSTEM')")"

# --- JSON, parsed
"$report" --json "$tmp/inv.csv" >"$tmp/out.json"; check "--json exits 0" 0 "$?"
got=$(python3 - "$tmp/out.json" <<'PY'
import json, sys
rows = json.load(open(sys.argv[1]))
print(len(rows))
for r in rows:
    print(r["env"], r["database"], r["table"], r["status"], r["best_pitr"], r["pitr_level"],
          r["restore_as"], r["pitrs"], r["earliest_restorable"] is not None)
PY
)
check "--json is valid JSON with every line" "4
prod rep1 None protected p_rep1 database database 1 True
prod rep1 t1 protected p_rep1 database table 2 True
staging rep2 None UNPROTECTED None None None 0 False
dev we,ird None UNPROTECTED None None None 0 False" "$got"

printf 'database,env\n' >"$tmp/empty.csv"
check "--json of an empty inventory is []" "[]" "$("$report" --json "$tmp/empty.csv")"

# --- CSV, parsed
"$report" --csv "$tmp/inv.csv" >"$tmp/out.csv"; check "--csv exits 0" 0 "$?"
got=$(python3 - "$tmp/out.csv" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
print(",".join(rows[0]))
for r in rows[1:]:
    print("|".join(r[:5]))
PY
)
check "--csv has a header and every line" "env,database,table,status,best_pitr,pitr_level,range,earliest_restorable,restore_as,pitrs
prod|rep1||protected|p_rep1
prod|rep1|t1|protected|p_rep1
staging|rep2||UNPROTECTED|
dev|we,ird||UNPROTECTED|" "$got"

# --- the chart
"$report" --png "$tmp/chart.png" "$tmp/inv.csv" >/dev/null; check "--png exits 0" 0 "$?"
size=$(python3 - "$tmp/chart.png" <<'PY'
import struct, sys
d = open(sys.argv[1], "rb").read(32)
assert d[:8] == b"\x89PNG\r\n\x1a\n" and d[12:16] == b"IHDR", "not a PNG"
w, h = struct.unpack(">II", d[16:24])
print(w, h)
PY
)
check "the PNG is 1000 x (140 + 30 x 4) pixels" "1000 260" "$size"
check_has "file(1) agrees" "PNG image data, 1000 x 260" "$(file "$tmp/chart.png")"

echo "report.sh: $checks checks, $fails failed"
echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
