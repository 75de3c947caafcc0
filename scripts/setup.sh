#!/usr/bin/env bash
# Installs everything Kiln, its tests and its benchmarks need on a fresh Debian machine with Swift.
# Safe to run again: it only installs what is missing.
set -euo pipefail

need_apt=()
[ -e /usr/include/inotifytools/inotifytools.h ] || need_apt+=(libinotifytools0-dev)
command -v inotifywait >/dev/null || need_apt+=(inotify-tools)
command -v bindfs >/dev/null || need_apt+=(bindfs)
command -v fusermount3 >/dev/null || command -v fusermount >/dev/null || need_apt+=(fuse3)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]}"
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# uv, from PyPI. pyenv's shim answers only for the global version, so check for a real binary.
if ! uv --version >/dev/null 2>&1; then
    echo "setup: installing uv from PyPI"
    python3 -m pip install --quiet uv
fi
uv --version
