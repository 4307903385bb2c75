#!/usr/bin/env bash
# tls.sh: TLS end to end (issue 7): mosim's --tls-* options and every ssl_mode of the
# extension, plus the mariadb CLI and PyMySQL against a TLS mosim.
#
# Makes its certificates with the openssl command in a temporary directory: a CA, a second
# ("wrong") CA, a server certificate from the CA for IP:127.0.0.1 and DNS:localhost, one
# from the CA for DNS:wrong.example only, and client certificates from each CA. Then starts
# four mosims of its own on free ports, each with the root password $PW:
#   tls    --tls-cert server     (TLS offered, plain still allowed)
#   wrong  --tls-cert wrongname  (right CA, wrong host name)
#   plain  no TLS                (the fail-closed cases)
#   mtls   --tls-cert server --tls-ca ca --tls-require  (client certificate required)
# For each ssl_mode it checks what the user sees (the connect result or the error, which
# must start `mo_pitr: cannot connect to root@HOST:PORT: ` and give the reason) and, through
# mo_connections.tls, whether the session is encrypted. Finally the password must not
# appear in anything printed, and every mosim must exit 0 on SIGTERM.
#
# Usage: standalone `MOSIM=build/mosim MOPITR_EXT=build/mo_pitr.so bash test/clients/tls.sh`
# or through test/run-suite.sh (its own mosim is not used). MOSIM_WRAP="valgrind
# --leak-check=full --error-exitcode=99" runs the mosims under a tool.
# Prints one line per check; exits 1 if any check failed.
set -u
: "${MOSIM:?MOSIM must name the mosim binary}" "${MOPITR_EXT:?MOPITR_EXT must name the extension}"
ext=${MOPITR_EXT%.so}
PY=/usr/bin/python3
PW='Tls-Pw-8813-zq'
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-tls.XXXXXX")
pids=()
fails=0
checks=0
declare -A PORT

cleanup() {
    local p
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
    rm -rf "$tmp"
}
trap cleanup EXIT
. "$(dirname "$0")/lib.bash"


# ---- certificates -------------------------------------------------------------------
q() { timeout 60 "$@" >/dev/null 2>&1; }
mkca() { # NAME CN
    q openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.pem" \
        -days 2 -subj "/CN=$2" -addext basicConstraints=critical,CA:TRUE \
        -addext keyUsage=critical,keyCertSign,cRLSign
}
mkleaf() { # NAME CA CN SAN
    q openssl req -newkey rsa:2048 -nodes -keyout "$tmp/$1.key" -out "$tmp/$1.csr" -subj "/CN=$3"
    printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\nextendedKeyUsage=serverAuth,clientAuth\n' \
        "$4" >"$tmp/$1.ext"
    q openssl x509 -req -in "$tmp/$1.csr" -CA "$tmp/$2.pem" -CAkey "$tmp/$2.key" \
        -CAcreateserial -out "$tmp/$1.pem" -days 2 -extfile "$tmp/$1.ext"
}
mkca ca "mo_pitr test CA"
mkca ca2 "mo_pitr wrong CA"
mkleaf server ca localhost "IP:127.0.0.1,DNS:localhost"
mkleaf wrongname ca wrong.example "DNS:wrong.example"
mkleaf client ca "mo_pitr client" "DNS:client.example"
mkleaf client2 ca2 "mo_pitr client" "DNS:client.example"
for f in ca ca2 server wrongname client client2; do
    if [ ! -s "$tmp/$f.pem" ] || [ ! -s "$tmp/$f.key" ]; then
        echo "FAIL openssl could not make the $f certificate"; exit 1
    fi
done
echo "ok   certificates made with $(openssl version | cut -d' ' -f1-2)"

# ---- servers ------------------------------------------------------------------------
# start NAME ARGS...: start a mosim, wait for its port (bounded), remember pid and port.
start() {
    local name=$1; shift
    ${MOSIM_WRAP:-} "$MOSIM" --port 0 --port-file "$tmp/$name.port" --log "$tmp/$name.log" \
        --root-password "$PW" "$@" 2>"$tmp/$name.err" &
    pids+=($!)
    eval "pid_$name=$!"
    for _ in $(seq 600); do
        [ -s "$tmp/$name.port" ] && break
        kill -0 "$!" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$tmp/$name.port" ]; then
        echo "FAIL mosim $name did not start"; cat "$tmp/$name.err"; exit 1
    fi
    PORT[$name]=$(cat "$tmp/$name.port")
}
start tls --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key"
start wrong --tls-cert "$tmp/wrongname.pem" --tls-key "$tmp/wrongname.key"
start plain
start mtls --tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key" --tls-ca "$tmp/ca.pem" \
    --tls-require

# Bad TLS options: a usage error (2) or a start error (1), never a server without TLS.
"$MOSIM" --port 0 --tls-cert "$tmp/server.pem" >/dev/null 2>&1
check "mosim: --tls-cert without --tls-key is a usage error" 2 $?
timeout 10 "$MOSIM" --port 0 --tls-cert "$tmp/server.pem" --tls-key "$tmp/client.key" \
    >/dev/null 2>"$tmp/badkey.err"
rc=$?
check "mosim: a key that does not match the certificate stops it (exit 1)" 1 $rc
check_has "mosim: ... and says why" "cannot set up TLS" "$(cat "$tmp/badkey.err")"

all_out=$tmp/all-output.txt
: >"$all_out"

# try SERVER HOST QUERY: mo_connect with ssl options (QUERY: the DSN's ?... part, with
# @CA@ etc. replaced by file paths), then mo_connections.tls ('plain' when NULL).
# Prints the shell output with the sqlite3 shell's "Error: stepping, " prefix removed.
try() {
    local port=${PORT[$1]} host=$2 qs=$3 out
    qs=${qs//@DIR@/$tmp}
    out=$(timeout 60 env ${MOPITR_HOST_PRELOAD:+LD_PRELOAD="$MOPITR_HOST_PRELOAD"} sqlite3 :memory: -cmd ".load $ext" \
        "SELECT mo_connect('mysql://root:$PW@$host:$port?$qs')" \
        "SELECT coalesce(tls, 'plain') FROM mo_connections" 2>&1)
    printf '%s\n' "$out" >>"$all_out"
    printf '%s' "$out" | sed -e 's/^Error: stepping, //' -e 's/^Error: //'
}
# ok_tls DESC SERVER HOST QUERY: connected and encrypted (a TLS 1.2+ cipher)
ok_tls() {
    local out
    out=$(try "$2" "$3" "$4")
    checks=$((checks + 1))
    if printf '%s' "$out" | head -1 | grep -q "^connected default: root@$3:${PORT[$2]} " &&
        printf '%s' "$out" | sed -n 2p | grep -Eq '^(TLS_|ECDHE-)[A-Z0-9_-]+$'; then
        echo "ok   $1: encrypted ($(printf '%s' "$out" | sed -n 2p))"
    else
        fails=$((fails + 1)); echo "FAIL $1: want an encrypted connection, got:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}
# ok_plain DESC SERVER HOST QUERY: connected in plain text
ok_plain() {
    local out
    out=$(try "$2" "$3" "$4")
    check "$1: plain text" "connected default: root@$3:${PORT[$2]} account sys, server 8.0.30-MatrixOne-v2.2.0
plain" "$out"
}
# refused DESC SERVER HOST QUERY REASON [REASON2]: the connect fails with
# "mo_pitr: cannot connect to root@HOST:PORT: " and REASON (or REASON2) somewhere after it
refused() {
    local out prefix="mo_pitr: cannot connect to root@$3:${PORT[$2]}: "
    out=$(try "$2" "$3" "$4")
    checks=$((checks + 1))
    if [ "${out#"$prefix"}" != "$out" ] && [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] &&
        { printf '%s' "${out#"$prefix"}" | grep -qF -- "$5" ||
            { [ -n "${6:-}" ] && printf '%s' "${out#"$prefix"}" | grep -qF -- "$6"; }; }; then
        echo "ok   $1: refused (${out#"$prefix"})"
    else
        fails=$((fails + 1)); echo "FAIL $1: want '$prefix...$5', got:"
        printf '%s\n' "$out" | sed 's/^/    /'
    fi
}

CA="ssl_ca=@DIR@/ca.pem"
CA2="ssl_ca=@DIR@/ca2.pem"

echo "--- a server offering TLS (certificate for 127.0.0.1 and localhost)"
ok_plain "disabled" tls 127.0.0.1 "ssl_mode=disabled"
ok_plain "disabled with ssl_ca (ignored)" tls 127.0.0.1 "ssl_mode=disabled&$CA2"
ok_tls "ssl_mode unset (= preferred)" tls 127.0.0.1 ""
ok_tls "preferred" tls 127.0.0.1 "ssl_mode=preferred"
ok_tls "required" tls 127.0.0.1 "ssl_mode=required"
ok_tls "verify_ca, right CA" tls 127.0.0.1 "ssl_mode=verify_ca&$CA"
refused "verify_ca, wrong CA" tls 127.0.0.1 "ssl_mode=verify_ca&$CA2" \
    "TLS/SSL error: unable to get local issuer certificate (client error 2026)"
refused "verify_ca without ssl_ca" tls 127.0.0.1 "ssl_mode=verify_ca" "ssl_mode=verify_ca needs ssl_ca"
refused "verify_identity without ssl_ca" tls 127.0.0.1 "ssl_mode=verify_identity" \
    "ssl_mode=verify_identity needs ssl_ca"
refused "verify_ca, ssl_ca file missing" tls 127.0.0.1 "ssl_mode=verify_ca&ssl_ca=@DIR@/nope.pem" \
    "cannot read ssl_ca file '$tmp/nope.pem': No such file or directory"
ok_tls "verify_identity, 127.0.0.1 (IP SAN)" tls 127.0.0.1 "ssl_mode=verify_identity&$CA"
ok_tls "verify_identity, localhost (DNS SAN)" tls localhost "ssl_mode=verify_identity&$CA"
refused "verify_identity, wrong CA" tls 127.0.0.1 "ssl_mode=verify_identity&$CA2" \
    "unable to get local issuer certificate"
refused "required with a wrong ssl_ca (the CA is checked when given)" tls 127.0.0.1 \
    "ssl_mode=required&$CA2" "unable to get local issuer certificate"
check_has "mosim logs the handshake the client aborted" "TLS handshake failed" \
    "$(cat "$tmp/tls.err")"

# Statements over TLS: write and read through the extension (verify_identity).
out=$(timeout 60 env ${MOPITR_HOST_PRELOAD:+LD_PRELOAD="$MOPITR_HOST_PRELOAD"} sqlite3 :memory: -cmd ".load $ext" \
    "SELECT mo_connect('mysql://root:$PW@127.0.0.1:${PORT[tls]}?ssl_mode=verify_identity&ssl_ca=$tmp/ca.pem') IS NOT NULL" \
    "INSERT INTO mo_pitr(name, level, range_value, range_unit) VALUES ('tls_acc', 'account', 2, 'd')" \
    "SELECT name, level, range_value, range_unit FROM mo_pitr WHERE name = 'tls_acc'" \
    "SELECT tls IS NOT NULL FROM mo_connections" 2>&1)
printf '%s\n' "$out" >>"$all_out"
check "INSERT and SELECT through a verify_identity connection" "1
tls_acc|account|2|d
1" "$out"
check_has "mosim ran the CREATE PITR sent over TLS" "CREATE PITR" "$(cat "$tmp/tls.log")"

echo "--- a server whose certificate is for wrong.example (right CA)"
ok_tls "verify_ca accepts it (no host check)" wrong 127.0.0.1 "ssl_mode=verify_ca&$CA"
refused "verify_identity refuses it (127.0.0.1)" wrong 127.0.0.1 "ssl_mode=verify_identity&$CA" \
    "Validation of SSL server certificate failed (client error 2026); ssl_mode=verify_identity: the server certificate does not name this host"
refused "verify_identity refuses it (localhost)" wrong localhost "ssl_mode=verify_identity&$CA" \
    "the server certificate does not name this host"

echo "--- a server without TLS: required and stricter fail closed"
ok_plain "disabled" plain 127.0.0.1 "ssl_mode=disabled"
ok_plain "unset (preferred) falls back to plain text" plain 127.0.0.1 ""
ok_plain "preferred falls back to plain text" plain 127.0.0.1 "ssl_mode=preferred"
refused "required" plain 127.0.0.1 "ssl_mode=required" \
    "ssl_mode=required but the connection is not encrypted (the server did not offer TLS)"
refused "required with ssl_ca" plain 127.0.0.1 "ssl_mode=required&$CA" \
    "ssl_mode=required but the connection is not encrypted"
refused "verify_ca" plain 127.0.0.1 "ssl_mode=verify_ca&$CA" \
    "ssl_mode=verify_ca but the connection is not encrypted"
refused "verify_identity (refused before the login is sent)" plain 127.0.0.1 \
    "ssl_mode=verify_identity&$CA" "SSL is required, but the server does not support it"
# No connection stays registered after a refusal.
out=$(timeout 60 env ${MOPITR_HOST_PRELOAD:+LD_PRELOAD="$MOPITR_HOST_PRELOAD"} sqlite3 :memory: -cmd ".load $ext" \
    "SELECT mo_connect('mysql://root:$PW@127.0.0.1:${PORT[plain]}?ssl_mode=required')" \
    "SELECT count(*) FROM mo_connections" 2>&1)
printf '%s\n' "$out" >>"$all_out"
check_has "a refused required connect leaves no connection behind" "
0" "$out"
# What the plain server saw: required/verify_ca log in before the check (libmariadb sends
# the login, never the password itself, before the client can look at the cipher);
# verify_identity never logs in.
n_login=$(grep -c "CONNECT root" "$tmp/plain.log")
check "plain server: logins seen (3 plain + 4 required/verify_ca; verify_identity none)" 7 "$n_login"

echo "--- a server requiring TLS and a client certificate from the CA"
refused "disabled gets MySQL's insecure-transport error" mtls 127.0.0.1 "ssl_mode=disabled" \
    "Connections using insecure transport are prohibited while --require_secure_transport=ON. (MatrixOne error 3159)"
ok_tls "verify_identity with ssl_cert/ssl_key from the CA" mtls 127.0.0.1 \
    "ssl_mode=verify_identity&$CA&ssl_cert=@DIR@/client.pem&ssl_key=@DIR@/client.key"
# With TLS 1.3 the server's alert usually comes after the client finished its handshake
# (libmariadb: 2013 while sending the login, and our hint); a slow server (valgrind) may
# send it while the client still waits in the handshake (2026 with the alert's name).
refused "verify_identity without a client certificate" mtls 127.0.0.1 \
    "ssl_mode=verify_identity&$CA" "the server may have refused the TLS session" \
    "alert certificate required (client error 2026)"
refused "verify_identity with a client certificate from the wrong CA" mtls 127.0.0.1 \
    "ssl_mode=verify_identity&$CA&ssl_cert=@DIR@/client2.pem&ssl_key=@DIR@/client2.key" \
    "client error"
refused "ssl_key file missing" mtls 127.0.0.1 \
    "ssl_mode=required&ssl_cert=@DIR@/client.pem&ssl_key=@DIR@/nokey.pem" "cannot read ssl_key file"
check_has "mosim logs a missing client certificate" "peer did not return a certificate" \
    "$(cat "$tmp/mtls.err")"
check_has "mosim logs a client certificate it cannot verify" "certificate verify failed" \
    "$(cat "$tmp/mtls.err")"

echo "--- the mariadb CLI (default ssl=TRUE, no verification)"
cli() { timeout 30 mariadb --no-defaults -h 127.0.0.1 -P "${PORT[$1]}" -u root -p"$PW" "${@:2}" 2>&1; }
out=$(cli tls -e status)
printf '%s\n' "$out" >>"$all_out"
check_has "CLI against the TLS server: encrypted by default" "Cipher in use is TLS_" "$out"
out=$(cli tls --ssl-ca="$tmp/ca.pem" --ssl-verify-server-cert -N -e 'select 1')
check "CLI with --ssl-ca and --ssl-verify-server-cert" "1" "$out"
out=$(cli tls --ssl-ca="$tmp/ca2.pem" --ssl-verify-server-cert -N -e 'select 1')
check_has "CLI with the wrong CA fails" "ERROR 2026" "$out"
out=$(cli tls --skip-ssl -e status)
check_has "CLI --skip-ssl against the TLS server: plain text still allowed" "Not in use" "$out"
out=$(cli plain -e status)
check_has "CLI against the plain server: plain text" "Not in use" "$out"
out=$(cli mtls --skip-ssl -N -e 'select 1')
check_has "CLI --skip-ssl against --tls-require: ERROR 3159" "ERROR 3159" "$out"
out=$(cli mtls --ssl-cert="$tmp/client.pem" --ssl-key="$tmp/client.key" -N -e 'select 1')
check "CLI with a client certificate against --tls-ca" "1" "$out"

echo "--- PyMySQL"
out=$(timeout 60 "$PY" - "${PORT[tls]}" "$PW" "$tmp" <<'EOF' 2>&1
import sys, pymysql
port, pw, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
c = pymysql.connect(host="127.0.0.1", port=port, user="root", password=pw,
                    ssl={"ca": d + "/ca.pem"}, autocommit=True)
cur = c.cursor()
print("version", c._sock.version())
cur.execute("SELECT 1")
print("select", cur.fetchall()[0][0])
big = "y" * (17 << 20)        # a 17 MiB query and reply: 16 MiB packet split over TLS
cur.execute("SELECT %s", (big,))
print("big", len(cur.fetchall()[0][0]))
cur.execute("CREATE DATABASE tlsdb")
cur.execute("CREATE PITR tls_db FOR DATABASE tlsdb RANGE 1 'd'")
cur.execute("MOSIM FAULT LIE HUGE MATCH 'show pitr'")
cur.execute("SHOW PITR")
print("huge", len(cur.fetchall()[0][0]))
c.close()
try:
    pymysql.connect(host="127.0.0.1", port=port, user="root", password=pw,
                    ssl={"ca": d + "/ca2.pem"}, connect_timeout=10)
    print("wrong CA connected")
except pymysql.err.OperationalError as e:
    print("wrong CA refused", e.args[0])
c = pymysql.connect(host="127.0.0.1", port=port, user="root", password=pw)
print("no ssl", type(c._sock).__name__)
c.close()
EOF
)
printf '%s\n' "$out" >>"$all_out"
check "PyMySQL with ssl={'ca': ...}: TLS, big packets, 1 MiB value, wrong CA" "version TLSv1.3
select 1
big 17825792
huge 1048576
wrong CA refused 2003
no ssl socket" "$out"

echo "--- secrets and shutdown"
check_lacks "the password appears in nothing printed" "$PW" "$(cat "$all_out")"
for name in tls wrong plain mtls; do
    pid_var=pid_$name
    kill -TERM "${!pid_var}" 2>/dev/null
    rc=0
    for _ in $(seq 600); do kill -0 "${!pid_var}" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "${!pid_var}" 2>/dev/null && rc=137
    wait "${!pid_var}" 2>/dev/null || rc=$?
    check "mosim $name exits 0 on SIGTERM" 0 "$rc"
    [ "$rc" -ne 0 ] && tail -n 40 "$tmp/$name.err"
done
check_lacks "the password appears in no mosim log" "$PW" "$(cat "$tmp"/*.log "$tmp"/*.err)"

echo "$((checks - fails)) passed, $fails failed"
[ "$fails" -eq 0 ]
