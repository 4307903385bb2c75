#!/usr/bin/env bash
# scripts_help.sh: every script a user runs answers --help and refuses an unknown option
# (issue 13, item 5).
#
# Covers: each executable in scripts/ (lib.sh is sourced, not run), .ci/run,
# test/run-suite.sh, test/package/install.sh, test/fuzz/run.sh and
# test/bench/profile-scan.sh: `--help` exits 0 at once (within 20 s, before installing,
# building or starting anything) and prints text naming the script; `--no-such-option`
# exits 2 and names the option on stderr.
#
# Run by test/run-suite.sh (its mosim is not used).
set -u
src=${MOPITR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-help.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
fails=0
checks=0
. "$(dirname "$0")/lib.bash"

scripts=()
for f in "$src"/scripts/*; do
    [ "$(basename "$f")" = lib.sh ] && continue
    scripts+=("$f")
done
scripts+=("$src/.ci/run" "$src/test/run-suite.sh" "$src/test/package/install.sh"
          "$src/test/fuzz/run.sh" "$src/test/bench/profile-scan.sh")
for f in "${scripts[@]}"; do
    rel=${f#"$src"/}
    [ -f "$f" ] || { check "$rel exists" yes no; continue; }
    out=$(cd "$tmp" && timeout 20 bash "$f" --help 2>&1); rc=$?
    check "$rel --help: exit 0" 0 "$rc"
    check_has "$rel --help: names the script" "$(basename "$f")" "$out"
    out=$(cd "$tmp" && timeout 20 bash "$f" --no-such-option 2>&1 >/dev/null); rc=$?
    check "$rel --no-such-option: exit 2" 2 "$rc"
    check_has "$rel --no-such-option: says which" "--no-such-option" "$out"
done
echo "scripts_help.sh: $checks checks, $fails failed"
[ "$fails" -eq 0 ]
