#!/usr/bin/env bash
# show_where.sh: SHOW PITR WHERE gives exactly the rows and order of SHOW PITR, filtered.
#
# show.c rewrites index-friendly terms (database_name = / IN string literals onto the raw
# column, likelihood() hints on pitr_level terms) so SQLite can use the catalog's indexes;
# this checks the rewrite changed nothing. Setup: a few PITRs made with SQL (all levels, a
# database literally named `*`), then, with mosim stopped, 20,000 rows written straight into
# the --data catalog (levels database/table/account, database names bdbN plus '', '*' and
# '5', runs of equal create_time) and 2,000 rows of another creator with the same names.
# Every WHERE below is compared with the unfiltered SHOW PITR filtered in Python: same rows,
# same order (ties included), lower-case headers; unknown columns still fail with 1054. Last,
# a coarse index check: an indexable OR of 50 names / 2 levels / 50 databases must run at
# least 3x faster than the same filter through lower() (no index), with the same rows.
# Env: MOSIM (binary).
. "$(dirname "$0")/testlib.bash"

DATA=$TMPD/catalog.db
export DATA
start_mosim --data "$DATA"
echo "mosim on port $PORT"

check "create PITRs of every level with SQL" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
for sql in ["create database d0", "create database d1", "create database `*`",
            "create table d0.t0 (a int)",
            "create pitr pc for cluster range 1 'd'", "create pitr pa for account range 2 'd'",
            "create pitr pd0 for database d0 range 1 'd'",
            "create pitr pd1 for database d1 range 1 'h'",
            "create pitr pstar for database `*` range 1 'd'",
            "create pitr pt0 for table d0 t0 range 3 'd'"]:
    c.query1(sql)
c.close()
PY
check "mosim stops to have rows added to its catalog" stop_mosim

check "add 22,000 rows to the catalog offline (ties, '', '*', '5', another creator)" py - <<'PY'
import os, sqlite3
db = sqlite3.connect(os.environ["DATA"])
t0 = db.execute("SELECT max(create_time) FROM mo_pitr").fetchone()[0] - 10**12
rows = []
for i in range(22000):
    acc = 0 if i < 20000 else 1                    # 2,000 of another creator, same names
    ct = t0 + (i // 3 if i % 5 else i) * 1000      # runs of equal create_time
    lvl, dbn, tbl = "database", "bdb%d" % (i % 7000), ""
    if i % 100 == 50:
        lvl, tbl = "table", "bt%d" % i
    elif i % 1000 == 7:
        lvl, dbn = "account", ""
    elif i == 4242:
        dbn = "*"
    elif i == 4343:
        dbn = "5"
    rows.append(("id%d" % i, "b%d" % (i if acc == 0 else (i - 20000) * 10), acc, ct, ct, lvl, 0, "sys", dbn, tbl, 2000 + i, 1 + i % 5,
                 "d", ct))
db.executemany("INSERT INTO mo_pitr(pitr_id, pitr_name, create_account, create_time,"
               " modified_time, level, account_id, account_name, database_name, table_name,"
               " obj_id, pitr_length, pitr_unit, pitr_status, pitr_status_changed_time)"
               " VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,1,?)", rows)
db.commit()
ties = db.execute("SELECT count(*) FROM (SELECT create_time FROM mo_pitr WHERE create_account = 0"
                  " GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
assert ties > 1000, ties
db.close()
PY

start_mosim --data "$DATA"
echo "mosim restarted on port $PORT"

check "filtered SHOW PITR = SHOW PITR filtered (rows, order, ties, headers)" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
full = c.query1("show pitr")
assert [k["name"] for k in full.cols][0] == "PITR_NAME", full.cols
allrows = [[v.decode() for v in r] for r in full.rows]
assert len(allrows) == 20006, len(allrows)
N, T, L, DB = 0, 3, 3, 5   # column indexes: name, level, database (shown)
names = ["b%d" % i for i in range(0, 20000, 397)] + ["pa", "pd1", "nosuch"]
dbs = ["bdb%d" % i for i in range(3, 7000, 311)] + ["d1"]
sq = lambda xs: ", ".join("'%s'" % x for x in xs)
cases = [
    ("pitr_name IN (%s)" % sq(names), lambda r: r[N] in names),
    ("pitr_name = 'b77'", lambda r: r[N] == "b77"),
    ("database_name IN (%s)" % sq(dbs), lambda r: r[DB] in dbs),
    ("database_name IN (%s, '*')" % sq(dbs), lambda r: r[DB] in dbs + ["*"]),
    ("database_name = 'bdb21'", lambda r: r[DB] == "bdb21"),
    ("'bdb21' = database_name", lambda r: r[DB] == "bdb21"),
    ("database_name = '*'", lambda r: r[DB] == "*"),
    ("database_name = ''", lambda r: False),
    ("database_name IN ('', 'bdb5')", lambda r: r[DB] == "bdb5"),
    ("database_name IN (5, 'bdb6')", lambda r: r[DB] == "bdb6"),     # 5 is no text
    ("database_name = 'BDB7'", lambda r: False),                      # binary compare
    ("database_name NOT IN ('bdb1') AND pitr_level = 'table'",
     lambda r: r[DB] != "bdb1" and r[L] == "table"),
    ("NOT (database_name = 'bdb3') AND pitr_name IN (%s)" % sq(names),
     lambda r: r[DB] != "bdb3" and r[N] in names),
    ("pitr_level = 'table'", lambda r: r[L] == "table"),
    ("'account' = pitr_level", lambda r: r[L] == "account"),
    ("pitr_level = 'database'", lambda r: r[L] == "database"),
    ("pitr_level IN ('cluster', 'account')", lambda r: r[L] in ("cluster", "account")),
    ("pitr_level = 'TABLE'", lambda r: False),
    ("pitr_name IN (%s) OR pitr_level IN ('cluster', 'account') OR database_name IN (%s)"
     % (sq(names), sq(dbs)),
     lambda r: r[N] in names or r[L] in ("cluster", "account") or r[DB] in dbs),
    ("pitr_level = 'database' AND database_name = 'bdb40'",
     lambda r: r[L] == "database" and r[DB] == "bdb40"),
    ("(database_name = 'bdb8' OR database_name = 'bdb9') AND pitr_level <> 'table'",
     lambda r: r[DB] in ("bdb8", "bdb9") and r[L] != "table"),
    ("pitr_level IN ('table') OR pitr_name = 'pd0'", lambda r: r[L] == "table" or r[N] == "pd0"),
    ("pitr_name LIKE 'b1%' AND database_name = 'bdb10'",
     lambda r: r[N].startswith("b1") and r[DB] == "bdb10"),
    ("database_name IN ('5') OR pitr_name = 'b1'", lambda r: r[DB] == "5" or r[N] == "b1"),
]
for where, keep in cases:
    got = c.query1("show pitr where " + where)
    assert got.cols == full.cols, (got.cols, full.cols)   # headers and types (spec 2.1, 2.3)
    got = [[v.decode() for v in r] for r in got.rows]
    want = [r for r in allrows if keep(r)]
    assert got == want, "%s: %d rows, want %d; first difference %r" % (
        where[:80], len(got), len(want),
        next(((g, x) for g, x in zip(got, want) if g != x), None))
    print("  ok: %-60.60s %d rows" % (where, len(got)))
c.close()
PY

check "unknown columns inside index-friendly terms still fail with 1054" py - <<'PY'
import os, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
for where, col in [("database_name IN ('bdb1', nosuch)", "nosuch"),
                   ("pitr_level = 'table' OR zz = 'a'", "zz"),
                   ("pitr_level IN ('table', q1)", "q1")]:
    r = c.query("show pitr where " + where)[0]
    assert isinstance(r, w.Err) and r.code == 1054, (where, r)
    assert r.msg == "invalid input: column %s does not exist" % col, r.msg
c.close()
PY

check "an indexable OR filter runs >= 3x faster than the same filter unindexed" py - <<'PY'
import os, time, wireclient as w
c = w.Conn(int(os.environ["PORT"]))
names = ", ".join("'b%d'" % i for i in range(0, 20000, 400))
dbs = ", ".join("'bdb%d'" % i for i in range(1, 7000, 140))
fast = ("pitr_name IN (%s) OR pitr_level IN ('cluster', 'account') OR database_name IN (%s)"
        % (names, dbs))
slow = ("lower(pitr_name) IN (%s) OR lower(pitr_level) IN ('cluster', 'account')"
        " OR lower(database_name) IN (%s)" % (names, dbs))
def best(where):
    t, rows = 1e9, None
    for _ in range(7):
        s = time.perf_counter()
        rows = c.query1("show pitr where " + where).rows
        t = min(t, time.perf_counter() - s)
    return t, rows
tf, rf = best(fast)
ts, rs = best(slow)
print("  indexed %.2f ms, unindexed %.2f ms, %d rows" % (tf * 1e3, ts * 1e3, len(rf)))
assert rf == rs and len(rf) > 50, (len(rf), len(rs))
assert tf * 3 <= ts, "indexed %.2f ms vs %.2f ms" % (tf * 1e3, ts * 1e3)
c.close()
PY

check "mosim exits 0 on SIGTERM" stop_mosim
finish
