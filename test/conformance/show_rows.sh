#!/usr/bin/env bash
# show_rows.sh: mosim conformance, the SHOW PITR result (spec 2) read with the mariadb CLI,
# where the runner cannot go: rows contain creation times, so this script masks the two time
# columns after checking their shape and compares everything else.
# Covers: column names and types (2.1, --column-type-info, also for an empty result, 2.4),
# values (lower-cased names and units, `*` for unused names, levels), order newest first
# (2.1), per-account visibility incl. sys's PITR for acc01 that acc01 does not see (2.2), the
# hidden sys_mo_catalog_pitr row (2.2, 6.3), the session time zone (2.1, 7), ALTER moving
# MODIFIED_TIME only (2.4, 3.4), SHOW PITR WHERE with =, !=, <>, <, >, <=, >=, IN, NOT IN, LIKE,
# NOT LIKE, AND/OR/NOT with precedence, IS [NOT] NULL, parentheses, column-name case,
# string-value case (2.3), rows kept after DROP TABLE / DATABASE / ACCOUNT (2.2, 6.2).
# Run: test/run-suite.sh test/conformance/show_rows.sh
set -u
. "$(dirname "$0")/lib.bash"

acc() { cli acc01:admin1 111 -N -B "$@"; }
# sorted OUTPUT: the masked rows sorted (the outer WHERE query does not promise an order, 2.3)
where_names() { sys -e "show pitr where $1" | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//'; }

echo "# setup"
ok_sql "setup objects" root "$MO_PASSWORD" "create database db01; use db01; create table t01 (a int);
create table t02 (a int); create database Db02; use db02; create table t1 (a int);
create account acc01 admin_name 'admin1' identified by '111'"

# one CLI process per CREATE, so the creation instants are apart (order newest first, 2.1)
creates=(
    "create pitr p1 for account range 1 'h'"
    "create pitr P2 for cluster range 100 'Y'"
    "create pitr p3 for database DB01 range 9 'MO'"
    "create pitr p4 for table db01 T01 range 10 'd'"
    "create pitr p5 for database db01 table t02 range 2 'h'"
    "create pitr pitr14 for account acc01 range 1 'd'"
    "create pitr \`select\` for database db02 range 3 'D'"
    "create pitr \`\$%^#\` for table db02 t1 range 1 'y'"
)
t_first=$(date -u +%s)
for c in "${creates[@]}"; do
    ok_sql "$c" root "$MO_PASSWORD" "$c"
    sleep 0.05
done
t_last=$(date -u +%s)
ok_sql "acc01 creates its own" acc01:admin1 111 "create pitr pitr16 for account range 1 'h'; create database db01"
sleep 0.05
ok_sql "acc01 database pitr" acc01:admin1 111 "create pitr pitr19 for database db01 range 1 'h'"

echo "# spec 2.1: column names, upper case, in order"
hdr=$(cli root "$MO_PASSWORD" -B -e 'show pitr' | head -n1)
expect_eq "SHOW PITR header" "$(printf 'PITR_NAME\tCREATED_TIME\tMODIFIED_TIME\tPITR_LEVEL\tACCOUNT_NAME\tDATABASE_NAME\tTABLE_NAME\tPITR_LENGTH\tPITR_UNIT')" "$hdr"

echo "# spec 2.3 [Real]: with WHERE the headers stay upper case"
hdr=$(cli root "$MO_PASSWORD" -B -e "show pitr where pitr_name = 'p1'" | head -n1)
expect_eq "SHOW PITR WHERE header" "$(printf 'PITR_NAME\tCREATED_TIME\tMODIFIED_TIME\tPITR_LEVEL\tACCOUNT_NAME\tDATABASE_NAME\tTABLE_NAME\tPITR_LENGTH\tPITR_UNIT')" "$hdr"

echo "# spec 2.1 [Real]: column types and NOT NULL flags, the same with and without WHERE"
# name:TYPE as the CLI names the type code (VAR_STRING 253, DATETIME 12, TINY 1), then
# (not null) / (unsigned) from the flags
types() {
    awk '/^Field +[0-9]+:/ { gsub(/`/, "", $3); name = $3 }
         /^Type:/ { printf "%s:%s", name, $2 }
         /^Flags:/ { if ($0 ~ /NOT_NULL/) printf "(not null)"; if ($0 ~ /UNSIGNED/) printf "(unsigned)"; printf " " }' | sed 's/ $//'
}
want_types="PITR_NAME:VAR_STRING(not null) CREATED_TIME:DATETIME MODIFIED_TIME:DATETIME PITR_LEVEL:VAR_STRING(not null) ACCOUNT_NAME:VAR_STRING DATABASE_NAME:VAR_STRING TABLE_NAME:VAR_STRING PITR_LENGTH:TINY(unsigned) PITR_UNIT:VAR_STRING"
expect_eq "column types" "$want_types" "$(cli root "$MO_PASSWORD" -t --column-type-info -e 'show pitr' | types)"
expect_eq "column types with WHERE" "$want_types" "$(cli root "$MO_PASSWORD" -t --column-type-info -e "show pitr where pitr_level = 'table'" | types)"

echo "# spec 2.4: an empty result still has the 9 column definitions"
ok_sql "acc02 (no PITR)" root "$MO_PASSWORD" "create account acc02 admin_name 'admin2' identified by '222'"
expect_eq "empty SHOW PITR column defs" "$want_types" "$(cli acc02:admin2 222 -t --column-type-info -e 'show pitr' | types)"
expect_eq "empty SHOW PITR rows" "" "$(cli acc02:admin2 222 -N -B -e 'show pitr')"

echo "# spec 2.1, 2.2: sys's rows, newest first, values, hidden internal row"
want_sys="\$%^# T T table sys db02 t1 1 y
select T T database sys db02 * 3 d
pitr14 T T account acc01 * * 1 d
p5 T T table sys db01 t02 2 h
p4 T T table sys db01 t01 10 d
p3 T T database sys db01 * 9 mo
p2 T T cluster * * * 100 y
p1 T T account sys * * 1 h"
rows=$(sys -e 'show pitr')
expect_eq "sys SHOW PITR rows (masked times)" "$want_sys" "$(printf '%s\n' "$rows" | masked)"
expect_eq "no sys_mo_catalog_pitr row" "" "$(printf '%s\n' "$rows" | grep -i sys_mo_catalog_pitr)"
expect_eq "where pitr_name = 'sys_mo_catalog_pitr'" "" "$(sys -e "show pitr where pitr_name = 'sys_mo_catalog_pitr'")"

echo "# spec 2.2: acc01 sees only what acc01 created, not sys's pitr14 for acc01"
expect_eq "acc01 SHOW PITR rows" "pitr19 T T database acc01 db01 * 1 h
pitr16 T T account acc01 * * 1 h" "$(acc -e 'show pitr' | masked)"
expect_eq "acc01 where pitr_name = 'pitr14'" "" "$(acc -e "show pitr where pitr_name = 'pitr14'")"
expect_eq "acc02 sees nothing" "" "$(cli acc02:admin2 222 -N -B -e 'show pitr where pitr_length > 0')"

echo "# spec 2.1 / 7: times are whole seconds in the session time zone"
p1_utc=$(sys -e "set time_zone = '+00:00'; show pitr where pitr_name = 'p1'" | cut -f2)
p1_p8=$(sys -e "set time_zone = '+08:00'; show pitr where pitr_name = 'p1'" | cut -f2)
p1_m5=$(sys -e "set time_zone = '-05:30'; show pitr where pitr_name = 'p1'" | cut -f2)
p1_def=$(sys -e "show pitr where pitr_name = 'p1'" | cut -f2)
e_utc=$(date -u -d "$p1_utc UTC" +%s 2>/dev/null || echo 0)
if [ "$e_utc" -ge $((t_first - 1)) ] && [ "$e_utc" -le $((t_last + 1)) ]; then
    pass "p1 created_time in +00:00 ($p1_utc) lies within the script's own clock window"
else
    fail "p1 created_time in +00:00 within [$t_first, $t_last]" "epoch in [$((t_first - 1)), $((t_last + 1))]" "$p1_utc ($e_utc)"
fi
expect_eq "+08:00 is 8 hours later" "$(date -u -d "@$((e_utc + 8 * 3600))" '+%Y-%m-%d %H:%M:%S')" "$p1_p8"
expect_eq "-05:30 is 5.5 hours earlier" "$(date -u -d "@$((e_utc - 5 * 3600 - 1800))" '+%Y-%m-%d %H:%M:%S')" "$p1_m5"
# default time_zone SYSTEM = the server's zone; mosim runs with this script's environment
expect_eq "default zone (SYSTEM) is the server's local zone" "$(date -d "@$e_utc" '+%Y-%m-%d %H:%M:%S')" "$p1_def"

echo "# spec 2.4, 3.4: ALTER moves MODIFIED_TIME, not CREATED_TIME, and changes length/unit only"
before=$(sys -e "show pitr where pitr_name = 'p3'")
sleep 1.1
ok_sql "alter pitr p3 range 4 'D'" root "$MO_PASSWORD" "alter pitr p3 range 4 'D'"
after=$(sys -e "show pitr where pitr_name = 'p3'")
expect_eq "p3 after ALTER (masked)" "p3 T T database sys db01 * 4 d" "$(printf '%s\n' "$after" | masked)"
expect_eq "CREATED_TIME unchanged" "$(printf '%s' "$before" | cut -f2)" "$(printf '%s' "$after" | cut -f2)"
b_mod=$(printf '%s' "$before" | cut -f3)
a_mod=$(printf '%s' "$after" | cut -f3)
if [[ "$a_mod" > "$b_mod" ]]; then pass "MODIFIED_TIME moved ($b_mod -> $a_mod)"; else fail "MODIFIED_TIME moved" "> $b_mod" "$a_mod"; fi
expect_eq "modified_time > created_time selects only p3" "p3" "$(where_names "modified_time > created_time")"
expect_eq "order unchanged by ALTER (by creation)" "$want_sys" "$(sys -e 'show pitr' | masked | sed 's/^p3 T T database sys db01 \* 4 d$/p3 T T database sys db01 * 9 mo/')"
ok_sql "alter pitr p3 range 0 'h' (0 accepted by ALTER, 3.4)" root "$MO_PASSWORD" "alter pitr p3 range 0 'h'"
expect_eq "p3 range 0" "p3 T T database sys db01 * 0 h" "$(sys -e "show pitr where pitr_name = 'p3'" | masked)"
ok_sql "alter pitr p3 back" root "$MO_PASSWORD" "alter pitr p3 range 9 'mo'"

echo "# spec 2.3: SHOW PITR WHERE over the output columns"
all='$%^# p1 p2 p3 p4 p5 pitr14 select'
expect_eq "=" "p1" "$(where_names "pitr_name = 'p1'")"
expect_eq "!=" '$%^# p2 p3 p4 p5 pitr14 select' "$(where_names "pitr_name != 'p1'")"
expect_eq "<>" '$%^# p2 p3 p4 p5 pitr14 select' "$(where_names "pitr_name <> 'p1'")"
expect_eq "> on PITR_LENGTH is numeric (100 and 10 > 9)" "p2 p4" "$(where_names "pitr_length > 9")"
expect_eq "<" '$%^# p1 p5 pitr14' "$(where_names "pitr_length < 3")"
expect_eq ">=" "p2 p4" "$(where_names "pitr_length >= 10")"
expect_eq "<=" '$%^# p1 pitr14' "$(where_names "pitr_length <= 1")"
expect_eq "= number" "p3" "$(where_names "pitr_length = 9")"
expect_eq "IN" '$%^# p2 p4 p5' "$(where_names "pitr_level in ('cluster', 'table')")"
expect_eq "NOT IN" '$%^# p2 p4 p5' "$(where_names "pitr_level not in ('account', 'database')")"
expect_eq "LIKE %" "p1 p2 p3 p4 p5 pitr14" "$(where_names "pitr_name like 'p%'")"
expect_eq "LIKE _" "p1 p2 p3 p4 p5" "$(where_names "pitr_name like 'p_'")"
expect_eq "NOT LIKE" '$%^# select' "$(where_names "pitr_name not like 'p%'")"
expect_eq "AND" "p4" "$(where_names "pitr_level = 'table' and table_name = 't01'")"
expect_eq "OR" "p2 pitr14" "$(where_names "pitr_level = 'cluster' or account_name = 'acc01'")"
expect_eq "AND binds tighter than OR" "p2 pitr14" "$(where_names "pitr_length = 100 or pitr_level = 'account' and account_name = 'acc01'")"
expect_eq "parentheses" "pitr14" "$(where_names "(pitr_length = 100 or pitr_level = 'account') and account_name = 'acc01'")"
expect_eq "NOT" '$%^# p2 p3 p4 p5 select' "$(where_names "not (pitr_level = 'account')")"
expect_eq "NOT without parentheses" '$%^# p2 p3 p4 p5 select' "$(where_names "not pitr_level = 'account'")"
expect_eq "IS NULL (no NULL: '*' is a value)" "" "$(where_names "table_name is null")"
expect_eq "IS NOT NULL" "$all" "$(where_names "created_time is not null")"
expect_eq "'*' is the value seen by WHERE" "p1 p2 pitr14" "$(where_names "database_name = '*'")"
expect_eq "cluster row account_name '*'" "p2" "$(where_names "account_name = '*'")"
expect_eq "time column vs string" "$all" "$(where_names "created_time > '2000-01-01 00:00:00'")"
expect_eq "created_time <= modified_time" "$all" "$(where_names "created_time <= modified_time")"
expect_eq "upper-case column name" "p1" "$(where_names "PITR_NAME = 'p1'")"
expect_eq "mixed-case column name" "p1" "$(where_names "Pitr_Name = 'p1' AND Pitr_Level = 'account'")"
expect_eq "unit stored lower case" "p2 select" "$(where_names "pitr_unit = 'y' and pitr_length > 1 or pitr_unit = 'd' and pitr_length = 3")"
# assumed (spec 10 item 2 [Guess]: binary collation): string comparison is case-sensitive
expect_eq "string values compare case-sensitively (assumed)" "" "$(where_names "pitr_name = 'P1' or pitr_level = 'ACCOUNT'")"
# seen on a real MatrixOne: 1054, SQLSTATE 42S22
err_sql "unknown column is an error" root "$MO_PASSWORD" "show pitr where nosuch = 1" '^ERROR 1054 \(42S22\).*invalid input: column nosuch does not exist'
err_sql "empty WHERE is a syntax error (1064, HY000)" root "$MO_PASSWORD" "show pitr where" '^ERROR 1064 \(HY000\)'

echo "# spec 2.2, 6.2: rows stay listed after DROP TABLE / DROP DATABASE / DROP ACCOUNT"
ok_sql "drop table db01.t02" root "$MO_PASSWORD" "use db01; drop table t02"
ok_sql "drop database db02" root "$MO_PASSWORD" "drop database db02"
ok_sql "drop account acc01" root "$MO_PASSWORD" "drop account acc01"
expect_eq "sys rows after the drops" "$want_sys" "$(sys -e 'show pitr' | masked)"

echo "# spec 3.5: DROP PITR removes the row"
ok_sql "drop pitr p1; drop pitr pitr14" root "$MO_PASSWORD" "drop pitr p1; drop pitr pitr14"
expect_eq "p1, pitr14 gone" '$%^# p2 p3 p4 p5 select' "$(sys -e 'show pitr' | cut -f1 | sort | tr '\n' ' ' | sed 's/ $//')"

echo "# spec 6.2: a re-created acc01 sees nothing (its rows were deleted)"
ok_sql "re-create acc01" root "$MO_PASSWORD" "create account acc01 admin_name 'admin1' identified by '111'"
expect_eq "new acc01 SHOW PITR" "" "$(acc -e 'show pitr')"
finish
