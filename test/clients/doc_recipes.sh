#!/usr/bin/env bash
# doc_recipes.sh: every shell and Python recipe in the docs runs, and its output parses
# (issue 13, item 5).
#
# Covers: README.md and docs/*.md are scanned for fenced sh/bash/python blocks. A block
# that uses sqlite3, load_extension or mo_connect must be marked, on the line before its
# fence, `<!-- recipe: NAME kind=sh|python check=json|csv|lines -->` (or
# `<!-- not-a-recipe: why -->`): an unmarked one fails. Each recipe runs in a scratch
# directory against this suite's mosim (MO_DSN and MO_PASSWORD in the environment, as the
# docs say), with `.load mo_pitr` / load_extension("mo_pitr") pointed at the module under
# test, `mosim` at the built one and port 6001 at a free port. Its output is then parsed
# and compared with the server's state read through the mariadb CLI:
#   report-json     pitrs.json is ONE JSON document (json.load), rows = SHOW PITR, and the
#                   count it prints agrees
#   report-csv      csv.reader: the header, then rows = SHOW PITR (no connect line first)
#   python          the printed lines = the database PITRs; db.commit() created db1_p on
#                   the server; the same recipe without db.commit() sends nothing (the
#                   docs' note on Python's implicit transactions)
#   mosim-by-hand   its own mosim starts, the CSV is the header and the one PITR it made,
#                   and `kill %1` stops it
# Also: every marked recipe name is known to this script (a new recipe needs a check here).
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOSIM exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOSIM:?}"
src=${MOPITR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-recipes.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# The server's state for the README's recipes.
MYSQL_PWD=$MO_PASSWORD mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$MO_PORT" -u root -e "
    CREATE DATABASE db1; CREATE DATABASE sales; CREATE DATABASE hr; CREATE TABLE sales.orders (id INT);
    CREATE PITR sales_p FOR DATABASE sales RANGE 7 'd';
    CREATE PITR hr_p FOR DATABASE hr RANGE 1 'mo';
    CREATE PITR orders_p FOR TABLE sales orders RANGE 12 'h';
    CREATE PITR all_p FOR CLUSTER RANGE 1 'y'" || { echo "FAIL setup"; exit 1; }

/usr/bin/python3 - "$src" "$tmp" <<'EOF'
import csv, io, json, os, re, socket, subprocess, sys, time

src, tmp = sys.argv[1:]
ext = os.environ["MOPITR_EXT"]
ext_noso = ext[:-3] if ext.endswith(".so") else ext
port, pw = os.environ["MO_PORT"], os.environ["MO_PASSWORD"]
failed = checks = 0

def check(desc, ok, detail=""):
    global failed, checks
    checks += 1
    print(("ok   " if ok else "FAIL ") + desc)
    if not ok:
        failed += 1
        for line in str(detail).splitlines() or [""]:
            print("    " + line)

def cli(sql, p=port):
    r = subprocess.run(["mariadb", "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1", "-P",
                        str(p), "-u", "root", "-N", "-B", "-e", sql],
                       env=dict(os.environ, MYSQL_PWD=pw), capture_output=True, text=True)
    return r.stdout

def server_pitrs():
    """SHOW PITR as (name, level, database or None, range_value, range_unit), sorted."""
    rows = []
    for line in cli("SHOW PITR").splitlines():
        f = line.split("\t")
        rows.append((f[0], f[3], None if f[5] in ("*", "") else f[5], int(f[7]), f[8]))
    return sorted(rows)

# ---- find the recipes ---------------------------------------------------------------------
docs = [os.path.join(src, "README.md")] + sorted(
    os.path.join(src, "docs", f) for f in os.listdir(os.path.join(src, "docs"))
    if f.endswith(".md"))
marker = re.compile(r"<!--\s*recipe:\s*(\S+)\s+kind=(\S+)\s+check=(\S+)\s*-->")
recipes = []
for path in docs:
    lines = open(path, encoding="utf-8").read().split("\n")
    rel = os.path.relpath(path, src)
    i = 0
    while i < len(lines):
        m = re.match(r"^```(\w*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        lang, start = m.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith("```"):
            j += 1
        body = "\n".join(lines[start + 1:j])
        prev = lines[start - 1] if start > 0 else ""
        mk = marker.search(prev)
        if mk:
            recipes.append(dict(name=mk.group(1), kind=mk.group(2), check=mk.group(3),
                                body=body, where="%s:%d" % (rel, start + 1)))
        elif lang in ("sh", "bash", "python", "") and \
                re.search(r"\bsqlite3\b|load_extension|mo_connect", body) and \
                "not-a-recipe" not in prev:
            check("%s:%d: a %s block using sqlite3 is marked as a recipe" %
                  (rel, start + 1, lang or "plain"), False, body[:300])
        i = j + 1

known = {"report-json", "report-csv", "python", "mosim-by-hand"}
names = [r["name"] for r in recipes]
check("the docs hold the recipes this test knows (%s)" % ", ".join(sorted(known)),
      set(names) == known and len(names) == len(set(names)), names)

# ---- run one ------------------------------------------------------------------------------
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p

def run(r, body=None, port_6001=None):
    body = r["body"] if body is None else body
    body = body.replace('".load mo_pitr"', '".load %s"' % ext_noso)
    body = body.replace("'.load mo_pitr'", "'.load %s'" % ext_noso)
    body = body.replace('load_extension("mo_pitr")', 'load_extension(%r)' % ext_noso)
    if port_6001:
        body = body.replace("6001", str(port_6001))
    work = os.path.join(tmp, r["name"])
    os.makedirs(work, exist_ok=True)
    shim = os.path.join(tmp, "bin")
    os.makedirs(shim, exist_ok=True)
    if not os.path.exists(os.path.join(shim, "mosim")):
        os.symlink(os.environ["MOSIM"], os.path.join(shim, "mosim"))
    env = dict(os.environ, MO_DSN="mysql://root@127.0.0.1:%s" % port,
               PATH=shim + ":" + os.environ["PATH"])
    if r["kind"] == "python":
        cmd = ["/usr/bin/python3", "-c", body]
    else:
        # set -m: `kill %1` in a recipe needs job control; wait for what it started.
        cmd = ["bash", "-e", "-m", "-c", body + "\nwait"]
    p = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=120)
    return p, work

by = {r["name"]: r for r in recipes}
want = server_pitrs()

if "report-json" in by:
    r = by["report-json"]
    p, work = run(r)
    check("report-json (%s): exit 0" % r["where"], p.returncode == 0, p.stderr)
    try:
        doc = json.load(open(os.path.join(work, "pitrs.json")))
        got = sorted((d["name"], d["level"], d["database_name"], d["range_value"],
                      d["range_unit"]) for d in doc)
        check("report-json: pitrs.json is one JSON document whose rows are SHOW PITR's",
              got == want, "got %r\nwant %r" % (got, want))
    except Exception as e:
        check("report-json: json.load(pitrs.json)", False,
              "%s\n%s" % (e, open(os.path.join(work, "pitrs.json")).read()[:500]
                          if os.path.exists(os.path.join(work, "pitrs.json")) else "no file"))
    check("report-json: prints the count", p.stdout.strip() == "%d PITRs" % len(want), p.stdout)

if "report-csv" in by:
    r = by["report-csv"]
    p, work = run(r)
    check("report-csv (%s): exit 0" % r["where"], p.returncode == 0, p.stderr)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    check("report-csv: the header is the first line (no connect line above it)",
          rows[:1] == [["name", "level", "database_name", "range_value", "range_unit"]],
          p.stdout[:300])
    got = sorted((a, b, c or None, int(d), e) for a, b, c, d, e in rows[1:])
    check("report-csv: the rows are SHOW PITR's", got == want, "got %r\nwant %r" % (got, want))

if "python" in by:
    r = by["python"]
    p, work = run(r)
    check("python (%s): exit 0" % r["where"], p.returncode == 0, p.stderr)
    got = sorted(p.stdout.split("\n")[:-1])
    exp = sorted("%s database %d%s" % (n, v, u) for n, l, d, v, u in want if l == "database")
    check("python: prints the database PITRs", got == exp, "got %r\nwant %r" % (got, exp))
    after = server_pitrs()
    check("python: db.commit() sent the CREATE PITR (server has db1_p)",
          ("db1_p", "database", "db1", 1, "d") in after, after)
    cli("DROP PITR db1_p")
    body = r["body"].replace("db.commit()", "pass")
    check("python: the variant without commit() differs from the recipe", body != r["body"])
    p, work = run(r, body=body)
    check("python without db.commit(): runs", p.returncode == 0, p.stderr)
    check("python without db.commit(): nothing was sent (no db1_p on the server)",
          all(x[0] != "db1_p" for x in server_pitrs()), server_pitrs())

if "mosim-by-hand" in by:
    r = by["mosim-by-hand"]
    fp = free_port()
    p, work = run(r, port_6001=fp)
    check("mosim-by-hand (%s): exit 0" % r["where"], p.returncode == 0, p.stderr)
    rows = list(csv.reader(io.StringIO(p.stdout)))
    check("mosim-by-hand: the CSV is the header and the PITR it made",
          rows == [["name", "level", "database_name", "range_value", "range_unit"],
                   ["sales_p", "database", "sales", "7", "d"]], p.stdout)
    time.sleep(0.2)
    s = socket.socket()
    check("mosim-by-hand: `kill %1` stopped its mosim", s.connect_ex(("127.0.0.1", fp)) != 0)
    s.close()
    check("mosim-by-hand: its catalog file was written (--data)",
          os.path.getsize(os.path.join(work, "mosim.db")) > 0)

print("doc_recipes.sh: %d checks, %d failed" % (checks, failed))
sys.exit(1 if failed else 0)
EOF
