#!/usr/bin/env bash
# run.sh NAME [SECONDS]: build the libFuzzer target test/fuzz/fuzz_NAME.c with clang and
# run it for SECONDS (default 20) over its committed corpus test/fuzz/corpus_NAME/.
#
# Exit 77 (ctest SKIP_RETURN_CODE) when clang or libFuzzer is missing (Debian: packages
# clang and libclang-rt-14-dev). New inputs go to a temporary directory, so the committed
# corpus only changes by hand. A crash, sanitizer report or leak exits non-zero and
# leaves the reproducer in the temporary directory, whose path is printed.
#
# Env: MOPITR_SRC (source root, default: two levels up), CLANG (default clang).
set -u
case ${1:-} in
-h | --help) sed -n '2,/^set -u/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
"") echo "run.sh: usage: test/fuzz/run.sh dsn|row [SECONDS] (try --help)" >&2; exit 2 ;;
-*) echo "run.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
name=$1; secs=${2:-20}
src=${MOPITR_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
cc=${CLANG:-clang}
command -v "$cc" >/dev/null 2>&1 || { echo "run.sh: $cc not found: skipped"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-fuzz-$name.XXXXXX")
echo 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { return 0; }' >"$work/probe.c"
if ! "$cc" -fsanitize=fuzzer "$work/probe.c" -o "$work/probe" >/dev/null 2>&1; then
    echo "run.sh: $cc has no libFuzzer (Debian: libclang-rt-14-dev): skipped"
    rm -rf "$work"; exit 77
fi
case "$name" in
dsn) mods="ext/err.c ext/dsn.c" ;;
row) mods="ext/err.c ext/value.c" ;;
rwlist) mods="ext/err.c ext/value.c ext/window.c ext/rwlist.c" ;;
*) echo "run.sh: unknown target $name" >&2; exit 2 ;;
esac
srcs=()
for m in $mods; do srcs+=("$src/$m"); done
if ! "$cc" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -DMOPITR_UNIT_TEST -I"$src/include" -I"$src/ext" "${srcs[@]}" \
    "$src/test/fuzz/fuzz_$name.c" -lsqlite3 -o "$work/fuzz_$name"; then
    echo "run.sh: build of fuzz_$name failed" >&2; exit 1
fi
mkdir -p "$work/new"
"$work/fuzz_$name" -max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 \
    -artifact_prefix="$work/" "$work/new" "$src/test/fuzz/corpus_$name" 2>"$work/log"
rc=$?
tail -n 3 "$work/log"
if [ $rc -ne 0 ]; then
    echo "run.sh: fuzz_$name failed (exit $rc); log and reproducer kept in $work" >&2
    grep -m 20 -E 'ERROR|SUMMARY|runtime error|abort' "$work/log" >&2
    exit 1
fi
rm -rf "$work"
exit 0
