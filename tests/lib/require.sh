# shellcheck shell=bash
# What the test scripts need, installed and checked against tests/min-versions.env.
#
# Sourced by tests/run-all, tests/windows-target-check and tests/interop/run; tested against fake
# package tools and toolchains by tests/install-check. The rule for every Debian package: when it
# is missing or older than required, refresh the package lists if the candidate on offer is
# missing or too old (a fresh machine's lists are as old as its image), install, then check the
# version really installed — and the version the tool itself reports — and stop with what is
# needed, what was found and the command that fixes it.
#
# The commands it runs can be replaced (for the tests): APT_GET, APT_CACHE, DPKG_QUERY, AS_ROOT,
# DEBIAN_RUSTC, DEBIAN_CARGO, DEBIAN_CLIPPY.

REQUIRE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# shellcheck source=../min-versions.env
. "$REQUIRE_ROOT/tests/min-versions.env"

APT_GET=${APT_GET:-apt-get}
APT_CACHE=${APT_CACHE:-apt-cache}
DPKG_QUERY=${DPKG_QUERY:-dpkg-query}
DEBIAN_RUSTC=${DEBIAN_RUSTC:-/usr/bin/rustc}
DEBIAN_CARGO=${DEBIAN_CARGO:-/usr/bin/cargo}
DEBIAN_CLIPPY=${DEBIAN_CLIPPY:-/usr/bin/cargo-clippy}
if [ -z "${AS_ROOT+x}" ]; then
    if [ "$(id -u)" -eq 0 ]; then AS_ROOT=""; else AS_ROOT="sudo"; fi
fi
REQUIRE_REFRESHED=${REQUIRE_REFRESHED:-0}

require_error() { printf 'require: %s\n' "$*" >&2; }

# version_ge A B: A >= B in Debian's version order (upstream versions compare the same way).
version_ge() {
    if command -v dpkg >/dev/null 2>&1; then
        dpkg --compare-versions "$1" ge "$2"
    else
        [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]
    fi
}

# meets VERSION MIN: VERSION is set and at least MIN ("-" means any version).
meets() { [ -n "$1" ] && { [ "$2" = - ] || version_ge "$1" "$2"; }; }

deb_installed() { # package -> installed version, or nothing
    "$DPKG_QUERY" -W -f='${db:Status-Abbrev} ${Version}\n' "$1" 2>/dev/null |
        awk '$1 == "ii" { print $2; exit }' || true
}

deb_candidate() { # package -> the version apt would install now, or nothing
    "$APT_CACHE" policy "$1" 2>/dev/null |
        awk '$1 == "Candidate:" && $2 != "(none)" { print $2; exit }' || true
}

apt_refresh() { # once per run
    [ "$REQUIRE_REFRESHED" = 1 ] && return 0
    echo "require: refreshing the package lists (apt-get update)"
    $AS_ROOT "$APT_GET" update -q || require_error "apt-get update failed"
    REQUIRE_REFRESHED=1
}

apt_install() { # packages...
    echo "require: installing $*"
    $AS_ROOT env DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -q "$@"
}

# require_debs MIN PACKAGE...: every PACKAGE installed at version MIN or newer ("-": any).
require_debs() {
    local min=$1; shift
    local need=() p
    for p in "$@"; do
        meets "$(deb_installed "$p")" "$min" || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    for p in "${need[@]}"; do
        if ! meets "$(deb_candidate "$p")" "$min"; then
            apt_refresh
            break
        fi
    done
    if ! apt_install "${need[@]}" && [ "$REQUIRE_REFRESHED" = 0 ]; then
        # A stale list can name files the mirror no longer has: refresh and try once more.
        apt_refresh
        apt_install "${need[@]}" || true
    fi
    local bad=() v c
    for p in "${need[@]}"; do
        v=$(deb_installed "$p")
        c=$(deb_candidate "$p" || true)
        meets "$v" "$min" || bad+=("$p ${v:-not installed} (apt offers ${c:-nothing})")
    done
    if [ ${#bad[@]} -gt 0 ]; then
        local want="any version"
        [ "$min" = - ] || want="version $min or newer"
        require_error "needed: ${need[*]} at $want"
        require_error "found:  $(printf '%s; ' "${bad[@]}")"
        require_error "fix:    ${AS_ROOT:+$AS_ROOT }apt-get update && ${AS_ROOT:+$AS_ROOT }apt-get install ${need[*]}"
        return 1
    fi
}

# tool_version COMMAND...: the first N.N[.N] that COMMAND prints.
tool_version() {
    { "$@" 2>/dev/null || true; } | grep -oE '[0-9]+\.[0-9]+(\.[0-9]+)?' | head -n1 || true
}

# require_version WHAT MIN FOUND FIX: a version a tool reports, against its minimum.
require_version() {
    local what=$1 min=$2 found=$3 fix=$4
    if [ -z "$found" ]; then
        require_error "needed: $what $min or newer; found: nothing that reports a version"
        require_error "fix:    $fix"
        return 1
    fi
    meets "$found" "$min" && return 0
    require_error "needed: $what $min or newer; found: $found"
    require_error "fix:    $fix"
    return 1
}

# The host toolchain: rustc and cargo on PATH (rustup's), at RUST_MIN or newer.
require_host_rust() {
    local fix="rustup update stable (or install a Rust toolchain $RUST_MIN or newer)"
    require_version "rustc (host build, $(command -v rustc || echo 'not on PATH'))" "$RUST_MIN" \
        "$(tool_version rustc --version)" "$fix" &&
        require_version "cargo (host build)" "$RUST_MIN" "$(tool_version cargo --version)" "$fix"
}

# The Windows build's toolchain: Debian's rustc-web family with the library sources, at
# DEBIAN_RUST_MIN or newer, checked both in dpkg's database and by running the binaries (a stale
# or shadowing binary is caught too).
require_windows_toolchain() {
    require_debs "$DEBIAN_RUST_MIN" rustc-web cargo-web rust-web-src rust-web-clippy || return 1
    local fix="${AS_ROOT:+$AS_ROOT }apt-get update && ${AS_ROOT:+$AS_ROOT }apt-get install rustc-web cargo-web rust-web-src rust-web-clippy"
    local clippy
    # clippy reports 0.1.N for Rust 1.N.
    clippy=$(tool_version "$DEBIAN_CLIPPY" --version | sed -E 's/^0\.1\./1./')
    require_version "Debian rustc ($DEBIAN_RUSTC)" "$DEBIAN_RUST_MIN" "$(tool_version "$DEBIAN_RUSTC" --version)" "$fix" &&
        require_version "Debian cargo ($DEBIAN_CARGO)" "$DEBIAN_RUST_MIN" "$(tool_version "$DEBIAN_CARGO" --version)" "$fix" &&
        require_version "Debian clippy ($DEBIAN_CLIPPY)" "$DEBIAN_RUST_MIN" "$clippy" "$fix"
}

# tshark at TSHARK_MIN or newer; wireshark-common's setuid question answered "no" beforehand.
require_tshark() {
    if ! meets "$(deb_installed tshark)" "$TSHARK_MIN" && command -v debconf-set-selections >/dev/null 2>&1; then
        echo "wireshark-common wireshark-common/install-setuid boolean false" |
            $AS_ROOT debconf-set-selections
    fi
    require_debs "$TSHARK_MIN" tshark || return 1
    require_version "tshark" "$TSHARK_MIN" "$(tool_version tshark --version)" \
        "${AS_ROOT:+$AS_ROOT }apt-get update && ${AS_ROOT:+$AS_ROOT }apt-get install tshark"
}

# PYTHON (default python3) at PYTHON_MIN or newer.
require_python() {
    local py=${1:-python3}
    require_version "Python ($py)" "$PYTHON_MIN" "$(tool_version "$py" --version)" \
        "install Python $PYTHON_MIN or newer as python3 (Debian: apt-get install python3)"
}

# scapy importable by PYTHON at SCAPY_MIN or newer.
require_scapy() {
    local py=$1
    require_version "scapy (in $py)" "$SCAPY_MIN" \
        "$(tool_version "$py" -c 'import scapy; print(scapy.VERSION)')" \
        "pin scapy $SCAPY_MIN or newer in tests/interop/requirements.txt and rerun"
}
