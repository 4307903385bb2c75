# test/clients/lib.bash: helpers shared by the client scripts (sourced, not run).
# The script sets `tmp` (a scratch directory), `fails` and `checks` (counters) first.

# start_mosim PW: start a mosim of the script's own on a free port of 127.0.0.1 (root
# password PW, statement log $tmp/mosim.log; an environment given to the call, e.g.
# `TZ=Asia/Tokyo start_mosim "$PW"`, reaches it). Sets mpid and port, and an EXIT trap that
# stops it and removes $tmp.
start_mosim() {
    "$MOSIM" --port 0 --port-file "$tmp/port" --bind 127.0.0.1 --log "$tmp/mosim.log" \
        --root-password "$1" 2>"$tmp/mosim.err" &
    mpid=$!
    trap 'kill -TERM $mpid 2>/dev/null; wait $mpid 2>/dev/null; rm -rf "$tmp"' EXIT
    for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.05; done
    port=$(cat "$tmp/port")
}

# check DESC WANT GOT: compare two strings.
check() {
    checks=$((checks + 1))
    if [ "$2" == "$3" ]; then
        echo "ok   $1"
    else
        fails=$((fails + 1))
        echo "FAIL $1"
        echo "  expected: $(printf '%s' "$2" | sed 's/^/    /')"
        echo "  actual:   $(printf '%s' "$3" | sed 's/^/    /')"
    fi
}

# check_has DESC NEEDLE HAYSTACK: the haystack contains the needle.
check_has() {
    checks=$((checks + 1))
    if printf '%s' "$3" | grep -qF -- "$2"; then echo "ok   $1"; else
        fails=$((fails + 1)); echo "FAIL $1: '$2' not in:"; printf '%s\n' "$3" | sed 's/^/    /'; fi
}

# check_lacks DESC NEEDLE HAYSTACK: the haystack does not contain the needle.
check_lacks() {
    checks=$((checks + 1))
    if printf '%s' "$3" | grep -qF -- "$2"; then
        fails=$((fails + 1)); echo "FAIL $1: '$2' found in:"; printf '%s\n' "$3" | sed 's/^/    /'
    else echo "ok   $1"; fi
}

# run_remote DESC TEST-TEXT: server-side setup and checks through the runner's remote
# directive (an independent libmariadb connection; no extension involved).
run_remote() {
    printf '%s\n' "$2" >"$tmp/remote.test"
    if "$MOPITR_SLT" --no-ext "$tmp/remote.test" >"$tmp/remote.out" 2>&1; then
        echo "ok   server: $1"
    else
        echo "FAIL server: $1"; sed 's/^/    /' "$tmp/remote.out"; fails=$((fails + 1))
    fi
}
