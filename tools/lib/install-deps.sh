#!/usr/bin/env bash
# Installs what Isotherm needs on a fresh Debian 12 machine, and puts Swift on PATH.
#
# Source it (`source tools/lib/install-deps.sh; isotherm_install_deps`) so the PATH change reaches
# the caller, or run it directly to install only. Needs root, or sudo; otherwise it fails and lists
# what to install.

# The Debian packages the build and tests need: lz4 and libpq/libcrypto headers for the system
# library targets, pkg-config to find them, the lz4 CLI for fixtures, PostgreSQL 15 for the
# throwaway test cluster, python3-cryptography to cross-check request signing with Kalshi's SDK code.
ISOTHERM_APT_PACKAGES=(liblz4-dev libpq-dev libssl-dev pkg-config lz4 postgresql-15 python3-cryptography)

# Where the Swift toolchain lives on this kind of machine.
ISOTHERM_SWIFT_BIN=/opt/swift/usr/bin

isotherm_install_deps() {
    local missing=() pkg
    for pkg in "${ISOTHERM_APT_PACKAGES[@]}"; do
        if ! dpkg -s "$pkg" >/dev/null 2>&1; then
            missing+=("$pkg")
        fi
    done

    if ((${#missing[@]} == 0)); then
        echo "deps: all present (${ISOTHERM_APT_PACKAGES[*]})"
    else
        echo "deps: missing: ${missing[*]}"
        local sudo=()
        if ((EUID != 0)); then
            if command -v sudo >/dev/null 2>&1; then
                sudo=(sudo)
            else
                echo "deps: error: not root and no sudo; as root run:" >&2
                echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
                return 1
            fi
        fi
        echo "deps: ${sudo[*]:+${sudo[*]} }apt-get update"
        "${sudo[@]}" apt-get update -q
        echo "deps: ${sudo[*]:+${sudo[*]} }apt-get install -y ${missing[*]}"
        "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
    fi

    isotherm_ensure_swift
}

# Puts the toolchain on PATH when `swift` is not found there.
isotherm_ensure_swift() {
    if ! command -v swift >/dev/null 2>&1; then
        if [[ -x "$ISOTHERM_SWIFT_BIN/swift" ]]; then
            echo "deps: adding $ISOTHERM_SWIFT_BIN to PATH"
            export PATH="$ISOTHERM_SWIFT_BIN:$PATH"
        else
            echo "deps: error: swift is not on PATH and not at $ISOTHERM_SWIFT_BIN" >&2
            return 1
        fi
    fi
    echo "deps: $(swift --version 2>/dev/null | head -n 1)"
}

# Run directly: install, and fail loudly.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
    isotherm_install_deps
fi
