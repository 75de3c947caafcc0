#!/usr/bin/env bash
# Installs everything Kiln, its tests and its benchmarks need on a fresh Debian machine with Swift.
# Safe to run again: it only installs what is missing.
set -euo pipefail

need_apt=()
[ -e /usr/include/inotifytools/inotifytools.h ] || need_apt+=(libinotifytools0-dev)
command -v inotifywait >/dev/null || need_apt+=(inotify-tools)
command -v bindfs >/dev/null || need_apt+=(bindfs)
command -v fusermount3 >/dev/null || command -v fusermount >/dev/null || need_apt+=(fuse3)
# systemd-analyze verify judges contrib/kiln@.service in the tests (no running systemd needed).
command -v systemd-analyze >/dev/null || need_apt+=(systemd)
# setfacl and getfacl: the permission tests check Kiln's ACLs against them; `kiln doctor` names setfacl in a fix.
command -v setfacl >/dev/null || need_apt+=(acl)
# The shells `kiln activate` and `kiln shell` speak, for the tests that run them for real.
command -v zsh >/dev/null || need_apt+=(zsh)
command -v fish >/dev/null || need_apt+=(fish)
# curl: the web view's tests send their requests with it, exactly as written (--path-as-is).
command -v curl >/dev/null || need_apt+=(curl)
# chromium: the web view's page is loaded in a real, headless browser by the tests.
command -v chromium >/dev/null || need_apt+=(chromium)
# pgrep and pkill: the Slurm tests find and kill a job's processes by their command line, as a node's death would.
command -v pgrep >/dev/null || need_apt+=(procps)
# Slurm and munge, for the Slurm executor's tests: they start a one-node cluster (scripts/slurm-cluster.sh). Without
# their recommended packages, which would bring a mail server among others.
need_apt_slim=()
{ command -v sbatch >/dev/null && command -v slurmctld >/dev/null && command -v slurmd >/dev/null; } ||
    need_apt_slim+=(slurm-wlm)
command -v munged >/dev/null || need_apt_slim+=(munge)
if [ ${#need_apt[@]} -gt 0 ] || [ ${#need_apt_slim[@]} -gt 0 ]; then
    echo "setup: installing ${need_apt[*]} ${need_apt_slim[*]}"
    sudo_=""
    [ "$(id -u)" -eq 0 ] || sudo_="sudo"
    $sudo_ apt-get update -qq
    if [ ${#need_apt[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq "${need_apt[@]}" >/dev/null
    fi
    if [ ${#need_apt_slim[@]} -gt 0 ]; then
        DEBIAN_FRONTEND=noninteractive $sudo_ apt-get install -y -qq --no-install-recommends "${need_apt_slim[@]}" \
            >/dev/null
    fi
fi

# uv, from PyPI, into the Python that `python3` is. Kiln finds the binary itself (PATH, then pyenv's versions).
if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "setup: installing uv from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check uv
    # pyenv makes shims for new commands only when asked.
    if command -v pyenv >/dev/null 2>&1; then pyenv rehash; fi
fi
echo "setup: $(python3 -m uv --version)"

# Jupyter, for the notebook tests: ipykernel and its dependencies as wheels for Python 3.11, downloaded once from
# PyPI into a folder the tests use as find_links (the tests themselves never reach an index), and jupyter_client
# for the `python3` that drives a kernel in the tests.
jupyter_wheels="${KILN_TEST_WHEELS:-$HOME/.cache/kiln-test-wheels/jupyter}"
if [ ! -e "$jupyter_wheels/.complete" ]; then
    echo "setup: downloading ipykernel wheels into $jupyter_wheels"
    mkdir -p "$jupyter_wheels"
    python3 -m pip download --quiet --disable-pip-version-check --only-binary=:all: --python-version 3.11 \
        ipykernel jupyter_client -d "$jupyter_wheels"
    touch "$jupyter_wheels/.complete"
fi
if ! python3 -c 'import jupyter_client' >/dev/null 2>&1; then
    echo "setup: installing jupyter_client from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check jupyter_client
fi

# packaging, the parser pip uses, pinned: the requirement agreement test judges every generated string with it and
# with Kiln (Tests/KilnProtocolTests/RequirementAgreementTests.swift), so a new packaging release changes nothing
# until this line does.
packaging_version=26.4
if [ "$(python3 -c 'import packaging; print(packaging.__version__)' 2>/dev/null)" != "$packaging_version" ]; then
    echo "setup: installing packaging==$packaging_version from PyPI"
    python3 -m pip install --quiet --disable-pip-version-check "packaging==$packaging_version"
fi
