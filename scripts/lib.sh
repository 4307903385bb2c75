# scripts/lib.sh: shared helpers for scripts/demo, scripts/test, scripts/bench and
# scripts/package. Sourced, not run. Installs what is missing (Debian packages) and builds
# the project.

MOPITR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The mosim that mopitr_start_mosim started, if any: never one named by the environment.
MOSIM_PID= MOSIM_STATE=

# Debian packages the project needs, by purpose. The demo installs BUILD and RUN only
# (it builds the extension and mosim, then runs the sqlite3 shell and the mariadb CLI);
# the tests install everything (MOPITR_PACKAGES); scripts/package adds PACKAGE.
MOPITR_PKG_BUILD=(cmake make gcc pkg-config libsqlite3-dev libmariadb-dev libssl-dev)
MOPITR_PKG_RUN=(sqlite3 mariadb-client)
MOPITR_PKG_TEST=(libcmocka-dev openssl python3 python3-pymysql valgrind clang-format cppcheck
                 procps time clang libclang-rt-14-dev gnuplot-nox)
MOPITR_PKG_PACKAGE=(dpkg-dev file)
MOPITR_PACKAGES=("${MOPITR_PKG_BUILD[@]}" "${MOPITR_PKG_RUN[@]}" "${MOPITR_PKG_TEST[@]}"
                 "${MOPITR_PKG_PACKAGE[@]}")

log() { printf '%s\n' "$*" >&2; }

# mopitr_usage FILE: print the comment block at the top of FILE (after the #! line, up to
# the first line that is not a comment) without the leading "# ": every script's --help.
mopitr_usage() {
    sed -n '2,/^[^#]/p' "$1" | sed '/^[^#]/d; s/^# \{0,1\}//; s/^#$//'
}

# mopitr_install_deps [extra packages...]: apt-get install whatever is missing of
# MOPITR_PACKAGES (everything: build, run, test, package) and the extras.
mopitr_install_deps() {
    mopitr_install_pkgs "${MOPITR_PACKAGES[@]}" "$@"
}

# mopitr_install_pkgs PACKAGE...: apt-get install whichever of these is missing.
mopitr_install_pkgs() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing missing packages: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { log "need root (or sudo) to install: ${missing[*]}"; return 1; }
        sudo=(sudo)
    fi
    export DEBIAN_FRONTEND=noninteractive
    if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
        "${sudo[@]}" apt-get update -q >/dev/null || return 1
        "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null ||
            return 1
    fi
}

# mopitr_build DIR [cmake args...]: configure (once) and build everything into DIR.
mopitr_build() {
    local dir=$1; shift
    cmake -S "$MOPITR_ROOT" -B "$dir" "$@" >/dev/null || return 1
    cmake --build "$dir" -j"$(nproc)" >/dev/null 2>"$dir/build.log" || {
        cat "$dir/build.log" >&2
        return 1
    }
}

# mopitr_start_mosim DIR: start mosim from build dir DIR on a free port; sets MOSIM_PID,
# MO_PORT. The caller stops it with mopitr_stop_mosim.
mopitr_start_mosim() {
    local build=$1 state
    state=$(mktemp -d "${TMPDIR:-/tmp}/mopitr-mosim.XXXXXX")
    MOSIM_STATE=$state
    # setsid: its own session, so a Ctrl-C meant for the caller's foreground program (the
    # demo's sqlite3 shell) does not stop it; the caller stops it with mopitr_stop_mosim.
    setsid "$build/mosim" --port 0 --port-file "$state/port" --bind 127.0.0.1 \
        --log "$state/mosim.log" ${MOSIM_ARGS:-} 2>"$state/mosim.err" &
    MOSIM_PID=$!
    local _
    for _ in $(seq 100); do
        [ -s "$state/port" ] && break
        kill -0 "$MOSIM_PID" 2>/dev/null || break
        sleep 0.05
    done
    if [ ! -s "$state/port" ]; then
        log "mosim did not start:"; cat "$state/mosim.err" >&2; return 1
    fi
    MO_PORT=$(cat "$state/port")
}

mopitr_stop_mosim() {
    [ -n "${MOSIM_PID:-}" ] && kill -TERM "$MOSIM_PID" 2>/dev/null && wait "$MOSIM_PID" 2>/dev/null
    [ -n "${MOSIM_STATE:-}" ] && rm -rf "$MOSIM_STATE"
    MOSIM_PID=
}
