#!/usr/bin/env bash
# secrets.sh: the password never leaks (issue 7, "Secrets").
#
# Runs every test/sql/*.test suite (each through run-suite.sh with its own mosim) with the
# distinctive password Zq7-secret-PW-91x (mosim gets it as --root-password; the suites
# read it from MO_PASSWORD and put it in DSNs), keeping each suite's temporary directory,
# then searches everything the suites printed and wrote for it: the runner's output
# (stdout and stderr of every suite), mosim's statement log and stderr, and every other
# file in the suites' temporary directories (TMPDIR points into this script's own work
# directory, so files made by the suites' own scripts are searched too). Every suite must
# pass with the new password, and the password must appear zero times, except in mosim's
# own catalog file (catalog.db), where the test server keeps its root password as a real
# server keeps its user table: it is checked to exist and is left out of the search.
# Also checked directly: errors of a failed mo_connect, mo_connections, EXPLAIN, the
# schema of a database with a CREATE VIRTUAL TABLE, and a database file written to disk.
#
# Run by test/run-suite.sh (MOSIM, MOPITR_SLT, MOPITR_EXT, MOPITR_SRC exported).
set -u
: "${MOSIM:?}" "${MOPITR_SLT:?}" "${MOPITR_EXT:?}" "${MOPITR_SRC:?}"
secret='Zq7-secret-PW-91x'
work=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-secrets.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tmp" "$work/out"
fails=0

# Every SQL suite, with the secret password and its files kept.
for f in "$MOPITR_SRC"/test/sql/*.test; do
    n=$(basename "$f" .test)
    if MO_PASSWORD=$secret MOPITR_KEEP_TMP=1 TMPDIR="$work/tmp" \
        bash "$MOPITR_SRC/test/run-suite.sh" "$f" >"$work/out/$n.out" 2>"$work/out/$n.err"; then
        echo "ok   suite $n passes with the secret password ($(tail -n 1 "$work/out/$n.out"))"
    else
        echo "FAIL suite $n with the secret password"; tail -n 20 "$work/out/$n.out" "$work/out/$n.err"
        fails=$((fails + 1))
    fi
done

# Direct checks from python3, everything the extension answers kept in direct.out (the SQL
# is not echoed: it holds the password, as the user typed it): failing logins, good ones
# (password in a URI and in key=value form), mo_connections, EXPLAIN QUERY PLAN and
# EXPLAIN of a scan, a CREATE VIRTUAL TABLE in a database on disk and its schema, refused
# password arguments, and the database file itself.
cat >"$work/direct.sh" <<'EOT'
set -u
/usr/bin/python3 - >"$TMPDIR/direct.out" 2>&1 <<'PY'
import os, sqlite3
pw, port, tmp = os.environ["MO_PASSWORD"], os.environ["MO_PORT"], os.environ["TMPDIR"]
db = sqlite3.connect(os.path.join(tmp, "disk.db"), isolation_level=None)
db.enable_load_extension(True)
db.load_extension(os.environ["MOPITR_EXT"])
def run(sql, *args):
    """Print what the extension answers (rows or the error), never the SQL itself."""
    try:
        for row in db.execute(sql, args).fetchall():
            print("|".join("NULL" if v is None else str(v) for v in row))
    except sqlite3.Error as e:
        print("error:", e)
run("SELECT mo_connect(?, 'bad')", "mysql://root:wrong-%s-x@127.0.0.1:%s" % (pw, port))
run("SELECT mo_connect(?, 'bad2')", "host=127.0.0.1 port=1 user=root password=%s" % pw)
run("SELECT mo_connect(?, 'good')", "mysql://root:%s@127.0.0.1:%s" % (pw, port))
run("SELECT mo_connect(?)", "host=127.0.0.1 port=%s user=root password=%s" % (port, pw))
run("SELECT * FROM mo_connections")
run("CREATE VIRTUAL TABLE good_pitr USING mo_pitr(connection=good)")
run("CREATE VIRTUAL TABLE bad_pitr USING mo_pitr(password=%s)" % pw)
run("CREATE VIRTUAL TABLE bad2_pitr USING mo_pitr(connection='root:%s@x')" % pw)
run("EXPLAIN QUERY PLAN SELECT * FROM good_pitr WHERE name = 'x' AND range_value > 1")
run("EXPLAIN SELECT * FROM good_pitr WHERE name = 'x'")
run("SELECT count(*) FROM good_pitr")
run("SELECT * FROM mo_pitr('nope')")
run("SELECT type, name, sql FROM sqlite_schema")
db.close()
PY
grep -q 'cannot connect to root@127.0.0.1' "$TMPDIR/direct.out" || { echo "no login error seen"; exit 1; }
grep -q '^good|127.0.0.1|' "$TMPDIR/direct.out" || { echo "mo_connections row missing"; exit 1; }
grep -q 'SHOW PITR WHERE' "$TMPDIR/direct.out" || { echo "EXPLAIN QUERY PLAN missing"; exit 1; }
grep -q 'CREATE VIRTUAL TABLE good_pitr' "$TMPDIR/direct.out" || { echo "schema missing"; exit 1; }
grep -q 'stored in clear' "$TMPDIR/direct.out" || { echo "password argument not refused"; exit 1; }
exit 0
EOT
mkdir -p "$work/tmp/direct"
if MO_PASSWORD=$secret MOPITR_KEEP_TMP=1 TMPDIR="$work/tmp/direct" \
    bash "$MOPITR_SRC/test/run-suite.sh" "$work/direct.sh" >"$work/out/direct.log" 2>&1; then
    echo "ok   direct checks ran (login error, mo_connections, EXPLAIN, schema, disk file)"
else
    echo "FAIL direct checks"; cat "$work/out/direct.log" "$work/tmp/direct/direct.out"
    fails=$((fails + 1))
fi

# The search. The direct script itself holds no secret (it reads MO_PASSWORD).
n_cat=$(find "$work/tmp" -name catalog.db | wc -l)
if [ "$n_cat" -gt 0 ]; then
    echo "ok   $n_cat mosim catalogs kept (left out of the search: the server's user table)"
else
    echo "FAIL no mosim catalog was kept: the search would prove nothing"; fails=$((fails + 1))
fi
n_files=$(find "$work/tmp" "$work/out" -type f ! -name catalog.db | wc -l)
hits=$(grep -rla --exclude=catalog.db -e "$secret" "$work/tmp" "$work/out" || true)
if [ -z "$hits" ]; then
    echo "ok   the password appears in none of $n_files files the suites printed or wrote"
else
    echo "FAIL the password appears in:"
    for h in $hits; do echo "    $h"; grep -a -n -e "$secret" "$h" | head -n 3 | cut -c1-300; done
    fails=$((fails + 1))
fi
# The search must be able to find it: the password is in the catalog (as the server holds it)
# or, failing that, make sure grep works on these files by planting it.
printf 'probe %s\n' "$secret" >"$work/tmp/probe.txt"
grep -rlqa -e "$secret" "$work/tmp" || { echo "FAIL the search cannot find a planted copy"; fails=$((fails + 1)); }

[ $fails -eq 0 ] && echo "secrets.sh: all passed" || echo "secrets.sh: $fails failed"
[ $fails -eq 0 ]
