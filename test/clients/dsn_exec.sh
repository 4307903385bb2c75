#!/usr/bin/env bash
# dsn_exec.sh: build/mopitr_dsn_exec, the demo's way to the server, reads MO_DSN as
# mo_connect() does and never puts the password on a command line.
#
# Covers, with a stand-in for the mariadb CLI (MOPITR_MARIADB) that prints its arguments
# and whether MYSQL_PWD is set: a URI with a password and a database, a key=value DSN
# with account, role and a quoted password, MO_PASSWORD when the DSN has none, option_file
# (--defaults-file instead of --no-defaults), every ssl_mode (required, verify_ca and
# verify_identity all verify the server certificate: the CLI's --ssl alone falls back to
# plain text), option_group refused (exit 2), a bad DSN (the extension's own message, exit
# 1), an empty MO_DSN (exit 1), --describe (user@host:port, never the password), --help.
# Then with the real mariadb CLI against this suite's mosim: a query works through a
# key=value DSN, and ssl_mode=required against a server without TLS is refused.
#
# Run by test/run-suite.sh (MO_PORT, MO_PASSWORD, MOPITR_EXT exported).
set -u
: "${MO_PORT:?}" "${MO_PASSWORD:?}" "${MOPITR_EXT:?}"
exe=$(cd "$(dirname "$MOPITR_EXT")" && pwd)/mopitr_dsn_exec
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-dsnexec.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
. "$(dirname "$0")/lib.bash"
PW='Dx-Pw-9Lm3'
cat >"$tmp/fake" <<'EOF_FAKE'
#!/bin/sh
printf '%s\n' "$@"
echo "MYSQL_PWD=${MYSQL_PWD:+set:$MYSQL_PWD}"
EOF_FAKE
chmod +x "$tmp/fake"
fake() { env -u MO_PASSWORD -u MYSQL_PWD MOPITR_MARIADB="$tmp/fake" "$@"; }

out=$(fake MO_DSN="mysql://root:$PW@db.example:6101/sales" "$exe" -N -e 'SELECT 1')
check "URI: the client's arguments, then the caller's" "--no-defaults
--protocol=TCP
--host=db.example
--port=6101
--user=root
--database=sales
--connect-timeout=10
-N
-e
SELECT 1
MYSQL_PWD=set:$PW" "$out"

out=$(fake MO_DSN="host=::1 account=acc1 user=admin role=r1 password='p w;$PW' connect_timeout=3" "$exe" -e x)
check "key=value: login account:user:role, IPv6 host, quoted password in MYSQL_PWD" "--no-defaults
--protocol=TCP
--host=::1
--port=6001
--user=acc1:admin:r1
--connect-timeout=3
-e
x
MYSQL_PWD=set:p w;$PW" "$out"

out=$(fake MO_DSN="mysql://root@h" MO_PASSWORD="$PW" "$exe" -e x)
check_has "MO_PASSWORD when the DSN has none" "MYSQL_PWD=set:$PW" "$out"
out=$(fake MO_DSN="mysql://root@h" "$exe" -e x)
check "no password anywhere: MYSQL_PWD left unset" "MYSQL_PWD=" "$(printf '%s\n' "$out" | tail -n 1)"
out=$(fake MO_DSN="host=h option_file=/etc/mo.cnf" "$exe" -e x)
check "option_file: --defaults-file first, no --no-defaults" "--defaults-file=/etc/mo.cnf
--protocol=TCP" "$(printf '%s\n' "$out" | head -n 2)"
for m in required verify_ca verify_identity; do
    out=$(fake MO_DSN="host=h ssl_mode=$m ssl_ca=/ca.pem" "$exe" -e x)
    check "ssl_mode=$m: verifies the server certificate (fails closed)" "--ssl
--ssl-verify-server-cert
--ssl-ca=/ca.pem" "$(printf '%s\n' "$out" | grep -- '^--ssl')"
done
out=$(fake MO_DSN="host=h ssl_mode=disabled ssl_ca=/ca.pem" "$exe" -e x)
check_has "ssl_mode=disabled: --skip-ssl" "--skip-ssl" "$out"
check_lacks "ssl_mode=disabled: no --ssl-ca" "--ssl-ca" "$out"
out=$(fake MO_DSN="host=h ssl_mode=preferred" "$exe" -e x)
check_lacks "ssl_mode=preferred: the CLI's default" "--ssl" "$out"

out=$(fake MO_DSN="host=h option_group=g" "$exe" -e x 2>&1); rc=$?
check "option_group: refused, exit 2" 2 "$rc"
check_has "option_group: says why" "option_group 'g' has no equivalent" "$out"
out=$(fake MO_DSN="mysql://root:$PW@h:99999" "$exe" -e x 2>&1); rc=$?
check "bad DSN: exit 1" 1 "$rc"
check_has "bad DSN: the extension's own message" "mo_pitr: " "$out"
check_lacks "bad DSN: no password" "$PW" "$out"
out=$(fake MO_DSN= "$exe" -e x 2>&1); rc=$?
check "empty MO_DSN: exit 1" 1 "$rc"
out=$(fake MO_DSN="mysql://acc1:admin:$PW@h:7" "$exe" --describe 2>&1)
check_lacks "--describe: no password" "$PW" "$out"
out=$(fake MO_DSN="host=h port=7 account=a1 user=u1 password=$PW" "$exe" --describe 2>&1)
check "--describe: user@host:port with the login name" "a1:u1@h:7" "$out"
out=$("$exe" --help); rc=$?
check "--help: exit 0" 0 "$rc"
check_has "--help: usage" "usage: mopitr_dsn_exec" "$out"

# The real CLI against this suite's mosim.
out=$(env -u MYSQL_PWD MO_DSN="host=127.0.0.1 port=$MO_PORT user=root password='$MO_PASSWORD'" \
    "$exe" -N -B -e 'SELECT 1' 2>&1)
check "mariadb CLI through a key=value DSN" 1 "$out"
out=$(env -u MYSQL_PWD MO_DSN="mysql://root@127.0.0.1:$MO_PORT?ssl_mode=required" \
    "$exe" -N -B -e 'SELECT 1' 2>&1); rc=$?
check "ssl_mode=required, server without TLS: refused" 1 "$rc"
check_has "ssl_mode=required: the client says why" "SSL is required" "$out"

echo "dsn_exec.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
