#!/usr/bin/env bash
# Installs the Debian packages vaglio needs that are missing, and nothing else.
# Sourced by deploy/local.sh and tests/run.sh; usage: vg_install_packages [extra...]
# libhs comes from Hyperscan on x86-64 and from Vectorscan elsewhere (same API).

vg_install_packages() {
    local want=(build-essential cmake pkg-config libevent-dev libssl-dev libjansson-dev
                libhiredis-dev redis-server openssl ca-certificates "$@")
    case "$(dpkg --print-architecture 2>/dev/null)" in
        amd64) want+=(libhyperscan-dev) ;;
        *)     want+=(libvectorscan-dev) ;;
    esac
    local missing=()
    for p in "${want[@]}"; do
        # libhs from either package satisfies the need for the other.
        if [ "$p" = libhyperscan-dev ] || [ "$p" = libvectorscan-dev ]; then
            pkg-config --exists libhs 2>/dev/null && continue
        fi
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "vaglio: installing missing packages: ${missing[*]}"
    if [ "$(id -u)" -ne 0 ]; then
        echo "vaglio: need root to install packages (run as root or install them: ${missing[*]})" >&2
        return 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || { echo "vaglio: apt-get update failed" >&2; return 1; }
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
        || { echo "vaglio: apt-get install failed: ${missing[*]}" >&2; return 1; }
    # Debian starts the packaged services; vaglio runs its own private ones.
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
        systemctl disable --now redis-server >/dev/null 2>&1 || true
        systemctl disable --now nginx >/dev/null 2>&1 || true
    fi
}
