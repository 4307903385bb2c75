#!/usr/bin/env bash
# shell.sh: the extension in the stock sqlite3 shell (issue 5, "Where it must work").
#
# Covers: `.load` of the module path without the .so suffix; the issue's own example
# session (connect with the password from MO_PASSWORD, SELECT by level, INSERT, UPDATE,
# DELETE) fed on stdin, with the server's state checked through the runner's remote
# directive; `sqlite3 -json` and `sqlite3 -csv` one-shot scripts; the password from a MySQL
# option file and option group (MO_PASSWORD unset); and that no password ever appears in
# anything the shell prints (descriptions, mo_connections, every error, the schema after a
# refused CREATE VIRTUAL TABLE), while connect errors name user@host:port.
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT, MOPITR_SLT exported).
# Prints one line per check; exits 1 if any check failed.
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}" "${MOPITR_SLT:?}"
ext=${MOPITR_EXT%.so}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-shell.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
. "$(dirname "$0")/lib.bash"



# remote FILE-CONTENT: run a .test snippet with the runner's remote directives (no extension).
remote() {
    printf '%s\n' "$1" >"$tmp/remote.test"
    local out
    out=$("$MOPITR_SLT" --no-ext "$tmp/remote.test" 2>&1)
    local rc=$?
    checks=$((checks + 1))
    if [ $rc -eq 0 ]; then echo "ok   server: $2"; else
        fails=$((fails + 1)); echo "FAIL server: $2"; printf '%s\n' "$out" | sed 's/^/    /'; fi
}

remote "remote statement ok
CREATE DATABASE shdb

remote statement ok
CREATE DATABASE jsondb

remote statement ok
CREATE ACCOUNT shacc ADMIN_NAME 'sadmin' IDENTIFIED BY 'Zq7-Secret-Xk'

remote statement ok
CREATE PITR sh_json FOR DATABASE jsondb RANGE 3 'h'" "setup"

# --- .load without the suffix; the issue's example session on stdin
out=$(sqlite3 :memory: 2>&1 <<EOF
.load $ext
SELECT mo_connect('mysql://root@127.0.0.1:$MO_PORT') IS NOT NULL;
INSERT INTO mo_pitr(name, level, database_name, range_value, range_unit) VALUES ('sh_db1', 'database', 'shdb', 7, 'd');
SELECT name, level, range_value, range_unit FROM mo_pitr WHERE level = 'database' ORDER BY name;
EOF
)
check "stdin session: .load, mo_connect, INSERT, SELECT" "1
sh_db1|database|7|d
sh_json|database|3|h" "$out"

remote "remote statement error pitr sh_db1 already exists
CREATE PITR sh_db1 FOR DATABASE no_such_db RANGE 1 'd'

remote query TTTTTTTTT
SHOW PITR WHERE pitr_name = 'sh_db1' AND NOT (pitr_level = 'database' AND database_name = 'shdb' AND pitr_length = 7 AND pitr_unit = 'd')
----
" "sh_db1 created as database shdb 7 d"

out=$(sqlite3 :memory: 2>&1 <<EOF
.load $ext
SELECT mo_connect('mysql://root@127.0.0.1:$MO_PORT') IS NOT NULL;
UPDATE mo_pitr SET range_value = 2, range_unit = 'mo' WHERE name = 'sh_db1';
SELECT name, range_value, range_unit FROM mo_pitr WHERE name = 'sh_db1';
EOF
)
check "stdin session: UPDATE" "1
sh_db1|2|mo" "$out"

remote "remote query TTTTTTTTT
SHOW PITR WHERE pitr_name = 'sh_db1' AND NOT (pitr_length = 2 AND pitr_unit = 'mo')
----

remote statement error pitr sh_db1 already exists
CREATE PITR sh_db1 FOR DATABASE no_such_db RANGE 1 'd'" "sh_db1 altered to 2 mo"

out=$(sqlite3 :memory: 2>&1 <<EOF
.load $ext
SELECT mo_connect('mysql://root@127.0.0.1:$MO_PORT') IS NOT NULL;
DELETE FROM mo_pitr WHERE name = 'sh_db1';
SELECT count(*) FROM mo_pitr WHERE name = 'sh_db1';
SELECT mo_pitr_version() LIKE '${MOPITR_VERSION:?} (libmariadb %)';
EOF
)
check "stdin session: DELETE, mo_pitr_version" "1
0
1" "$out"

remote "remote query TTTTTTTTT
SHOW PITR WHERE pitr_name = 'sh_db1'
----
" "sh_db1 dropped"

# --- sqlite3 -json one-shot
out=$(sqlite3 -json :memory: ".load $ext" "SELECT mo_connect() IS NOT NULL AS c" \
    "SELECT name, level, account_name, database_name, table_name, range_value, range_unit FROM mo_pitr ORDER BY name" 2>&1)
check "sqlite3 -json" '[{"c":1}]
[{"name":"sh_json","level":"database","account_name":"sys","database_name":"jsondb","table_name":null,"range_value":3,"range_unit":"h"}]' "$out"

# --- sqlite3 -csv one-shot, with a header and an INSERT
out=$(sqlite3 -csv -header :memory: ".load $ext" \
    "SELECT mo_connect('mysql://root:$MO_PASSWORD@127.0.0.1:$MO_PORT') IS NOT NULL AS c" \
    "INSERT INTO mo_pitr(name, level, range_value, range_unit) VALUES ('sh_csv', 'cluster', 4, 'y')" \
    "SELECT name, level, account_name, range_value, range_unit FROM mo_pitr ORDER BY name" 2>&1)
check "sqlite3 -csv" 'c
1
name,level,account_name,range_value,range_unit
sh_csv,cluster,,4,y
sh_json,database,sys,3,h' "$out"

remote "remote statement error pitr sh_csv already exists
CREATE PITR sh_csv FOR DATABASE no_such_db RANGE 1 'd'

remote query TTTTTTTTT
SHOW PITR WHERE pitr_name = 'sh_csv' AND NOT (pitr_level = 'cluster' AND pitr_length = 4 AND pitr_unit = 'y')
----
" "sh_csv created by the -csv script"

# --- password from a MySQL option file (group [mopitr]); MO_PASSWORD unset
printf '[mopitr]\npassword=%s\n' "$MO_PASSWORD" >"$tmp/my.cnf"
out=$(env -u MO_PASSWORD sqlite3 -csv :memory: ".load $ext" \
    "SELECT mo_connect('host=127.0.0.1 port=$MO_PORT user=root option_file=$tmp/my.cnf option_group=mopitr') IS NOT NULL" \
    "SELECT count(*) FROM mo_pitr WHERE name = 'sh_json'" 2>&1)
check "password from option_file + option_group" "1
1" "$out"

out=$(env -u MO_PASSWORD sqlite3 -csv :memory: ".load $ext" \
    "SELECT mo_connect('host=127.0.0.1 port=$MO_PORT user=root') IS NOT NULL" 2>&1)
check_has "no password anywhere: access denied" "root@127.0.0.1:$MO_PORT" "$out"

# --- no password ever printed; errors name user@host:port
out=$(sqlite3 :memory: 2>&1 <<EOF
.load $ext
SELECT mo_connect('mysql://sadmin:Zq7-Secret-Xk@127.0.0.1:$MO_PORT?account=shacc');
SELECT mo_connect('host=127.0.0.1 port=$MO_PORT user=sadmin password=Zq7-Secret-Xk account=shacc', 'kv');
SELECT * FROM mo_connections;
SELECT mo_connect('mysql://sadmin:Zq7-Wrong-Pw@127.0.0.1:$MO_PORT?account=shacc', 'bad1');
SELECT mo_connect('mysql://sadmin:Zq7-BadPort-Pw@127.0.0.1:notaport', 'bad2');
SELECT mo_connect('mysql://sadmin:Zq7-BadOpt-Pw@127.0.0.1:$MO_PORT?nosuch=1', 'bad3');
SELECT mo_connect('host=127.0.0.1 port=$MO_PORT user=sadmin password=Zq7-Kv-Pw nosuch=1', 'bad4');
SELECT mo_connect('host=127.0.0.1 port=1 user=sadmin password=Zq7-NoServer-Pw', 'bad5');
SELECT mo_connect('mysql://sadmin:Zq7-Pct%2FPw@127.0.0.1:1', 'bad6');
SELECT mo_connect('mysql://sadmin:Zq7-Pct%ZZPw@127.0.0.1:1', 'bad7');
CREATE VIRTUAL TABLE v1 USING mo_pitr(password=Zq7-Vtab-Pw);
CREATE VIRTUAL TABLE v2 USING mo_pitr(connection=kv, password='Zq7-Vtab2-Pw');
SELECT * FROM sqlite_schema;
SELECT * FROM mo_pitr('kv');
SELECT * FROM mo_connections;
EOF
)
# (the shell itself echoes the SQL of a parse error, indented: that is not the extension's)
check_lacks "no password in any output" "Zq7-" "$(printf '%s\n' "$out" | grep -v '^  ')"
check_has "description names user@host:port" "sadmin@127.0.0.1:$MO_PORT" "$out"
check_has "wrong password: error names user@host:port" "@127.0.0.1:$MO_PORT" \
    "$(printf '%s\n' "$out" | grep -i 'denied')"
check_has "nothing listening: error names user@host:port" "sadmin@127.0.0.1:1" "$out"
n=$(printf '%s\n' "$out" | grep -cE '^(Parse|Runtime) error near line [0-9]+: mo_pitr: ')
check "every failure is a mo_pitr: error (7 connects + 2 vtabs)" "9" "$n"

echo "$checks checks, $fails failed"
[ "$fails" -eq 0 ]
