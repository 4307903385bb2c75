# lib.bash: helpers shared by the conformance scripts (sourced, never run; the name does not
# end in .sh so the suite glob skips it).
#
# Usage (in a script run by test/run-suite.sh, which exports MO_HOST, MO_PORT, MO_PASSWORD):
#   . "$(dirname "$0")/lib.bash"
#   cli root 111 -N -B -e 'show pitr'      # the Debian mariadb CLI as that login
#   expect_eq "what is checked" "$expected" "$actual"
#   finish                                  # prints the counts, exits 1 on any failure
# How it works: every check prints `ok - ...` or `FAIL - ...` with the expected and actual
# text; counters decide the exit code. No check is skipped silently.

export LC_ALL=C
: "${MO_PORT:?MO_PORT must be set (run through test/run-suite.sh)}"
MO_HOST=${MO_HOST:-127.0.0.1}
MO_PASSWORD=${MO_PASSWORD:-111}
conf_pass=0
conf_fail=0
conf_tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-conf.XXXXXX")
trap 'rm -rf "$conf_tmp"' EXIT

# cli LOGIN PASSWORD ARGS...: run the mariadb CLI (no option files) against mosim as LOGIN.
# Prints the CLI's stdout; its stderr goes to $conf_tmp/err; returns the CLI's exit code.
cli() {
    local login=$1 pw=$2
    shift 2
    timeout 60 mariadb --no-defaults -h "$MO_HOST" -P "$MO_PORT" -u "$login" -p"$pw" "$@" \
        2>"$conf_tmp/err"
}

# sys ARGS...: cli as root (sys account, moadmin), batch mode without headers.
sys() { cli root "$MO_PASSWORD" -N -B "$@"; }

# pass MSG / fail MSG EXPECTED ACTUAL: record one result.
pass() {
    conf_pass=$((conf_pass + 1))
    printf 'ok - %s\n' "$1"
}
fail() {
    conf_fail=$((conf_fail + 1))
    printf 'FAIL - %s\n  expected:\n%s\n  actual:\n%s\n' "$1" "$(printf '%s\n' "$2" | sed 's/^/    /')" \
        "$(printf '%s\n' "$3" | sed 's/^/    /')"
}

# expect_eq MSG EXPECTED ACTUAL: exact text comparison.
expect_eq() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "$2" "$3"; fi
}

# expect_match MSG REGEX ACTUAL: extended-regex match of the whole text (grep -E on each line
# would be too weak, so the text is matched as one string with [[ =~ ]]).
expect_match() {
    if [[ $3 =~ $2 ]]; then pass "$1"; else fail "$1" "/$2/" "$3"; fi
}

# expect_rc MSG CODE ACTUAL: exit code comparison.
expect_rc() {
    if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "exit code $2" "exit code $3; stderr: $(cat "$conf_tmp/err")"; fi
}

# errline: the last line of the CLI's stderr (the CLI prints the failing query first in batch
# mode, --print-query-on-error, so the message is the last line).
errline() { grep -v '^$' "$conf_tmp/err" | tail -n1; }

# ok_sql MSG LOGIN PW SQL: the statements must succeed (exit 0).
ok_sql() {
    local out rc
    out=$(cli "$2" "$3" -N -B -e "$4")
    rc=$?
    if [ $rc -eq 0 ]; then pass "$1"; else fail "$1" "success" "exit $rc: $(cat "$conf_tmp/err")"; fi
}

# err_sql MSG LOGIN PW SQL EXPECTED_STDERR_REGEX: the statement must fail with that message.
err_sql() {
    local rc
    cli "$2" "$3" -N -B -e "$4" >/dev/null
    rc=$?
    if [ $rc -ne 0 ] && [[ $(errline) =~ $5 ]]; then
        pass "$1"
    else
        fail "$1" "exit 1, stderr /$5/" "exit $rc, stderr: $(cat "$conf_tmp/err")"
    fi
}

# masked: read SHOW PITR rows (-N -B, tab separated) on stdin and print them with the two
# time columns replaced by T after checking their shape (spec 2.1: YYYY-MM-DD HH:MM:SS), and
# `!` if created > modified. Fields are joined by single spaces.
masked() {
    awk -F'\t' '
    function shape(v) { return v ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9] [0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/ }
    {
        c = shape($2) ? "T" : "BADTIME(" $2 ")"
        m = shape($3) ? "T" : "BADTIME(" $3 ")"
        if (shape($2) && shape($3) && $2 > $3) m = "T!"
        out = $1 " " c " " m
        for (i = 4; i <= NF; i++) out = out " " $i
        if (NF != 9) out = out " (" NF " columns)"
        print out
    }'
}

# finish: print the totals and exit non-zero on any failure.
finish() {
    printf '%d passed, %d failed, 0 skipped\n' "$conf_pass" "$conf_fail"
    [ "$conf_fail" -eq 0 ]
    exit $?
}
