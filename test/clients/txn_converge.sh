#!/usr/bin/env bash
# txn_converge.sh: the declarative recipe of issue 6 converges the server to 1,000 PITRs.
#
# Covers: a server that starts with 300 PITRs exactly as desired, 200 with another range,
# 100 that are not desired at all, and 500 desired ones missing; then, in one SQLite
# transaction,
#     INSERT OR REPLACE INTO mo_pitr(...) SELECT ... FROM desired;
#     DELETE FROM mo_pitr WHERE name NOT IN (SELECT name FROM desired);
#     COMMIT;
# sends exactly 500 CREATE, 200 ALTER and 100 DROP PITR and 1,003 SHOW PITR: one filtered
# read per INSERT OR REPLACE row (its name and database: 500 rows in all, the desired PITRs
# that exist), the DELETE's scan and the count(*) in between (each reads every row, as
# they ask), and COMMIT's check; creates and alters before drops; afterwards the
# server's SHOW PITR equals the desired table row for row (compared through the runner's
# remote directive), and a second run of the recipe sends no write at all.
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOSIM_LOG, MOPITR_EXT, MOPITR_SLT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}" "${MOSIM_LOG:?}"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-conv.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# 1,100 databases: cv0001..cv1000 desired, cv1001..cv1100 for the extra PITRs.
for i in $(seq 1 1100); do printf 'CREATE DATABASE cv%04d;\n' "$i"; done >"$tmp/setup.sql"
if ! timeout 120 mariadb --no-defaults -h 127.0.0.1 -P "$MO_PORT" -u root -p"$MO_PASSWORD" \
    <"$tmp/setup.sql" >"$tmp/setup.out" 2>&1; then
    echo "FAIL setup: mariadb CLI"; cat "$tmp/setup.out"; exit 1
fi

unit() { case $(($1 % 4)) in 0) echo h ;; 1) echo d ;; 2) echo mo ;; 3) echo y ;; esac; }
# The desired state, as the server's catalog has it: name level account db table length unit.
for i in $(seq 1 1000); do
    printf 'pv%04d database sys cv%04d (empty) %d %s\n' "$i" "$i" $((i % 100 + 1)) "$(unit "$i")"
done | sort >"$tmp/desired.txt"

cat >"$tmp/converge.test" <<TEST
statement ok
SELECT mo_connect('mysql://root:\${MO_PASSWORD}@127.0.0.1:\${MO_PORT}')

statement ok
CREATE TABLE desired AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT printf('pv%04d', i) AS name, printf('cv%04d', i) AS db, i % 100 + 1 AS v, CASE i % 4 WHEN 0 THEN 'h' WHEN 1 THEN 'd' WHEN 2 THEN 'mo' ELSE 'y' END AS u FROM n

# --- the starting server (autocommit writes): 300 as desired, 200 with another range,
# 100 extra, 500 missing
statement ok
INSERT INTO mo_pitr(name, database_name, range_value, range_unit) SELECT name, db, v, u FROM desired WHERE name <= 'pv0300'

statement ok
INSERT INTO mo_pitr(name, database_name, range_value, range_unit) SELECT name, db, 101 - v, 'h' FROM desired WHERE name > 'pv0300' AND name <= 'pv0500'

statement ok
INSERT INTO mo_pitr(name, database_name, range_value, range_unit) WITH RECURSIVE n(i) AS (SELECT 1001 UNION ALL SELECT i + 1 FROM n WHERE i < 1100) SELECT printf('px%04d', i), printf('cv%04d', i), 3, 'd' FROM n

remote query I
SELECT count(*) FROM mo_catalog.mo_pitr WHERE pitr_name <> 'sys_mo_catalog_pitr'
----
600

log count 600 CREATE PITR

log mark

# --- the recipe
statement ok
BEGIN

statement ok
INSERT OR REPLACE INTO mo_pitr(name, database_name, range_value, range_unit) SELECT name, db, v, u FROM desired

statement ok
DELETE FROM mo_pitr WHERE name NOT IN (SELECT name FROM desired)

query I
SELECT count(*) FROM mo_pitr
----
1000

log count 0 CREATE PITR

statement ok
COMMIT

log count 500 CREATE PITR

log count 200 ALTER PITR

log count 100 DROP PITR

log count 1003 SHOW PITR

# the 1,000 reads of OR REPLACE (500 rows: the desired PITRs that exist) and COMMIT's
# check (300 rows: the PITRs it alters or drops)
log count 1001 SHOW PITR WHERE pitr_name IN ('pv

log rows 800 SHOW PITR WHERE pitr_name IN ('pv

log count 1803

query T
SELECT group_concat(DISTINCT state) FROM mo_pitr_last_commit
----
applied

query I
SELECT max(seq) FROM mo_pitr_last_commit WHERE statement LIKE 'CREATE%' OR statement LIKE 'ALTER%'
----
700

query I
SELECT min(seq) FROM mo_pitr_last_commit WHERE statement LIKE 'DROP%'
----
701

# --- the server now, row for row
remote query TTTTTIT rowsort
SELECT pitr_name, level, account_name, database_name, table_name, pitr_length, pitr_unit FROM mo_catalog.mo_pitr WHERE pitr_name LIKE 'p%'
----
$(cat "$tmp/desired.txt")

# --- a second run sends no write
log mark

statement ok
BEGIN

statement ok
INSERT OR REPLACE INTO mo_pitr(name, database_name, range_value, range_unit) SELECT name, db, v, u FROM desired

statement ok
DELETE FROM mo_pitr WHERE name NOT IN (SELECT name FROM desired)

statement ok
COMMIT

log count 0 PITR \`

query I
SELECT count(*) FROM mo_pitr_last_commit
----
0
TEST
"$MOPITR_SLT" --ext "$MOPITR_EXT" "$tmp/converge.test"
