#!/usr/bin/env bash
# test/package/install.sh: the .deb packages install cleanly, work from where they put
# things, and remove cleanly (issue 17).
#
# Usage: test/package/install.sh [DIST-DIR]     (as root; scripts/test runs it)
#   DIST-DIR      where scripts/package put the packages (default build-package/dist)
#   -h, --help    this text
#
# Covers, outside the root: the packages are named after the version CMakeLists.txt
# defines (project(VERSION)); every shared library a packaged binary needs (NEEDED) belongs
# to a package its Depends line names (dpkg-shlibdeps computed it; nothing typed by hand);
# `cmake --install` of the packages' build tree (prefix /usr) into a DESTDIR puts exactly
# the packages' files in the same places.
# Then, inside a throw-away root (an overlay of this machine's / in a private mount
# namespace, entered with chroot: the real system is never written to):
#   1. dpkg -i mo-pitr and mo-pitr-mosim (no --force): both configured;
#   2. the stock /usr/bin/sqlite3 loads the extension by name (`.load mo_pitr`, no path),
#      and mo_pitr_version() is the package version;
#   3. Debian's /usr/bin/python3 loads it by name and by its installed path;
#   4. a smoke tour against the installed /usr/bin/mosim: connect (password from
#      MO_PASSWORD), INSERT, SELECT, UPDATE, DELETE a PITR, each checked through the
#      mariadb CLI (an independent connection), and no password in anything printed;
#   5. dpkg --purge of both: no file of either package is left, `.load mo_pitr` fails
#      again, and the overlay's record of changes holds nothing outside dpkg's own
#      database and log (so no file was left anywhere).
# Exit status: 0 all passed, 1 a check failed, 77 skipped (not root, or no mount
# namespace / overlayfs here: says why), 2 bad usage.
set -u -o pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
case ${1:-} in
-h | --help) sed -n '2,/^[^#]/p' "$0" | sed '/^[^#]/d; s/^# \{0,1\}//'; exit 0 ;;
-*) echo "install.sh: unknown option $1 (try --help)" >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "install.sh: one directory at most (try --help)" >&2; exit 2; }
dist=${1:-$root/build-package/dist}
fails=0 checks=0

ok() { checks=$((checks + 1)); echo "ok   $1"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/    /'; }

[ "$(id -u)" -eq 0 ] || { echo "install.sh: skipped: needs root (dpkg -i)"; exit 77; }
for t in unshare mount chroot dpkg dpkg-deb readelf; do
    command -v "$t" >/dev/null || { echo "install.sh: skipped: $t is missing"; exit 77; }
done

version=$(sed -n 's/^project(mo_pitr VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
arch=$(dpkg --print-architecture)
deb=$dist/mo-pitr_${version}_$arch.deb
mosim_deb=$dist/mo-pitr-mosim_${version}_$arch.deb
for f in "$deb" "$mosim_deb"; do
    [ -f "$f" ] || { bad "package $f exists (run scripts/package first)"; echo "install: $checks checks, $fails failed"; exit 1; }
done
ok "packages named after the CMake version $version: $(basename "$deb") $(basename "$mosim_deb")"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] && ok "mo-pitr Version: $version" ||
    bad "mo-pitr Version" "$(dpkg-deb -f "$deb" Version)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- dependencies: every NEEDED library comes from a package named in Depends ----------
# check_depends DEB: for each ELF file in DEB, its NEEDED sonames are resolved on this
# machine (ldd) to the package that owns them, which must be named in DEB's Depends.
check_depends() {
    local f=$1 x=$tmp/x.$$ depends so path owner missing=""
    rm -rf "$x"; mkdir -p "$x"
    dpkg-deb -x "$f" "$x"
    depends=$(dpkg-deb -f "$f" Depends)
    while IFS= read -r elf; do
        for so in $(readelf -d "$elf" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
            path=$(ldd "$elf" | awk -v s="$so" '$1 == s && $2 == "=>" { print $3; exit }
                $1 ~ "/" s "$" { print $1; exit }')
            [ -n "$path" ] || { missing+="$so (not found) "; continue; }
            owner=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -n 1 | cut -d: -f1)
            [ -n "$owner" ] || owner=$(dpkg -S "$path" 2>/dev/null | head -n 1 | cut -d: -f1)
            if printf '%s' "$depends" | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -qx "$owner"; then
                echo "    $(basename "$elf"): $so <- $owner"
            else
                missing+="$so (from $owner) "
            fi
        done
    done < <(find "$x" -type f -exec sh -c 'head -c 4 "$1" | grep -q "ELF" && echo "$1"' _ {} \;)
    if [ -z "$missing" ]; then
        ok "$(basename "$f"): Depends ($depends) covers every NEEDED library"
    else
        bad "$(basename "$f"): Depends ($depends) lacks $missing"
    fi
    rm -rf "$x"
}
check_depends "$deb"
check_depends "$mosim_deb"
printf '%s' "$(dpkg-deb -f "$deb" Depends)" | grep -q 'libmariadb3' &&
    printf '%s' "$(dpkg-deb -f "$deb" Depends)" | grep -q 'libsqlite3-0' &&
    ok "mo-pitr depends on libmariadb3 and libsqlite3-0" ||
    bad "mo-pitr depends on libmariadb3 and libsqlite3-0" "$(dpkg-deb -f "$deb" Depends)"

# ---- cmake --install puts the same files where the packages do -----------------------------
# The packages' build tree (scripts/package: DIST-DIR is BUILD/dist, prefix /usr) installed
# into a DESTDIR, the default component and then mosim's, gives exactly the files of the two
# packages.
build=$(dirname "$dist")
if [ -f "$build/CMakeCache.txt" ] && command -v cmake >/dev/null; then
    d=$tmp/destdir
    if DESTDIR=$d cmake --install "$build" >"$tmp/install.log" 2>&1 &&
        DESTDIR=$d cmake --install "$build" --component mosim >>"$tmp/install.log" 2>&1; then
        got=$(cd "$d" && find . ! -type d | sort)
        want=$( (dpkg-deb -c "$deb"; dpkg-deb -c "$mosim_deb") | awk '$1 !~ /^d/ { print $6 }' | sort)
        [ "$got" = "$want" ] &&
            ok "cmake --install (prefix /usr, + --component mosim) installs the packages' $(echo "$got" | wc -l) files" ||
            bad "cmake --install installs what the packages hold" "$(diff <(echo "$want") <(echo "$got"))"
        [ -f "$d/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)/mo_pitr.so" ] &&
            ok "cmake --install: mo_pitr.so in /usr/lib/<multiarch>/" || bad "cmake --install: mo_pitr.so location" "$got"
    else
        bad "cmake --install into a DESTDIR" "$(cat "$tmp/install.log")"
    fi
fi

# ---- the throw-away root ------------------------------------------------------------------
if ! unshare -m --propagation private true 2>/dev/null; then
    echo "install.sh: skipped the install checks: no private mount namespace here (unshare -m)"
    echo "install: $checks checks, $fails failed"
    [ $fails -eq 0 ] && exit 77 || exit 1
fi
mkdir -p "$tmp/upper" "$tmp/work" "$tmp/root"
mkdir -p "$tmp/upper/tmp/mopitr-install"
cp "$deb" "$mosim_deb" "$tmp/upper/tmp/mopitr-install/"
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

# The part that runs inside the root. Prints ok/FAIL lines; exit 1 on a failed check.
cat >"$tmp/upper/tmp/mopitr-install/inner.sh" <<'EOF_INNER'
set -u
cd /tmp/mopitr-install
version=$1 multiarch=$2
fails=0
ok() { echo "ok   $1"; }
bad() { fails=$((fails + 1)); echo "FAIL $1"; [ -z "${2:-}" ] || printf '%s\n' "$2" | sed 's/^/    /'; }
export MO_PASSWORD='Inst-Pw-7q3Zx'   # distinctive: must appear nowhere in the output
seen=$PWD/seen.txt; : >"$seen"
keep() { printf '%s\n' "$1" >>"$seen"; printf '%s' "$1"; }

# 1. install
if out=$(dpkg -i ./mo-pitr_*.deb ./mo-pitr-mosim_*.deb 2>&1); then
    ok "dpkg -i mo-pitr mo-pitr-mosim"
else
    bad "dpkg -i mo-pitr mo-pitr-mosim" "$out"; exit 1
fi
for p in mo-pitr mo-pitr-mosim; do
    st=$(dpkg-query -W -f='${Status} ${Version}' "$p" 2>&1)
    [ "$st" = "install ok installed $version" ] && ok "$p: $st" || bad "$p status" "$st"
done
so=/usr/lib/$multiarch/mo_pitr.so
[ -f "$so" ] && dpkg -S "$so" >/dev/null 2>&1 && ok "mo-pitr owns $so" || bad "mo-pitr owns $so"
[ -x /usr/bin/mosim ] && ok "mo-pitr-mosim owns /usr/bin/mosim" || bad "/usr/bin/mosim"

# 2. the stock sqlite3 shell, by name
out=$(keep "$(/usr/bin/sqlite3 :memory: '.load mo_pitr' 'SELECT mo_pitr_version();' 2>&1)")
case $out in
"$version (libmariadb "*) ok "sqlite3: .load mo_pitr (no path): $out" ;;
*) bad "sqlite3: .load mo_pitr; mo_pitr_version() starts with $version" "$out" ;;
esac

# 3. Debian's python3, by name and by installed path
cat >./load.py <<'EOF_PY'
import sqlite3, sys
version, so = sys.argv[1:]
for how in ("mo_pitr", so):
    db = sqlite3.connect(":memory:")
    db.enable_load_extension(True)
    db.load_extension(how)
    db.enable_load_extension(False)
    got = db.execute("SELECT mo_pitr_version()").fetchone()[0]
    print(("ok   " if got.startswith(version + " (libmariadb ") else "FAIL ") +
          "python3: load_extension(%r): %s" % (how, got))
EOF_PY
out=$(keep "$(/usr/bin/python3 ./load.py "$version" "$so" 2>&1)")
if [ "$(printf '%s\n' "$out" | grep -c '^ok ')" = 2 ]; then printf '%s\n' "$out"
else bad "python3: load_extension by name and by path" "$out"; fi

# 4. smoke tour against the installed mosim
/usr/bin/mosim --port 0 --port-file ./port --root-password "$MO_PASSWORD" 2>./mosim.err &
mpid=$!
for _ in $(seq 100); do [ -s ./port ] && break; sleep 0.05; done
port=$(cat ./port 2>/dev/null)
if [ -z "$port" ]; then
    bad "installed mosim starts" "$(cat ./mosim.err)"
else
    ok "installed /usr/bin/mosim listens on 127.0.0.1:$port"
    remote() { MYSQL_PWD=$MO_PASSWORD mariadb --no-defaults --protocol=TCP -h 127.0.0.1 \
        -P "$port" -u root -N -B -e "$1" 2>&1; }
    remote "CREATE DATABASE tour_db" >/dev/null
    tour() { /usr/bin/sqlite3 -bail :memory: ".load mo_pitr" \
        "SELECT mo_connect('mysql://root@127.0.0.1:$port') IS NOT NULL;" "$@" 2>&1; }
    out=$(keep "$(tour "INSERT INTO mo_pitr(name, level, database_name, range_value, range_unit) VALUES ('tour_p', 'database', 'tour_db', 7, 'd');" \
        "SELECT name, level, database_name, range_value, range_unit FROM mo_pitr;")")
    [ "$out" = "1
tour_p|database|tour_db|7|d" ] && ok "tour: INSERT and SELECT" || bad "tour: INSERT and SELECT" "$out"
    out=$(keep "$(remote "SHOW PITR" | cut -f1,4,6,8,9)")
    [ "$out" = "tour_p	database	tour_db	7	d" ] && ok "server (mariadb CLI): tour_p created" ||
        bad "server: tour_p created" "$out"
    out=$(keep "$(tour "UPDATE mo_pitr SET range_value = 2, range_unit = 'mo' WHERE name = 'tour_p';")")
    [ "$out" = 1 ] && [ "$(remote "SHOW PITR" | cut -f1,8,9)" = "tour_p	2	mo" ] &&
        ok "tour: UPDATE (server shows 2 mo)" || bad "tour: UPDATE" "$out $(remote 'SHOW PITR')"
    out=$(keep "$(tour "DELETE FROM mo_pitr WHERE name = 'tour_p';" "SELECT count(*) FROM mo_pitr;")")
    [ "$out" = "1
0" ] && [ -z "$(remote "SHOW PITR")" ] && ok "tour: DELETE (server shows no PITR)" ||
        bad "tour: DELETE" "$out"
    out=$(keep "$(tour "SELECT mo_connect('mysql://root:wrong@127.0.0.1:$port', 'x');")")
    case $out in *"mo_pitr: cannot connect to root@127.0.0.1:$port"*) ok "tour: a bad password is refused by name, not shown" ;;
    *) bad "tour: bad password error" "$out" ;; esac
    kill -TERM "$mpid"; wait "$mpid"; st=$?
    [ $st -eq 0 ] && ok "mosim stops cleanly" || bad "mosim exit status $st" "$(cat ./mosim.err)"
fi
if grep -qF -- "$MO_PASSWORD" "$seen"; then bad "the password appears in what was printed"; else
    ok "the password appears in nothing printed"; fi

# 5. purge
files=$(dpkg -L mo-pitr mo-pitr-mosim 2>/dev/null | while IFS= read -r f; do
    [ -d "$f" ] || echo "$f"; done)
if out=$(dpkg --purge mo-pitr mo-pitr-mosim 2>&1); then ok "dpkg --purge mo-pitr mo-pitr-mosim"
else bad "dpkg --purge" "$out"; fi
left=$(for f in $files; do [ -e "$f" ] && echo "$f"; done)
[ -z "$left" ] && ok "no file of either package is left ($(echo "$files" | wc -l) files removed)" ||
    bad "files left after purge" "$left"
for d in /usr/share/doc/mo-pitr /usr/share/doc/mo-pitr-mosim; do
    [ -e "$d" ] && bad "$d left after purge" || ok "$d removed"
done
st=$(dpkg-query -W -f='${Status}' mo-pitr 2>&1)
case $st in *"not-installed"* | *"no packages found"*) ok "dpkg: mo-pitr is not installed" ;;
*) bad "dpkg status after purge" "$st" ;; esac
out=$(/usr/bin/sqlite3 :memory: '.load mo_pitr' 2>&1)
case $out in *"cannot open shared object"*) ok "after purge .load mo_pitr fails: $out" ;;
*) bad "after purge .load mo_pitr still works?" "$out" ;; esac
exit $((fails > 0))
EOF_INNER

# Run it: a private mount namespace, / overlaid (changes go to $tmp/upper), chroot.
unshare -m --propagation private bash -c '
    set -e
    t=$1
    mount -t overlay overlay -o "lowerdir=/,upperdir=$t/upper,workdir=$t/work" "$t/root"
    mount -t proc proc "$t/root/proc"
    mount --rbind /dev "$t/root/dev"
    set +e
    env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        chroot "$t/root" /bin/bash /tmp/mopitr-install/inner.sh "$2" "$3"
    echo $? >"$t/inner.rc"
' _ "$tmp" "$version" "$multiarch" >"$tmp/inner.out" 2>&1
inner_rc=$(cat "$tmp/inner.rc" 2>/dev/null || echo 99)
sed -n '/^ok \|^FAIL\|^    /p' "$tmp/inner.out"
n=$(grep -c '^ok \|^FAIL' "$tmp/inner.out")
nf=$(grep -c '^FAIL' "$tmp/inner.out")
checks=$((checks + n)) fails=$((fails + nf))
if [ "$inner_rc" != 0 ] && [ "$nf" -eq 0 ]; then
    bad "the install checks ran to the end (status $inner_rc)" "$(tail -n 20 "$tmp/inner.out")"
fi

# What the root's overlay recorded: after the purge, only dpkg's own state and log (and
# the test's files in /tmp, the shell's and python's caches) may have changed.
changed=$(cd "$tmp/upper" && find . \( -type f -o -type l -o -type c \) |
    grep -v '^\./tmp/\|^\./var/lib/dpkg/\|^\./var/log/\|^\./root/\|^\./var/cache/ldconfig/\|^\./etc/ld\.so\.cache$' |
    sort)
[ -z "$changed" ] && ok "nothing left outside dpkg's database and log (overlay upper layer)" ||
    bad "files left or changed by install + purge" "$changed"
[ -e "/usr/lib/$multiarch/mo_pitr.so" ] && [ -z "$(dpkg -S "/usr/lib/$multiarch/mo_pitr.so" 2>/dev/null)" ] &&
    bad "the real system got /usr/lib/$multiarch/mo_pitr.so" || ok "the real system was not written to"

echo "install: $checks checks, $fails failed"
[ $fails -eq 0 ]
