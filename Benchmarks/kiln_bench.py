#!/usr/bin/env python3
"""Kiln's benchmarks: the real release `kiln serve` on temporary workspaces, each measure against a reference
tool run in the same run, on the same tree or the same specs. Standard library only.

usage: kiln_bench.py --kiln PATH [--smoke] [--out FILE] [--repo DIR] [--only MEASURE,...] [--keep]

Prints a markdown table (measure, Kiln, reference, ratio, target, verdict) and writes it, with the machine it ran on
and the details of every measure, to --out. A smoke run (small sizes, short durations) only checks that the suite
runs end to end: it prints the figures and ratios it measured, labelled as a smoke run, with no target and no
verdict (at smoke sizes they would read as failures that mean nothing), and it never fails on a timing. Any run
exits non-zero when something is broken (the daemon never reached a state it had to reach, a reference tool failed,
a steady workspace was not steady).
"""
import argparse
import ctypes
import ctypes.util
import hashlib
import json
import math
import os
import platform
import re
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
MAKE_WHEELS = os.path.join(HERE, "..", "Tests", "KilnIntegrationTests", "Fixtures", "make_wheels.py")
CLK_TCK = os.sysconf("SC_CLK_TCK")

# Sizes. The full run is what the issue asks for; the smoke run is for CI and only proves the suite runs.
FULL = dict(saves=1000, envs=10_000, idle=60.0, rescans=5, rescan_interval="2s", startups=5, build_rounds=5,
            pip_rounds=3, burst=1000, find_runs=5, example_rounds=7, disk_envs=20, slurm_rounds=5)
SMOKE = dict(saves=50, envs=200, idle=3.0, rescans=2, rescan_interval="1s", startups=3, build_rounds=1,
             pip_rounds=1, burst=5, find_runs=3, example_rounds=1, disk_envs=3, slurm_rounds=1)
# What --only selects from, in the order a full run takes them.
MEASURES = ["reaction", "steady", "builds", "burst", "example", "disk", "web", "slurm"]
# Selectable with --only, but not part of a full run (steady measures the same and more).
ONLY_MEASURES = ["startup"]
# Journal lines per environment in the steady tree: a realistic history (queued, building, ready, submitted,
# rejected back to draft/), so a start reads a journal of the size a workspace of that many names has.
JOURNAL_PER_ENV = 5
SETTLE = "10ms"
SETTLE_MS = 10.0

# The tiny wheels every build installs (no index is ever used).
WHEELS = [
    "kiln-demo-greet==1.0.0",
    "kiln-demo-greet==1.1.0",
    "kiln-demo-report==2.1.0:kiln-demo-greet>=1.0",
    "kiln-demo-plot==0.3.0",
    "kiln-demo-stats==1.2.0",
]
# The build measure's specs: one library, one with a dependency, three libraries.
# Two invalid specs with different messages, saved in turn by the reaction measures: each save changes the status,
# and nothing is ever built.
INVALID_VARIANTS = [
    b'base = "python:3.11"\nlibrarys = ["kiln-demo-greet==1.0.0"]\n',
    b'base = "python:3.11"\nlibraries = "kiln-demo-greet==1.0.0"\n',
]
BUILD_SPECS = [
    ("one-lib", ["kiln-demo-greet==1.0.0"]),
    ("lib-with-dep", ["kiln-demo-report==2.1.0"]),
    ("three-libs", ["kiln-demo-greet==1.1.0", "kiln-demo-plot==0.3.0", "kiln-demo-stats==1.2.0"]),
]
SEED_LIBS = ["kiln-demo-greet==1.0.0"]
# A source distribution whose build sleeps (make_wheels.py --slow-build): a build that runs through the web measure.
SLOW_LIB = "kiln-demo-slow==1.0.0"
BURST_LIBS = ["kiln-demo-greet==1.0.0"]

# The product's own example (issue 8), with `numpy<2` so that it works: real wheels, downloaded once from PyPI into a
# folder outside the repository (KILN_BENCH_WHEELS, else ~/.cache/kiln-bench-wheels/pandas), then used as find_links
# with no index, by Kiln and raw uv alike. Its `numpy<2` is also the large library that the disk measure shares.
EXAMPLE_PYTHON = "3.10"
EXAMPLE_LIBS = ["pandas==1.5.3", "scikit-learn==1.3.0", "numpy<2"]
EXAMPLE_IMPORTS = ["numpy", "pandas", "sklearn"]
LARGE_LIB, LARGE_IMPORT = "numpy<2", "numpy"
# A smoke run never reaches PyPI: the same measures on the tiny wheels, with the suite's Python.
SMOKE_EXAMPLE_LIBS = ["kiln-demo-greet==1.1.0", "kiln-demo-plot==0.3.0", "kiln-demo-stats==1.2.0"]
SMOKE_EXAMPLE_IMPORTS = ["kiln_demo_greet", "kiln_demo_plot", "kiln_demo_stats"]
SMOKE_LARGE_LIB, SMOKE_LARGE_IMPORT = "kiln-demo-greet==1.0.0", "kiln_demo_greet"
# The disk measure's small distinct library per environment (tiny wheels, made with the others).
DISK_EXTRAS = [f"kiln-bench-extra-{i:02d}==1.0.0" for i in range(FULL["disk_envs"])]


class Broken(Exception):
    """The suite cannot measure: something did not happen that had to."""


def now():
    return time.perf_counter_ns()


def ms(ns):
    return ns / 1e6


def percentile(values, p):
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def spec_text(libs, comment=None, version="3.11"):
    lines = [f"# {comment}"] if comment else []
    lines.append(f'base = "python:{version}"')
    lines.append("libraries = [" + ", ".join(f'"{lib}"' for lib in libs) + "]")
    return ("\n".join(lines) + "\n").encode()


def save(directory, data):
    """Saves spec.toml as most editors and `sed -i` do: write a temporary file, rename it over. Returns the time
    taken just before the rename."""
    os.makedirs(directory, exist_ok=True)
    temp = os.path.join(directory, ".spec.toml.swp")
    with open(temp, "wb") as f:
        f.write(data)
    t = now()
    os.rename(temp, os.path.join(directory, "spec.toml"))
    return t


def read_status(env_dir):
    """The status file as a dict of its top-level `key = value` lines (values unquoted); None if absent."""
    try:
        with open(os.path.join(env_dir, "status"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(" = ")
        if sep:
            fields[key.strip()] = value.strip().strip('"')
    return fields


def run(args, **kwargs):
    """Runs a tool to its end; a failure is a broken suite, with the tool's output."""
    r = subprocess.run(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)
    if r.returncode != 0:
        raise Broken(f"{' '.join(args)} exited {r.returncode}:\n{r.stdout[-3000:]}")
    return r.stdout


class Inotify:
    """inotify(7) through ctypes: the observer that times Kiln's status writes."""

    IN_CLOSE_WRITE = 0x08
    IN_MOVED_TO = 0x80
    IN_CLOEXEC = 0o2000000
    HEADER = struct.Struct("iIII")

    def __init__(self):
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        self._add = libc.inotify_add_watch
        self._add.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32]
        self.fd = libc.inotify_init1(self.IN_CLOEXEC)
        if self.fd < 0:
            raise Broken(f"inotify_init1: {os.strerror(ctypes.get_errno())}")
        self.paths = {}

    def watch(self, path, mask):
        wd = self._add(self.fd, os.fsencode(path), mask)
        if wd < 0:
            raise Broken(f"inotify_add_watch {path}: {os.strerror(ctypes.get_errno())}")
        self.paths[wd] = path
        return wd

    def read(self):
        """Every pending event as (directory, mask, name)."""
        data = os.read(self.fd, 65536)
        events, i = [], 0
        while i < len(data):
            wd, mask, _cookie, size = self.HEADER.unpack_from(data, i)
            name = data[i + 16:i + 16 + size].rstrip(b"\0").decode(errors="replace")
            events.append((self.paths.get(wd), mask, name))
            i += 16 + size
        return events

    def close(self):
        os.close(self.fd)


class Daemon:
    """One real `kiln serve`, in its own process group. Its log goes to a file that an inotify watch follows, so
    nothing in the driver wakes up while the daemon works or idles; a line's time is when its write was seen."""

    IN_MODIFY = 0x02

    def __init__(self, kiln, root, log_path, env, args=()):
        self.kiln, self.root, self.log_path, self.env, self.args = kiln, root, log_path, env, list(args)
        self.proc = None

    def start(self):
        self.lines = []  # (perf_counter_ns when seen, text)
        self.partial = b""
        out = open(self.log_path, "ab")  # one log per workspace; this start's lines begin at its end
        self.offset = out.seek(0, os.SEEK_END)
        self.ino = Inotify()
        self.ino.watch(self.log_path, self.IN_MODIFY)
        self.spawned = now()
        self.proc = subprocess.Popen(
            [self.kiln, "serve", self.root, "--log-level", "debug"] + self.args,
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, env=self.env)
        out.close()
        return self

    def pull(self, t=None):
        """Reads what the daemon wrote since the last look; returns the number of lines so far."""
        t = t or now()
        with open(self.log_path, "rb") as f:
            f.seek(self.offset)
            data = f.read()
        self.offset += len(data)
        *complete, self.partial = (self.partial + data).split(b"\n")
        self.lines += [(t, line.decode(errors="replace")) for line in complete]
        return len(self.lines)

    def wait_line(self, pattern, start=0, timeout=120.0):
        """The first log line at index >= start matching pattern: (index, time, match)."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = start
        self.pull()
        while True:
            while i < len(self.lines):
                m = regex.search(self.lines[i][1])
                if m:
                    return i, self.lines[i][0], m
                i += 1
            if self.proc.poll() is not None:
                self.pull()
                if i >= len(self.lines):
                    raise Broken(f"the daemon exited ({self.proc.returncode}) before logging /{pattern}/:\n"
                                 + self.tail())
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise Broken(f"the daemon did not log /{pattern}/ within {timeout:.0f} s:\n" + self.tail())
            ready, _, _ = select.select([self.ino.fd], [], [], min(left, 0.5))
            t = now()
            if ready:
                self.ino.read()
            self.pull(t)

    def follow(self, seconds):
        """Sleeps, but reads each log line as it is written, so its time is right."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.ino.fd], [], [], left)
            t = now()
            if ready:
                self.ino.read()
                self.pull(t)

    def count(self, pattern, start=0):
        self.pull()
        regex = re.compile(pattern)
        return sum(1 for _, text in self.lines[start:] if regex.search(text))

    def tail(self, n=30):
        self.pull()
        return "\n".join(text for _, text in self.lines[-n:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def cpu_seconds(self):
        """utime + stime of the daemon, every thread, from /proc/PID/stat (clock-tick resolution)."""
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def memory_kb(self, key="VmHWM"):
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise Broken(f"no {key} in /proc/{self.proc.pid}/status")

    def stop(self):
        """SIGTERM (the daemon stops its builds), then wait; SIGKILL to the group if it hangs."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.ino.close()
        self.proc = None


class Bench:
    def __init__(self, kiln, sizes, smoke, tmp, repo):
        self.kiln, self.n, self.smoke, self.tmp, self.repo = kiln, sizes, smoke, tmp, repo
        self.daemons = []
        self.helpers = []
        # Called at cleanup, after the daemons stop: the Slurm cluster's stop.
        self.helpers_stop = []
        self.rows = []
        self.notes = {}
        self.wheels = os.path.join(tmp, "wheels")
        self.python = find_python("3.11")
        self.uv = find_uv()
        self.env = dict(os.environ)
        # One uv cache for Kiln and for raw uv, inside the temp folder: warm for both, gone afterwards.
        self.env["UV_CACHE_DIR"] = os.path.join(tmp, "uv-cache")
        self.env["PIP_CACHE_DIR"] = os.path.join(tmp, "pip-cache")
        self.env["KILN_UV"] = self.uv
        # Sources come from the command lines only: nothing from this shell's index or find-links settings.
        for key in ("KILN_WORKSPACE", "PIP_FIND_LINKS", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "UV_FIND_LINKS",
                    "UV_INDEX_URL", "UV_EXTRA_INDEX_URL", "UV_INDEX", "UV_DEFAULT_INDEX"):
            self.env.pop(key, None)
        self.counter = 0

    # ---------- setup

    def log(self, message):
        print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

    def make_wheels(self):
        run([sys.executable, MAKE_WHEELS, self.wheels] + WHEELS + DISK_EXTRAS + ["--slow-build", SLOW_LIB])

    def workspace(self, name, rescan="0s", find_links=None, pythons=None):
        root = os.path.join(self.tmp, name)
        run([self.kiln, "init", root], env=self.env)
        self.settings(root, rescan, find_links, pythons)
        return root

    def settings(self, root, rescan, find_links=None, pythons=None, build=""):
        """workspace.toml: packages from `find_links` only (default: the tiny wheels); `pythons` maps "X.Y" to an
        interpreter (default: the suite's 3.11)."""
        links = ", ".join(f'"{link}"' for link in (find_links or [self.wheels]))
        pythons = pythons or {"3.11": self.python}
        with open(os.path.join(root, "workspace.toml"), "w") as f:
            f.write(
                "[daemon]\n"
                f'settle = "{SETTLE}"\n'
                f'rescan_interval = "{rescan}"\n'
                "[build]\n"
                f"find_links = [{links}]\n"
                "no_index = true\n"
                + build +
                "[python]\n"
                + "".join(f'"{version}" = "{path}"\n' for version, path in pythons.items()))

    def daemon(self, root, env=None, args=()):
        d = Daemon(self.kiln, root, root + ".daemon.log", env or self.env, args)
        self.daemons.append(d)
        return d.start()

    def own_cache_env(self):
        """The daemon's environment without UV_CACHE_DIR and PIP_CACHE_DIR, so its builds use the workspace's own
        caches in `.kiln/cache/` (on the file system of `.kiln/envs/`, where uv links instead of copying)."""
        env = dict(self.env)
        env.pop("UV_CACHE_DIR", None)
        env.pop("PIP_CACHE_DIR", None)
        return env

    def distinct(self, libs):
        """The same libraries as a spec the store has never seen: the first gets an exclusion of a version that no
        wheel has (`!=0.0.N`). A comment would not do once the store is keyed by a build's inputs, not its bytes
        (issue 8). Raw uv is given the very same strings."""
        self.counter += 1
        return [f"{libs[0]},!=0.0.{self.counter}"] + list(libs[1:])

    def watch_draft(self, root):
        """An inotify watch on draft/, made before the saves it is to time."""
        ino = Inotify()
        ino.watch(os.path.join(root, "draft"), Inotify.IN_MOVED_TO)
        return ino

    def wait_ready(self, daemon, root, names, timeout, ino):
        """Waits until every name has arrived in draft/ (its status is written `ready` before the move); returns
        {name: arrival time}. Event-based: `ino` watches draft/. A `failed` or `invalid` status is a broken suite."""
        wanted = set(names)
        arrived = {}
        draft = os.path.join(root, "draft")
        deadline = time.monotonic() + timeout
        last_check = time.monotonic()
        while len(arrived) < len(wanted):
            ready, _, _ = select.select([ino.fd], [], [], 0.5)
            t = now()
            if ready:
                for _, _, name in ino.read():
                    if name in wanted and name not in arrived:
                        arrived[name] = t
            if time.monotonic() - last_check > 5.0:
                last_check = time.monotonic()
                if not daemon.alive():
                    raise Broken("the daemon exited during builds:\n" + daemon.tail())
                for name in wanted - set(arrived):
                    s = read_status(os.path.join(root, "saved", name))
                    if s and s.get("state") in ("failed", "invalid"):
                        raise Broken(f"{name}: {s.get('state')}: {s.get('message')}\n" + daemon.tail())
            if time.monotonic() > deadline:
                missing = sorted(wanted - set(arrived))
                raise Broken(f"{len(missing)} environments never became ready, e.g. {missing[:3]}:\n"
                             + daemon.tail())
        for name in names:
            s = read_status(os.path.join(draft, name))
            if not s or s.get("state") != "ready":
                raise Broken(f"draft/{name} arrived with status {s}")
        return arrived

    def row(self, measure, kiln, reference, ratio, target, verdict):
        self.rows.append((measure, kiln, reference, ratio, target, verdict))

    # ---------- 1. reaction

    def reaction(self):
        n = self.n["saves"]
        self.log(f"reaction: {n} saves")
        root = self.workspace("ws-reaction")
        env_dir = os.path.join(root, "saved", "react")
        # Two invalid specs with different messages: each save changes the status, and nothing is ever built.
        variants = INVALID_VARIANTS
        hashes = [hashlib.sha256(v).hexdigest() for v in variants]
        save(env_dir, variants[0])
        d = self.daemon(root)
        d.wait_line(r"\] watching$")
        deadline = time.monotonic() + 30
        while (read_status(env_dir) or {}).get("spec_sha256") != hashes[0]:
            if time.monotonic() > deadline:
                raise Broken("the reaction spec never became invalid:\n" + d.tail())
            time.sleep(0.01)

        ref = subprocess.Popen(
            ["inotifywait", "-m", "-e", "close_write,moved_to", "--include", r"/spec\.toml$", "--format", "%e %f",
             env_dir],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
        self.helpers.append(ref)
        said = ""
        while "Watches established" not in said:
            line = ref.stderr.readline().decode()
            if not line:
                raise Broken(f"inotifywait did not start: {said}")
            said += line
        ino = Inotify()
        ino.watch(env_dir, Inotify.IN_MOVED_TO)
        ref_fd = ref.stdout.fileno()
        kiln_lat, ref_lat = [], []
        pending = b""
        try:
            for i in range(n):
                k = (i + 1) % 2
                t0 = save(env_dir, variants[k])
                t_kiln = t_ref = None
                deadline = time.monotonic() + 10
                while t_kiln is None or t_ref is None:
                    ready, _, _ = select.select([ino.fd, ref_fd], [], [], 1.0)
                    t = now()
                    if ino.fd in ready:
                        for _, _, name in ino.read():
                            if name == "status" and t_kiln is None:
                                s = read_status(env_dir) or {}
                                if s.get("spec_sha256") == hashes[k]:
                                    t_kiln = t
                    if ref_fd in ready:
                        chunk = os.read(ref_fd, 65536)
                        if not chunk:
                            raise Broken("inotifywait exited")
                        pending += chunk
                        *lines, pending = pending.split(b"\n")
                        if t_ref is None and any(l.split()[-1:] == [b"spec.toml"] and b"MOVED_TO" in l
                                                 for l in lines):
                            t_ref = t
                    if time.monotonic() > deadline:
                        raise Broken(f"save {i}: no status rewrite within 10 s "
                                     f"(kiln {t_kiln is not None}, inotifywait {t_ref is not None}):\n" + d.tail())
                kiln_lat.append(ms(t_kiln - t0))
                ref_lat.append(ms(t_ref - t0))
                time.sleep(0.005)  # let the daemon finish its journal line before the next save
        finally:
            ino.close()
            ref.terminate()
            ref.wait()
            d.stop()
        k50, k99 = percentile(kiln_lat, 50), percentile(kiln_lat, 99)
        r50, r99 = percentile(ref_lat, 50), percentile(ref_lat, 99)
        self.row("reaction p50: save → status", f"{k50:.2f} ms", f"{r50:.3f} ms", f"{k50 / r50:.0f}×", "—", "—")
        self.row("reaction p99: save → status", f"{k99:.2f} ms", f"{r99:.3f} ms", f"{k99 / r99:.0f}×", "—", "—")
        over = k99 - SETTLE_MS
        self.row(f"reaction p99 − settle ({SETTLE})", f"{over:.2f} ms", f"{r99:.3f} ms", f"{over / r99:.0f}×",
                 "< 2 ms", "meets" if over < 2 else "misses")
        self.notes["reaction"] = (
            f"{n} saves of `saved/react/spec.toml` (write `.spec.toml.swp`, rename over), alternating between two "
            f"invalid specs so each save changes the status and nothing builds; settle `{SETTLE}`, rescans off. "
            "Kiln: from just before `rename()` to a Python inotify watch (ctypes, `IN_MOVED_TO` on the "
            "environment folder) seeing `status` renamed into place with the new spec's hash. Reference: "
            "`inotifywait -m -e close_write,moved_to --include '/spec\\.toml$'` on the same folder, from the same "
            "`rename()` to its `MOVED_TO spec.toml` line read from its pipe; both observed in one `select()` loop "
            "(so both figures include the Python observer's own wake-up). "
            f"Kiln min {min(kiln_lat):.2f} / p90 {percentile(kiln_lat, 90):.2f} / max {max(kiln_lat):.2f} ms; "
            f"inotifywait min {min(ref_lat):.3f} / p90 {percentile(ref_lat, 90):.3f} / max {max(ref_lat):.3f} ms.")

    # ---------- 7. the web view

    def web(self):
        """The daemon with `--http` and a client following it, against the same daemon without it, in one run: the
        reaction to saves and the idle CPU, while a slow build runs in both (the build a client follows)."""
        saves = max(20, self.n["saves"] // 2)
        idle = self.n["idle"] / 2
        got = {}
        for mode in ("off", "on"):
            self.log(f"web: view {mode}, {saves} saves, {idle:.0f} s idle")
            root = self.workspace(f"ws-web-{mode}")
            env_dir = os.path.join(root, "saved", "react")
            variants = INVALID_VARIANTS
            hashes = [hashlib.sha256(v).hexdigest() for v in variants]
            save(env_dir, variants[0])
            save(os.path.join(root, "saved", "slow"), spec_text([SLOW_LIB]))
            d = self.daemon(root, args=["--http", "127.0.0.1:0"] if mode == "on" else [])
            d.wait_line(r"\] watching$")
            deadline = time.monotonic() + 60
            while (read_status(os.path.join(root, "saved", "slow")) or {}).get("state") != "building" or \
                    (read_status(env_dir) or {}).get("spec_sha256") != hashes[0]:
                if time.monotonic() > deadline:
                    raise Broken("web: the slow build never started, or the spec never became invalid:\n"
                                 + d.tail())
                time.sleep(0.01)
            clients = []
            if mode == "on":
                _, _, m = d.wait_line(r"web view at http://127\.0\.0\.1:(\d+)/")
                base = f"http://127.0.0.1:{m.group(1)}"
                # One client follows the running build's log; another polls the list as the page does (every 2 s).
                follower = subprocess.Popen(
                    ["curl", "-sN", "-H", "Accept: text/event-stream", base + "/api/environments/slow/log"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                poller = subprocess.Popen(
                    ["sh", "-c", f"while curl -s -o /dev/null {base}/api/environments; do sleep 2; done"],
                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
                clients = [follower, poller]
                self.helpers += clients
                time.sleep(0.5)
                if follower.poll() is not None:
                    raise Broken("web: the event stream ended at once:\n" + d.tail())
            ino = Inotify()
            ino.watch(env_dir, Inotify.IN_MOVED_TO)
            latencies = []
            try:
                for i in range(saves):
                    k = (i + 1) % 2
                    t0 = save(env_dir, variants[k])
                    seen = None
                    deadline = time.monotonic() + 10
                    while seen is None:
                        ready, _, _ = select.select([ino.fd], [], [], 1.0)
                        t = now()
                        if ready:
                            for _, _, name in ino.read():
                                if name == "status" and (read_status(env_dir) or {}).get("spec_sha256") == hashes[k]:
                                    seen = t
                        if time.monotonic() > deadline:
                            raise Broken(f"web: save {i}: no status rewrite within 10 s:\n" + d.tail())
                    latencies.append(ms(seen - t0))
                    time.sleep(0.005)
                c0, t0 = d.cpu_seconds(), time.monotonic()
                d.follow(idle)
                cpu = d.cpu_seconds() - c0
                window = time.monotonic() - t0
                for c in clients:
                    if c.poll() is not None:
                        raise Broken(f"web: a client stopped during the measure (exit {c.returncode}):\n" + d.tail())
            finally:
                ino.close()
                for c in clients:
                    if c.poll() is None:
                        os.killpg(c.pid, signal.SIGKILL)
                    c.wait()
                d.stop()
            got[mode] = (percentile(latencies, 50), percentile(latencies, 99), cpu, window)
        (on50, on99, on_cpu, on_window), (off50, off99, off_cpu, off_window) = got["on"], got["off"]
        self.row("web view on, a client following: reaction p50", f"{on50:.2f} ms", f"{off50:.2f} ms (off)",
                 f"{on50 / off50:.2f}×", "≤ 1.2×", "meets" if on50 <= 1.2 * off50 else "misses")
        self.row("web view on, a client following: reaction p99", f"{on99:.2f} ms", f"{off99:.2f} ms (off)",
                 f"{on99 / off99:.2f}×", "—", "—")
        self.row(f"web view on, a client following: daemon CPU in {on_window:.0f} s idle", f"{on_cpu:.2f} s",
                 f"{off_cpu:.2f} s (off)", f"{on_cpu / off_cpu:.1f}×" if off_cpu > 0 else "—", "—", "—")
        self.notes["web"] = (
            f"Two daemons in turn on workspaces alike, one with `--http 127.0.0.1:0`, one without; in both a slow "
            f"source build (`{SLOW_LIB}`, whose backend sleeps) runs throughout. With the view on, one client "
            "follows that build's log as server-sent events (`curl -N`, `Accept: text/event-stream`) and another "
            "fetches `/api/environments` every 2 s, as the page does. Reaction: "
            f"{saves} saves alternating two invalid specs, from just before `rename()` to `status` renamed into "
            f"place with the new hash (as the reaction measure, without its reference); settle `{SETTLE}`. Idle: "
            f"the daemon's CPU (utime + stime, /proc) over {idle:.0f} s with nothing saved. The web view reads the "
            "disk on a thread of its own, so its followers do not queue behind the daemon's work or in front of it.")

    # ---------- 2-4. a large steady workspace: start-up, idle, rescan

    def steady_tree(self, name="ws-steady"):
        n = self.n["envs"]
        self.log(f"steady workspace: building one environment, copying it to {n} names")
        root = self.workspace(name)
        seed = os.path.join(root, "saved", "seed")
        ino = self.watch_draft(root)
        save(seed, spec_text(SEED_LIBS))
        d = self.daemon(root)
        d.wait_line(r"\] watching$")
        self.wait_ready(d, root, ["seed"], timeout=120, ino=ino)
        d.stop()
        built = os.path.join(root, "draft", "seed")
        files = {}
        for rel in ("spec.toml", "status", "requirements.lock", "logs/build-1.log"):
            with open(os.path.join(built, rel), "rb") as f:
                files[rel] = f.read()
        draft = os.path.join(root, "draft")
        for i in range(n):
            env_dir = os.path.join(draft, f"env-{i:05d}")
            os.makedirs(os.path.join(env_dir, "logs"))
            for rel, data in files.items():
                with open(os.path.join(env_dir, rel), "wb") as f:
                    f.write(data)
        shutil.rmtree(built)
        self.write_journal(root, n)
        return root

    def write_journal(self, root, n):
        """A journal of JOURNAL_PER_ENV lines per environment, each name ending in draft/, as the daemon writes
        them (sorted keys, no spaces); it replaces the seed's own, so no name in it is gone from disk."""
        spec = "0" * 64
        with open(os.path.join(root, ".kiln", "journal.jsonl"), "w") as f:
            for i in range(n):
                name = f"env-{i:05d}"
                t = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1_790_000_000 + i * 60))
                steps = [
                    (f"saved/{name}", f"saved/{name}", "queued",
                     "waiting for a build slot; the log will be logs/build-1.log"),
                    (f"saved/{name}", f"saved/{name}", "building", "build 1 started"),
                    (f"saved/{name}", f"draft/{name}", "ready", "built in 0.2 s: 1 distribution"),
                    (f"pending/{name}", f"pending/{name}", "awaiting-approval",
                     "submitted; an admin approves it by moving it to published/, or rejects it back to draft/"),
                    (f"draft/{name}", f"draft/{name}", "rejected", "pin the version of greet, please"),
                ][:JOURNAL_PER_ENV]
                for frm, to, state, message in steps:
                    f.write(json.dumps({"from": frm, "message": message, "name": name, "spec": spec,
                                        "state": state, "time": t, "to": to},
                                       sort_keys=True, separators=(",", ":")) + "\n")

    def snapshot(self, root):
        """What must not change when there is nothing to do: every status's mtime and the journal's size."""
        draft = os.path.join(root, "draft")
        mtimes = {name: os.stat(os.path.join(draft, name, "status")).st_mtime_ns for name in os.listdir(draft)}
        journal = os.path.join(root, ".kiln", "journal.jsonl")
        return mtimes, os.path.getsize(journal) if os.path.exists(journal) else 0

    def check_steady(self, root, before, daemon, what):
        mtimes, journal = self.snapshot(root)
        changed = [name for name, t in before[0].items() if mtimes.get(name) != t]
        if changed or journal != before[1] or set(mtimes) != set(before[0]):
            raise Broken(f"{what}: the workspace was not steady: {len(changed)} statuses rewritten "
                         f"(e.g. {changed[:3]}), journal {before[1]} → {journal} bytes:\n" + daemon.tail())
        transitions = daemon.count(r"→")
        if transitions:
            raise Broken(f"{what}: the daemon logged {transitions} transitions:\n" + daemon.tail())

    def find_spec_reads(self, root):
        """Reference for start-up: find every spec.toml in the stage folders and read it, warm cache."""
        stages = [os.path.join(root, s) for s in ("saved", "draft", "pending", "published")]
        t = now()
        subprocess.run(["find", *stages, "-name", "spec.toml", "-exec", "cat", "{}", "+"],
                       stdout=subprocess.DEVNULL, check=True)
        return ms(now() - t) / 1000

    def find_walk(self, root):
        """Reference for a rescan: find over the stage folders (wall time, and its CPU time)."""
        stages = [os.path.join(root, s) for s in ("saved", "draft", "pending", "published")]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = now()
        subprocess.run(["find", *stages], stdout=subprocess.DEVNULL, check=True)
        wall = ms(now() - t) / 1000
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)

    def startup_run(self, root, rescan):
        """Starts the daemon on the steady tree, right after its reference ran on the same (warm) cache; returns
        it and (seconds to `watching`, reconcile seconds, KB, log index of `watching`, reference seconds)."""
        self.settings(root, rescan)
        before = self.snapshot(root)
        # Warm first: this machine may page out what nobody touched for a while (see the header).
        self.find_spec_reads(root)
        reference = self.find_spec_reads(root)
        d = self.daemon(root)
        i, t, _ = d.wait_line(r"\] watching$", timeout=600)
        hwm = d.memory_kb("VmHWM")
        _, _, m = d.wait_line(r"names=(\d+) took=([0-9.e+-]+) seconds .*looked at every environment")
        if int(m.group(1)) != self.n["envs"]:
            raise Broken(f"the daemon looked at {m.group(1)} names, not {self.n['envs']}")
        return d, before, (ms(t - d.spawned) / 1000, float(m.group(2)), hwm, i, reference)

    def startup_rows(self, n, startups):
        """The start-up rows, from startup_run results: the median wall time to `watching` against the median of
        `find` + `cat` of the same tree, and the peak resident memory."""
        kiln_start = statistics.median(s[0] for s in startups)
        ref_start = statistics.median(s[4] for s in startups)
        ratio = kiln_start / ref_start
        self.row(f"start-up: {n} environments to `watching`", f"{kiln_start:.2f} s", f"{ref_start:.2f} s",
                 f"{ratio:.2f}×", "≤ 2×", "meets" if ratio <= 2 else "misses")
        hwm_mb = max(s[2] for s in startups) / 1024
        self.row("start-up: resident memory (VmHWM)", f"{hwm_mb:.1f} MB", "—", "—", "< 100 MB",
                 "meets" if hwm_mb < 100 else "misses")

    def steady(self):
        root = self.steady_tree()
        n = self.n["envs"]
        runs = max(1, self.n["find_runs"])
        startups = []
        idle = {}
        # Start-up 1 and the idle measure with the default rescan interval ("auto": on this local disk, a safety
        # rescan every 10 minutes, longer than the window; its cost is the rescan measure's, amortised below);
        # start-up 2 and idle with rescans off; start-up 3 and the rescan measure with a short interval.
        auto_period = None
        for rescan in ("auto", "0s"):
            self.log(f"start-up on {n} environments, then {self.n['idle']:.0f} s idle (rescan_interval {rescan})")
            d, before, startup = self.startup_run(root, rescan)
            startups.append(startup)
            if rescan == "auto":
                # What "auto" chose, as the daemon logs it: the period the rescan cost is amortised over.
                line, _, m = d.wait_line(r"rescan every (\S+)$")
                auto_period = (parse_duration(m.group(1)), d.lines[line][1].split("] ", 1)[-1])
            time.sleep(1.0)
            c0, t0 = d.cpu_seconds(), time.monotonic()
            w0 = now()
            mark = d.pull()
            d.follow(self.n["idle"])
            c1, t1 = d.cpu_seconds(), time.monotonic()
            # When each rescan in the window started, from its end (as seen) less its duration.
            starts = [(t - w0) / 1e9 - float(m.group(1)) for t, m in
                      ((t, re.search(r"took=([0-9.e+-]+) seconds", text)) for t, text in d.lines[mark:]) if m]
            idle[rescan] = (c1 - c0, t1 - t0, starts)
            self.check_steady(root, before, d, f"idle, rescan_interval {rescan}")
            if not d.alive():
                raise Broken("the daemon exited while idle:\n" + d.tail())
            d.stop()

        interval = self.n["rescan_interval"]
        k = self.n["rescans"]
        self.log(f"start-up on {n} environments, then {k} rescans (rescan_interval {interval})")
        d, before, startup = self.startup_run(root, interval)
        startups.append(startup)
        pattern = r"names=(\d+) took=([0-9.e+-]+) seconds .*looked at every environment"
        i, _, _ = d.wait_line(pattern, startup[3] + 1, timeout=120)  # the first periodic rescan
        c0, t0 = d.cpu_seconds(), time.monotonic()
        took = []
        for _ in range(k):
            i, _, m = d.wait_line(pattern, i + 1, timeout=120)
            took.append(float(m.group(2)))
        c1, t1 = d.cpu_seconds(), time.monotonic()
        self.check_steady(root, before, d, "rescans")
        d.stop()
        self.find_walk(root)  # the tree is as warm as the rescans left it
        walks = [self.find_walk(root) for _ in range(runs)]
        while len(startups) < self.n["startups"]:
            d, before, startup = self.startup_run(root, "0s")
            startups.append(startup)
            d.stop()

        stops = [self.sigterm_during_first_look(root) for _ in range(self.n["startups"])]

        self.startup_rows(n, startups)
        walls = [s[0] for s in startups]
        spec_reads = [s[4] for s in startups]
        stop_ms = statistics.median(t for t, _ in stops)
        look_ms = statistics.median(s[1] for s in startups) * 1000
        self.row(f"SIGTERM during the first look at {n} environments → exit", f"{stop_ms:.0f} ms",
                 f"{look_ms:.0f} ms", f"{stop_ms / look_ms:.2f}×", "< 200 ms", "meets" if stop_ms < 200 else "misses")
        self.notes["sigterm"] = (
            f"the daemon started on the steady tree (rescans off); once it logs that its first full look began, 0.1 s "
            f"later, SIGTERM; from the signal to the process's exit (builds stopped, lock released), median of "
            f"{len(stops)} ({', '.join(f'{t:.0f}' for t, _ in stops)} ms; the look was cut short, as its log says, "
            f"in {sum(1 for _, cut in stops if cut)} of them). Reference: the whole first look, uninterrupted, per "
            "the daemon's log in the start-up runs.")
        idle_rate = idle["0s"][0] / idle["0s"][1]
        per_rescan = statistics.median(took)
        ref_walk = statistics.median(w for w, _ in walks)
        ratio = per_rescan / ref_walk
        self.row(f"rescan: {n} environments, nothing changed", f"{per_rescan:.3f} s", f"{ref_walk:.3f} s",
                 f"{ratio:.1f}×", "≤ 1×", "meets" if ratio <= 1 else "misses")
        cpu, window, starts = idle["auto"]
        cpu_per_rescan = ((c1 - c0) - idle_rate * (t1 - t0)) / k
        period, reason = auto_period
        # Per minute: the CPU between rescans (the window's rescans, if any, taken out at their measured cost), plus
        # one rescan's CPU per period, amortised.
        between = max(0.0, cpu - len(starts) * cpu_per_rescan) / window * 60
        amortised = cpu_per_rescan * 60 / period if period > 0 else 0.0
        per_minute = between + amortised
        self.row(f"idle: CPU per minute, {n} environments, rescan_interval auto (every {period / 60:g} min)",
                 f"{per_minute:.3f} s", "—", "—", "< 0.1 s", "meets" if per_minute < 0.1 else "misses")
        cpu0, window0, _ = idle["0s"]
        self.row(f"idle: CPU in {self.n['idle']:.0f} s, rescans off (0s)", f"{cpu0:.2f} s", "—", "—", "—", "—")
        walk_cpu = statistics.median(c for _, c in walks)
        self.notes["start-up"] = (
            f"{n} environments in `draft/`, all `ready`: one built for real ({', '.join(SEED_LIBS)}), its "
            "`spec.toml`, `status`, `requirements.lock` and `logs/build-1.log` copied to every name, so one "
            "store entry serves them all and the daemon has nothing to do (checked: no status rewritten, journal "
            f"unchanged, no transition logged); a journal of {JOURNAL_PER_ENV} lines per environment "
            f"({n * JOURNAL_PER_ENV} lines), which each start reads. Kiln: from spawning `kiln serve` to its `watching` log line, "
            f"median of {len(walls)} starts ({', '.join(f'{w:.2f}' for w in walls)} s; of which the first full "
            f"reconcile {', '.join(f'{s[1]:.2f}' for s in startups)} s, per the daemon's log). Reference: "
            "`find saved draft pending published -name spec.toml -exec cat {} +`, run just before each start, "
            f"after one unmeasured run to warm the cache ({', '.join(f'{w:.2f}' for w in spec_reads)} s). Memory: the daemon's VmHWM at `watching` "
            f"({', '.join(f'{s[2] / 1024:.1f}' for s in startups)} MB).")
        self.notes["rescan"] = (
            f"rescan_interval `{interval}`; Kiln: the duration of each periodic full look, from the daemon's debug "
            f"line `looked at every environment` (median of {k}: "
            f"{', '.join(f'{x:.3f}' for x in took)} s). Its CPU cost, from /proc/PID/stat over those rescans "
            f"less the idle rate, is {cpu_per_rescan:.3f} s per rescan. Reference: `find saved draft pending "
            f"published` to /dev/null, right after those rescans and one unmeasured run, median of {runs} (wall "
            f"{', '.join(f'{w:.3f}' for w, _ in walks)} s; CPU {walk_cpu:.3f} s).")
        self.notes["idle"] = (
            f"utime + stime of the daemon (/proc/PID/stat) over {window:.1f} s, starting 1 s after `watching`, "
            f"with nothing changing. With the default rescan_interval `auto` (the daemon said: \"{reason}\"): "
            f"{cpu:.2f} s in the window ("
            + (f"rescans started at {', '.join(f'{x:+.1f}' for x in starts)} s into it" if starts else "no rescan in it")
            + f"), {between:.3f} s per minute between rescans; one rescan costs {cpu_per_rescan:.3f} s of CPU "
            f"(see rescan), {amortised:.3f} s per minute amortised over the {period:g} s period; the row is their "
            f"sum, {per_minute:.3f} s per minute (a window a whole period long would be too long for the suite). "
            f"With rescans off (`0s`, inotify only): {cpu0:.2f} s. Clock-tick resolution: {1 / CLK_TCK:.2f} s.")

    def startup(self):
        """Start-up alone (`--only startup`): the steady tree, its journal included, started N times with
        rescans off; what `steady` reports for start-up, without its idle and rescan measures."""
        root = self.steady_tree("ws-startup")
        n = self.n["envs"]
        self.log(f"start-up on {n} environments ({n * JOURNAL_PER_ENV} journal lines), {self.n['startups']} times")
        startups, journal_reads = [], []
        for _ in range(self.n["startups"]):
            d, before, startup = self.startup_run(root, "0s")
            startups.append(startup)
            m = next((re.search(r"took=([0-9.e+-]+) seconds .*read the journal", text) for _, text in d.lines
                      if "read the journal" in text), None)
            if m:
                journal_reads.append(float(m.group(1)))
            self.check_steady(root, before, d, "start-up")
            d.stop()
        self.startup_rows(n, startups)
        walls = [s[0] for s in startups]
        spec_reads = [s[4] for s in startups]
        reads = (f" Reading the journal ({n * JOURNAL_PER_ENV} lines), per the daemon's log: "
                 f"{', '.join(f'{r * 1000:.0f}' for r in journal_reads)} ms." if journal_reads else "")
        self.notes["start-up"] = (
            f"{n} environments in `draft/`, all `ready`, as in `steady`, with a journal of {JOURNAL_PER_ENV} "
            "lines per environment; rescans off. Kiln: from spawning `kiln serve` to its `watching` log line, "
            f"median of {len(walls)} starts ({', '.join(f'{w:.2f}' for w in walls)} s; of which the first full "
            f"reconcile {', '.join(f'{s[1]:.2f}' for s in startups)} s). Reference: `find saved draft pending "
            "published -name spec.toml -exec cat {} +` just before each start, warm "
            f"({', '.join(f'{w:.2f}' for w in spec_reads)} s).{reads}")

    def sigterm_during_first_look(self, root):
        """SIGTERM 0.1 s into the daemon's first look at the steady tree: (ms from the signal to its exit, whether
        the look was cut short)."""
        self.settings(root, "0s")
        d = self.daemon(root)
        d.wait_line(r"looking at every environment", timeout=600)
        time.sleep(0.1)
        t0 = now()
        os.kill(d.proc.pid, signal.SIGTERM)
        try:
            d.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise Broken("the daemon did not exit within 60 s of SIGTERM:\n" + d.tail())
        took = ms(now() - t0)
        cut = d.count(r"stopped looking: shutting down") > 0
        d.stop()
        return took, cut

    # ---------- 5. builds

    def raw_uv(self, directory, libs):
        run([self.uv, "venv", "--quiet", "--no-project", "--python", self.python, directory], env=self.env)
        run([self.uv, "pip", "install", "--quiet", "--python", os.path.join(directory, "bin", "python"),
             "--find-links", self.wheels, "--no-index", *libs], env=self.env)

    def raw_pip(self, directory, libs):
        run([self.python, "-m", "venv", directory], env=self.env)
        run([os.path.join(directory, "bin", "pip"), "install", "--quiet", "--disable-pip-version-check",
             "--no-index", "--find-links", self.wheels, *libs], env=self.env)

    def builds(self):
        rounds = self.n["build_rounds"]
        pip_rounds = self.n["pip_rounds"]
        self.log(f"builds: {len(BUILD_SPECS)} specs, 1 warm-up + {rounds} rounds (pip: {pip_rounds})")
        root = self.workspace("ws-builds")
        refs = os.path.join(self.tmp, "builds-ref")
        os.makedirs(refs)
        d = self.daemon(root)
        d.wait_line(r"\] watching$")
        ino = self.watch_draft(root)
        kiln, uv, pip = [], [], []  # per measured round: [seconds per spec]
        for r in range(rounds + 1):  # round 0 warms the caches and is not counted
            # pip takes seconds per venv: fewer rounds, and no warm-up for it in a smoke run.
            with_pip = 1 <= r <= pip_rounds or (r == 0 and not self.smoke)
            kiln_round, uv_round, pip_round = [], [], []
            # Every round's locks are imported afresh, as for pins never built here.
            shutil.rmtree(os.path.join(root, ".kiln", "verified"), ignore_errors=True)
            for label, libs in BUILD_SPECS:
                name = f"b{r}-{label}"
                spec = self.distinct(libs)
                t0 = save(os.path.join(root, "saved", name), spec_text(spec))
                t1 = self.wait_ready(d, root, [name], timeout=300, ino=ino)[name]
                kiln_round.append(ms(t1 - t0) / 1000)
                t0 = now()
                self.raw_uv(os.path.join(refs, f"uv-{name}"), spec)
                uv_round.append(ms(now() - t0) / 1000)
                if with_pip:
                    t0 = now()
                    self.raw_pip(os.path.join(refs, f"pip-{name}"), spec)
                    pip_round.append(ms(now() - t0) / 1000)
            if r > 0:
                kiln.append(kiln_round)
                uv.append(uv_round)
                if pip_round:
                    pip.append(pip_round)
        ino.close()
        d.stop()
        totals = lambda rs: [sum(x) for x in rs]  # noqa: E731
        k, u, p = statistics.median(totals(kiln)), statistics.median(totals(uv)), statistics.median(totals(pip))
        ratio = k / u
        self.row(f"builds: {len(BUILD_SPECS)} specs, save → ready, vs raw uv", f"{k:.2f} s", f"{u:.2f} s",
                 f"{ratio:.2f}×", "≤ 1.15×", "meets" if ratio <= 1.15 else "misses")
        self.row(f"builds: {len(BUILD_SPECS)} specs, save → ready, vs venv + pip", f"{k:.2f} s", f"{p:.2f} s",
                 f"{k / p:.2f}×", "—", "—")
        per_spec = lambda rs, j: statistics.median(x[j] for x in rs)  # noqa: E731
        detail = "; ".join(
            f"{label} ({', '.join(libs)}): Kiln {per_spec(kiln, j):.3f}, uv {per_spec(uv, j):.3f}, "
            f"pip {per_spec(pip, j):.2f}"
            for j, (label, libs) in enumerate(BUILD_SPECS))
        self.notes["builds"] = (
            f"Three specs built one after another, totals per round, median of {len(kiln)} rounds (pip: "
            f"{len(pip)}) after an unmeasured warm-up round; every spec is new to the store (`!=0.0.N` on its first "
            "library; raw uv and pip get the same strings), and `.kiln/verified/` is emptied each round, so every "
            "build runs its import check; uv cache warm and shared by Kiln and raw uv. Kiln: from "
            f"the save's `rename()` to the environment arriving in `draft/` as `ready` (settle `{SETTLE}` "
            "included; Kiln runs `uv venv`, `uv pip compile --generate-hashes`, `uv pip sync`, then imports each "
            "library in a fresh interpreter). Raw uv: "
            f"`uv venv --python {self.python}` + `uv pip install --find-links W --no-index LIBS`. pip: "
            "`python -m venv` + `pip install --no-index --find-links W LIBS`. Medians per spec, seconds: "
            + detail + f". The settle time alone is {len(BUILD_SPECS) * SETTLE_MS / 1000:.2f} s of Kiln's total "
            f"(without it: {(k - len(BUILD_SPECS) * SETTLE_MS / 1000) / u:.2f}× raw uv).")

    # ---------- builds as Slurm jobs

    def slurm(self):
        """The same builds on the daemon's host and as Slurm jobs on a real one-node cluster, alternately, in the
        same run: what going through Slurm adds to a build."""
        rounds = self.n["slurm_rounds"]
        self.log(f"slurm: {len(BUILD_SPECS)} specs, 1 warm-up + {rounds} rounds, local and as Slurm jobs")
        # Beside the suite's temp folder, not in it: munged wants every folder above its socket executable by all.
        cluster = tempfile.mkdtemp(prefix="kiln-bench-slurm-")
        os.chmod(cluster, 0o755)
        script = os.path.join(self.repo, "scripts", "slurm-cluster.sh")
        started = run(["bash", script, "start", cluster], env=self.env)
        conf = [line.split("=", 1)[1] for line in started.splitlines() if line.startswith("SLURM_CONF=")]
        if not conf:
            raise Broken("scripts/slurm-cluster.sh start printed no SLURM_CONF=")
        self.helpers_stop.append(lambda: (subprocess.run(["bash", script, "stop", cluster], env=self.env,
                                                          capture_output=True),
                                           shutil.rmtree(cluster, ignore_errors=True)))
        env = dict(self.env, SLURM_CONF=conf[0])
        local_root = self.workspace("ws-local")
        slurm_root = os.path.join(self.tmp, "ws-slurm")
        run([self.kiln, "init", slurm_root], env=self.env)
        self.settings(slurm_root, "0s", build='executor = "slurm"\n')
        roots = {"local": local_root, "slurm": slurm_root}
        daemons = {kind: self.daemon(root, env=env) for kind, root in roots.items()}
        watches = {}
        for kind, d in daemons.items():
            d.wait_line(r"\] watching$")
            watches[kind] = self.watch_draft(roots[kind])
        took = {"local": [], "slurm": []}  # per measured round: [seconds per spec]
        for r in range(rounds + 1):  # round 0 copies the interpreter (and, for Slurm, kiln and uv): not counted
            per_round = {"local": [], "slurm": []}
            for label, libs in BUILD_SPECS:
                for kind in ("local", "slurm"):
                    root = roots[kind]
                    shutil.rmtree(os.path.join(root, ".kiln", "verified"), ignore_errors=True)
                    name = f"s{r}-{label}"
                    t0 = save(os.path.join(root, "saved", name), spec_text(self.distinct(libs)))
                    t1 = self.wait_ready(daemons[kind], root, [name], timeout=300, ino=watches[kind])[name]
                    per_round[kind].append(ms(t1 - t0) / 1000)
            if r > 0:
                for kind in took:
                    took[kind].append(per_round[kind])
        for kind in daemons:
            watches[kind].close()
            daemons[kind].stop()
        builds = [s - l for rs, rl in zip(took["slurm"], took["local"]) for s, l in zip(rs, rl)]
        added = statistics.median(builds)
        local = statistics.median(x for rs in took["local"] for x in rs)
        slurm = statistics.median(x for rs in took["slurm"] for x in rs)
        self.row("build as a Slurm job, save → ready, vs the same build local", f"{slurm:.2f} s", f"{local:.2f} s",
                 f"{slurm / local:.2f}× (+{added:.2f} s)", "< 1 s added", "meets" if added < 1.0 else "misses")
        self.notes["slurm"] = (
            f"The builds of the builds measure ({len(BUILD_SPECS)} specs, each new to the store, import check "
            f"included), median per build over {len(builds)} builds in {rounds} rounds after an unmeasured warm-up "
            "round (it copies the interpreter, and for Slurm kiln and uv, into the workspace): the same spec saved "
            "into a workspace with `executor = \"local\"` and into one with `executor = \"slurm\"`, one after the "
            "other, save → ready in `draft/`. The cluster is the tests' one-node cluster "
            "(`scripts/slurm-cluster.sh`, `batch_sched_delay=0`) on this machine. Added time is the median of the "
            f"per-build differences. Medians per build: local {local:.2f} s, Slurm {slurm:.2f} s.")

    # ---------- 6. burst

    def burst(self):
        n = self.n["burst"]
        self.log(f"burst: {n} saves at once")
        root = self.workspace("ws-burst", rescan="30s")
        d = self.daemon(root)
        d.wait_line(r"\] watching$")
        names = [f"burst-{i:04d}" for i in range(n)]
        libs = {name: self.distinct(BURST_LIBS) for name in names}
        specs = {name: spec_text(libs[name]) for name in names}
        peak_rss = [0]
        stop = threading.Event()

        def sample():
            while not stop.wait(0.2):
                try:
                    peak_rss[0] = max(peak_rss[0], d.memory_kb("VmRSS"))
                except (OSError, Broken):
                    return

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        ino = self.watch_draft(root)
        t0 = now()
        for name in names:
            save(os.path.join(root, "saved", name), specs[name])
        saved_in = ms(now() - t0) / 1000
        arrived = self.wait_ready(d, root, names, timeout=max(600, n * 2), ino=ino)
        ino.close()
        kiln_total = ms(max(arrived.values()) - t0) / 1000
        stop.set()
        sampler.join()
        hwm = d.memory_kb("VmHWM") / 1024
        d.stop()

        self.log(f"burst reference: {n} raw uv builds, 2 at a time")
        refs = os.path.join(self.tmp, "burst-ref")
        os.makedirs(refs)
        t0 = now()
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda name: self.raw_uv(os.path.join(refs, name), libs[name]), names))
        ref_total = ms(now() - t0) / 1000
        self.row(f"burst: {n} saves → all ready", f"{kiln_total:.1f} s", f"{ref_total:.1f} s",
                 f"{kiln_total / ref_total:.2f}×", "—", "—")
        self.row(f"burst: daemon peak memory (VmHWM)", f"{hwm:.1f} MB", "—", "—", "—", "—")
        self.notes["burst"] = (
            f"{n} specs ({', '.join(BURST_LIBS)}, each new to the store: `!=0.0.N` on the first library; one lock, "
            "so only the first build runs the import check) saved as fast as possible "
            f"({saved_in:.2f} s for all the renames), concurrency 2 (the default), settle `{SETTLE}`, rescan "
            "`30s`; Kiln: from the first save to the last environment arriving in `draft/` as `ready`. Peak "
            f"memory: VmHWM at the end ({hwm:.1f} MB; VmRSS sampled every 0.2 s peaked at "
            f"{peak_rss[0] / 1024:.1f} MB). Reference: the same {n} builds with raw uv (`uv venv` + `uv pip "
            "install`), two at a time from a thread pool, warm cache.")

    # ---------- 7. the product's example: pandas and scikit-learn, uv's cache cold and warm

    def pypi_wheels(self):
        """The example's wheels for Python 3.10: downloaded from PyPI the first time, into a folder outside the
        repository marked `.complete` (with what it holds), then used as it is."""
        folder = os.environ.get("KILN_BENCH_WHEELS") or os.path.expanduser("~/.cache/kiln-bench-wheels/pandas")
        marker = os.path.join(folder, ".complete")
        wanted = f"python {EXAMPLE_PYTHON}: {' '.join(EXAMPLE_LIBS)}\n"
        try:
            with open(marker) as f:
                if f.read() == wanted:
                    return folder
            # Ours, but for other libraries: start again, so no stale wheel changes what resolves.
            shutil.rmtree(folder)
        except OSError:
            pass
        self.log(f"downloading wheels for Python {EXAMPLE_PYTHON} from PyPI into {folder} (once): "
                 + " ".join(EXAMPLE_LIBS))
        os.makedirs(folder, exist_ok=True)
        run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--only-binary=:all:",
             "--python-version", EXAMPLE_PYTHON, "--dest", folder, *EXAMPLE_LIBS], env=self.env)
        with open(marker, "w") as f:
            f.write(wanted)
        return folder

    def example_source(self):
        """(libraries, modules to import, Python version, interpreter, wheel folders): the real example, or in a
        smoke run its stand-ins from the tiny wheels, so that a smoke run never reaches PyPI."""
        if self.smoke:
            return SMOKE_EXAMPLE_LIBS, SMOKE_EXAMPLE_IMPORTS, "3.11", self.python, [self.wheels]
        return EXAMPLE_LIBS, EXAMPLE_IMPORTS, EXAMPLE_PYTHON, find_python(EXAMPLE_PYTHON), [self.pypi_wheels()]

    def raw_uv_steps(self, directory, libs, python, links, env):
        """`uv venv` + `uv pip install` from `links` only: (venv seconds, install seconds)."""
        t0 = now()
        run([self.uv, "venv", "--quiet", "--no-project", "--python", python, directory], env=env)
        t1 = now()
        run([self.uv, "pip", "install", "--quiet", "--python", os.path.join(directory, "bin", "python"),
             *[arg for link in links for arg in ("--find-links", link)], "--no-index", *libs], env=env)
        return ms(t1 - t0) / 1000, ms(now() - t1) / 1000

    @staticmethod
    def build_steps(root, name):
        """Each step's seconds, from the environment's build log (`kiln: step NAME took S s`)."""
        logs = os.path.join(root, "draft", name, "logs")
        steps = {}
        for log in sorted(os.listdir(logs)):
            with open(os.path.join(logs, log), encoding="utf-8", errors="replace") as f:
                for line in f:
                    m = re.match(r"kiln: step (\w+) took ([0-9.]+) s", line)
                    if m:
                        steps[m.group(1)] = float(m.group(2))
        return steps

    @staticmethod
    def built_python(root, name):
        """The interpreter of the environment that `draft/NAME` was built into, from its status."""
        s = read_status(os.path.join(root, "draft", name)) or {}
        env = s.get("environment")
        if not env:
            raise Broken(f"draft/{name}: no `environment` in its status: {s}")
        return os.path.join(env, "bin", "python")

    def same_pins(self, root, name, venv):
        """Kiln's lock and raw uv's install must hold the same distributions at the same versions: the two timed
        the same work."""
        norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()  # noqa: E731
        with open(os.path.join(root, "draft", name, "requirements.lock"), encoding="utf-8") as f:
            locked = {(norm(m.group(1)), m.group(2)) for m in
                      (re.match(r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", line) for line in f) if m}
        frozen = run([self.uv, "pip", "freeze", "--python", os.path.join(venv, "bin", "python")], env=self.env)
        installed = {(norm(a), b) for a, _, b in (line.partition("==") for line in frozen.split()) if b}
        if locked != installed:
            raise Broken(f"Kiln locked {sorted(locked - installed)} where raw uv installed "
                         f"{sorted(installed - locked)}")
        return sorted(locked)

    def import_seconds(self, python, modules):
        """Each module imported in a fresh interpreter, without writing bytecode (`-B`), as an import check would:
        seconds per module."""
        took = []
        for module in modules:
            t0 = now()
            run([python, "-I", "-B", "-c", f"import {module}"], env=self.env)
            took.append(ms(now() - t0) / 1000)
        return took

    def example(self):
        libs, modules, version, python, links = self.example_source()
        rounds = self.n["example_rounds"]
        self.log(f"example: {', '.join(libs)} on Python {version}, 1 warm-up + {rounds} rounds, uv cache cold "
                 "then warm")
        root = self.workspace("ws-example", find_links=links, pythons={version: python})
        refs = os.path.join(self.tmp, "example-ref")
        os.makedirs(refs)
        # Each its own uv cache, both on the file system of the environments they fill, so both can hard-link.
        kiln_cache = os.path.join(root, ".kiln", "cache", "uv")
        uv_cache = os.path.join(refs, "uv-cache")
        if os.stat(refs).st_dev != os.stat(os.path.join(root, ".kiln")).st_dev:
            raise Broken(f"{refs} and {root}/.kiln are on different file systems")
        uv_env = dict(self.env, UV_CACHE_DIR=uv_cache)
        d = self.daemon(root, env=self.own_cache_env())
        d.wait_line(r"\] watching$")
        ino = self.watch_draft(root)
        # cold and warm: the import check runs, as for a lock never built here; "warm, lock verified": the same lock
        # imported in an earlier build, so `.kiln/verified/` answers for it (a rebuild of the same pins).
        phases = ("cold", "warm", "warm, lock verified")
        measured = {p: [] for p in phases}  # per round: (kiln s, kiln steps, (uv venv s, uv install s), imports)
        verified = os.path.join(root, ".kiln", "verified")
        pins = None
        for r in range(rounds + 1):  # round 0 makes the workspace's copy of the interpreter and is not counted
            for phase in phases:
                if phase == "cold":
                    shutil.rmtree(kiln_cache, ignore_errors=True)
                    shutil.rmtree(uv_cache, ignore_errors=True)
                if phase != "warm, lock verified":
                    shutil.rmtree(verified, ignore_errors=True)
                spec = self.distinct(libs)
                name = f"ex{r}-{phase.split(',')[0]}{'-v' if ',' in phase else ''}"
                venv = os.path.join(refs, name)

                def kiln_build():
                    t0 = save(os.path.join(root, "saved", name), spec_text(spec, version=version))
                    return ms(self.wait_ready(d, root, [name], timeout=900, ino=ino)[name] - t0) / 1000

                # Who goes first alternates, so neither always finds the other's page cache.
                if r % 2 == 0:
                    k = kiln_build()
                    u = self.raw_uv_steps(venv, spec, python, links, uv_env)
                else:
                    u = self.raw_uv_steps(venv, spec, python, links, uv_env)
                    k = kiln_build()
                if pins is None:
                    pins = self.same_pins(root, name, venv)
                imports = self.import_seconds(self.built_python(root, name), modules) if phase == "warm" else None
                self.log(f"example round {r} {phase}: Kiln {k:.2f} s {self.build_steps(root, name)}, raw uv "
                         f"{sum(u):.2f} s (venv {u[0]:.2f}, install {u[1]:.2f})")
                if r > 0:
                    measured[phase].append((k, self.build_steps(root, name), u, imports))
        ino.close()
        d.stop()

        label = "tiny stand-ins" if self.smoke else f"pandas + scikit-learn, Python {version}"
        notes = []
        for phase in phases:
            runs = measured[phase]
            k = statistics.median(x[0] for x in runs)
            u = statistics.median(sum(x[2]) for x in runs)
            ratio = k / u
            self.row(f"example ({label}), uv cache {phase}: save → ready, vs raw uv", f"{k:.2f} s", f"{u:.2f} s",
                     f"{ratio:.2f}×", "≤ 1.05×", "meets" if ratio <= 1.05 else "misses")
            step = lambda key: statistics.median(x[1].get(key, 0.0) for x in runs)  # noqa: E731
            rest = statistics.median(
                x[0] - x[1].get("python", 0.0) - max(x[1].get("create", 0.0), x[1].get("resolve", 0.0))
                - x[1].get("install", 0.0) - x[1].get("verify", 0.0) for x in runs)
            notes.append(
                f"{phase}: Kiln {', '.join(f'{x[0]:.2f}' for x in runs)} s (without the settle time: "
                f"{(k - SETTLE_MS / 1000) / u:.2f}× raw uv; the median of each round's own ratio: "
                f"{statistics.median(x[0] / sum(x[2]) for x in runs):.2f}×), raw uv "
                f"{', '.join(f'{sum(x[2]):.2f}' for x in runs)} s; medians per step, Kiln: python {step('python'):.2f}, "
                f"create {step('create'):.2f} alongside resolve {step('resolve'):.2f}, install {step('install'):.2f}, "
                f"verify {step('verify'):.2f}, the rest (settle, queue, finishing, status, move) {rest:.2f} s; raw uv: "
                "venv "
                f"{statistics.median(x[2][0] for x in runs):.2f}, install "
                f"{statistics.median(x[2][1] for x in runs):.2f} s")
        imports = [x[3] for x in measured["warm"]]
        per_module = [statistics.median(x[j] for x in imports) for j in range(len(modules))]
        self.notes["example"] = (
            f"{', '.join(libs)} on Python {version} ({python}; Kiln builds from its copy in `.kiln/pythons/`, made in "
            "an unmeasured warm-up round), both from the same wheel folder "
            + ("(the tiny wheels: a smoke run) " if self.smoke else
               f"(`{links[0]}`, filled once from PyPI with `pip download --only-binary=:all: --python-version "
               f"{EXAMPLE_PYTHON}`) ")
            + f"with no index; {len(pins)} distributions, the same pins in Kiln's lock and in raw uv's venv "
            f"({', '.join(f'{n}=={v}' for n, v in pins)}). Median of {len(measured['cold'])} rounds; in each, cold: "
            "Kiln's `.kiln/cache/uv` and raw uv's own cache (a folder on the same file system) both emptied, then "
            "one build each; warm: one more build each on the caches the cold builds left. Every spec is new to the "
            "store (`!=0.0.N` on the first library; raw uv gets the same strings); who goes first alternates. Kiln: "
            f"from the save's `rename()` to `draft/` holding it `ready` (settle `{SETTLE}`); raw uv: `uv venv "
            "--python` the same interpreter + `uv pip install --find-links W --no-index LIBS`. "
            + "; ".join(notes) + ". Kiln's import check (step `verify`) imports each library in a fresh interpreter, "
            "two at a time on this machine; raw uv checks nothing. For scale, the same imports, each in a fresh "
            "`python -I -B` in a warm-built environment, one after another, take "
            + ", ".join(f"{m} {t:.2f}" for m, t in zip(modules, per_module))
            + f" s (median), {sum(per_module):.2f} s one after another.")

    # ---------- 8. disk: twenty environments sharing one large library

    @staticmethod
    def disk_usage(path):
        """Bytes allocated under `path` (st_blocks × 512), each inode counted once, as one `du -s` does: an
        environment's files hard-linked from uv's cache cost nothing twice."""
        seen, total = set(), 0
        for dirpath, dirnames, filenames in os.walk(path):
            for entry in [dirpath] + [os.path.join(dirpath, n) for n in dirnames + filenames]:
                st = os.lstat(entry)
                if (st.st_dev, st.st_ino) not in seen:
                    seen.add((st.st_dev, st.st_ino))
                    total += st.st_blocks * 512
        return total

    def import_in_each(self, pythons, module):
        """One import, as a person's first use does: it writes bytecode, whatever this shell says."""
        env = dict(self.env)
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for python in pythons:
            run([python, "-c", f"import {module}"], env=env)

    def disk_kiln(self, name, specs, version, python, links, module):
        """Builds every spec in a new workspace; .kiln's size as a whole and by part, then after one import of the
        shared library in every environment (as people using it do)."""
        root = self.workspace(name, find_links=links, pythons={version: python})
        d = self.daemon(root, env=self.own_cache_env())
        d.wait_line(r"\] watching$")
        ino = self.watch_draft(root)
        names = [f"env-{i:02d}" for i in range(len(specs))]
        # The first alone, the rest at once: two builds that both find no copy of the interpreter yet both make one,
        # into the same temporary folder (Kiln's InterpreterStore names it by process id), and spoil it.
        for batch in (names[:1], names[1:]):
            for env_name in batch:
                save(os.path.join(root, "saved", env_name), spec_text(specs[names.index(env_name)], version=version))
            self.wait_ready(d, root, batch, timeout=600 + 120 * len(batch), ino=ino)
        ino.close()
        d.stop()
        kiln = os.path.join(root, ".kiln")
        refused = [n for n in os.listdir(os.path.join(kiln, "pythons")) if n.endswith(".not-relocatable")]
        if refused:
            raise Broken(f"{root}/.kiln/pythons/{refused[0]}: the interpreter was not kept in the workspace, so "
                         "`.kiln` does not hold what it normally does")
        sizes = {"whole": self.disk_usage(kiln)}
        for part in sorted(os.listdir(kiln)):
            sizes[part] = self.disk_usage(os.path.join(kiln, part))
        pythons = sorted({self.built_python(root, n) for n in names})
        if len(pythons) != len(names):
            raise Broken(f"{len(names)} specs were built into {len(pythons)} environments")
        self.import_in_each(pythons, module)
        sizes["after import"] = self.disk_usage(kiln)
        return sizes

    def disk_uv(self, name, specs, python, links, module):
        """The reference: raw uv, one venv per spec, all from one cache, in one folder on the same file system."""
        top = os.path.join(self.tmp, name)
        env = dict(self.env, UV_CACHE_DIR=os.path.join(top, "uv-cache"))
        venvs = [os.path.join(top, f"env-{i:02d}") for i in range(len(specs))]
        for venv, libs in zip(venvs, specs):
            self.raw_uv_steps(venv, libs, python, links, env)
        sizes = {"whole": self.disk_usage(top)}
        self.import_in_each([os.path.join(v, "bin", "python") for v in venvs], module)
        sizes["after import"] = self.disk_usage(top)
        return sizes

    def disk(self):
        n = self.n["disk_envs"]
        if self.smoke:
            large, module, version, python, links = SMOKE_LARGE_LIB, SMOKE_LARGE_IMPORT, "3.11", self.python, \
                [self.wheels]
        else:
            large, module, version = LARGE_LIB, LARGE_IMPORT, EXAMPLE_PYTHON
            python, links = find_python(version), [self.pypi_wheels(), self.wheels]
        specs = [[large, DISK_EXTRAS[i]] for i in range(n)]
        self.log(f"disk: 1 and {n} environments of {large} + one small library each, Kiln then raw uv")
        k1 = self.disk_kiln("ws-disk-1", specs[:1], version, python, links, module)
        kn = self.disk_kiln(f"ws-disk-{n}", specs, version, python, links, module)
        u1 = self.disk_uv("disk-uv-1", specs[:1], python, links, module)
        un = self.disk_uv(f"disk-uv-{n}", specs, python, links, module)
        mb = lambda b: f"{b / 1e6:.1f} MB"  # noqa: E731
        ratio, ref = kn["whole"] / k1["whole"], un["whole"] / u1["whole"]
        shared = "tiny stand-ins" if self.smoke else f"{large} + 1 small library each"
        self.row(f"disk: {n} environments vs 1, `.kiln` as a whole ({shared})", f"{ratio:.2f}×", f"{ref:.2f}×",
                 "—", "≤ 1.5×", "meets" if ratio <= 1.5 else "misses")
        self.row(f"disk: `.kiln` with 1 / {n} environments", f"{mb(k1['whole'])} / {mb(kn['whole'])}",
                 f"{mb(u1['whole'])} / {mb(un['whole'])}", "—", "—", "—")
        after, ref_after = kn["after import"] / k1["after import"], un["after import"] / u1["after import"]
        self.row(f"disk: {n} vs 1 after `import {module}` once in each", f"{after:.2f}×",
                 f"{ref_after:.2f}×", "—", "—", "—")
        without = lambda s: s["whole"] - s.get("pythons", 0)  # noqa: E731

        def parts(s):
            named = ("pythons", "cache", "envs")
            rest = sum(v for k, v in s.items() if k not in named + ("whole", "after import"))
            return ", ".join(f"{k}/ {mb(s.get(k, 0))}" for k in named) + f", the rest {mb(rest)}"
        self.notes["disk"] = (
            f"{n} specs on Python {version}, each `{large}` (the same wheel folder as the example) and one small "
            f"library of its own (kiln-bench-extra-NN, tiny wheels), saved at once (after the first, which the "
            "daemon builds alone: two builds that both start before the interpreter's copy in `.kiln/pythons/` "
            "exists both copy it, into one temporary folder, and spoil it) and built by the daemon (concurrency 2, its own caches in "
            f"`.kiln/cache/`); the same with 1 spec in another workspace. Size: "
            "st_blocks × 512 summed over every inode under `.kiln` once (hard links counted once, as `du -s`). "
            f"Kiln, 1 environment: {mb(k1['whole'])} ({parts(k1)}; each part measured alone, so a file linked from cache/ into envs/ counts in both); {n}: {mb(kn['whole'])} "
            f"({parts(kn)}). Without `.kiln/pythons/` (the interpreter's copy, the same for 1 or {n}): "
            f"{without(kn) / without(k1):.2f}×. After one `python -c 'import {module}'` in every environment (it "
            f"writes `__pycache__/` into each, files of its own, not shared): {mb(k1['after import'])} / "
            f"{mb(kn['after import'])}, {after:.2f}×. Reference: raw uv, `uv venv` + `uv pip install` of the same "
            f"specs into one folder with one uv cache inside it: {mb(u1['whole'])} / {mb(un['whole'])} "
            f"({ref:.2f}×); after the imports {mb(u1['after import'])} / {mb(un['after import'])} "
            f"({ref_after:.2f}×).")

    # ---------- all

    def cleanup(self):
        for h in self.helpers:
            if h.poll() is None:
                try:
                    os.killpg(h.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                h.wait()
        for d in self.daemons:
            try:
                d.stop()
            except Exception as e:  # keep cleaning up
                print(f"[bench] stopping a daemon: {e}", file=sys.stderr)
        for stop in self.helpers_stop:
            stop()


class Neighbours:
    """Other work on this small machine spoils timings. Between two looks, the CPU time the whole machine used
    (/proc/stat) less what this driver and every process it waited for used (getrusage): what someone else used.
    It costs nothing while measuring."""

    def __init__(self):
        self.start = self.look()

    @staticmethod
    def look():
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
        user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
        busy = (user + nice + system + irq + softirq + steal) / CLK_TCK
        ours = 0.0
        for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
            r = resource.getrusage(who)
            ours += r.ru_utime + r.ru_stime
        return busy, ours, time.monotonic()

    def since(self, then):
        busy, ours, t = self.look()
        return max(0.0, (busy - then[0]) - (ours - then[1])), t - then[2]


def parse_duration(text):
    """Seconds in a duration as Kiln writes one (`10m`, `30s`, `1h`, `250ms`)."""
    m = re.fullmatch(r"(\d+)(ms|s|m|h|d)", text)
    if not m:
        raise Broken(f"not a duration: {text!r}")
    return int(m.group(1)) * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}[m.group(2)]


def find_python(version):
    """As Kiln does: the newest pyenv version X.Y.*, else pythonX.Y on PATH."""
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    versions = os.path.join(root, "versions")
    if os.path.isdir(versions):
        found = [v for v in os.listdir(versions) if re.fullmatch(re.escape(version) + r"\.\d+", v)]
        for v in sorted(found, key=lambda v: int(v.rsplit(".", 1)[1]), reverse=True):
            path = os.path.join(versions, v, "bin", "python" + version)
            if os.access(path, os.X_OK):
                return path
    path = shutil.which("python" + version)
    if not path:
        raise Broken(f"no Python {version} on this machine")
    return path


def find_uv():
    """The real uv binary, as Kiln's ToolFinder finds it (a pyenv shim costs a shell start per call)."""
    if os.environ.get("KILN_UV"):
        return os.environ["KILN_UV"]
    path = os.environ.get("PATH", "").split(":")
    root = os.environ.get("PYENV_ROOT", os.path.expanduser("~/.pyenv"))
    candidates = [os.path.join(p, "uv") for p in path if "/shims" not in p]
    candidates.append(os.path.expanduser("~/.local/bin/uv"))
    versions = os.path.join(root, "versions")
    if os.path.isdir(versions):
        candidates += [os.path.join(versions, v, "bin", "uv") for v in sorted(os.listdir(versions), reverse=True)]
    for c in candidates:
        if os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    raise Broken("uv not found (install it: bash scripts/setup.sh)")


def page_reclaim():
    """DAMON schemes that page out memory nobody touched for a while make a "warm cache" go cold."""
    base = "/sys/kernel/mm/damon/admin/kdamonds"
    found = []
    try:
        for k in os.listdir(base):
            if not k.isdigit() or open(f"{base}/{k}/state").read().strip() != "on":
                continue
            for c in os.listdir(f"{base}/{k}/contexts"):
                if not c.isdigit():
                    continue
                ctx = f"{base}/{k}/contexts/{c}"
                aggr = int(open(f"{ctx}/monitoring_attrs/intervals/aggr_us").read()) / 1e6
                for sc in os.listdir(f"{ctx}/schemes"):
                    if not sc.isdigit():
                        continue
                    action = open(f"{ctx}/schemes/{sc}/action").read().strip()
                    age = int(open(f"{ctx}/schemes/{sc}/access_pattern/age/min").read())
                    found.append(f"DAMON `{action}` of memory idle for {age * aggr:.0f} s or more")
    except (OSError, ValueError):
        pass
    return "; ".join(found) or "none seen"


def machine(repo, kiln, uv, neighbours):
    def first(cmd):
        try:
            return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  cwd=repo).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return "?"

    cpu = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    commit = first(["git", "rev-parse", "--short", "HEAD"])
    dirty = first(["git", "status", "--porcelain", "--", "Sources", "Package.swift"])
    if dirty != "?":
        commit += " (with uncommitted changes in Sources/)"
    return [
        f"- machine: {os.cpu_count()} cores ({cpu}), {mem_kb / 1024 / 1024:.1f} GiB memory, Linux "
        f"{platform.release()}",
        f"- date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}",
        f"- kiln: commit {commit}, release build",
        f"- tools: {first([uv, '--version'])}; {first(['inotifywait', '--help'])}; "
        f"Python {platform.python_version()} (driver)",
        f"- proactive page reclaim: {page_reclaim()}",
        f"- CPU time used by other processes during the run (the machine's, less this run's): {neighbours}",
    ]


SMOKE_LABEL = ("SMOKE RUN: small sizes and short durations, to check that every measure runs end to end. These are "
               "the figures this run measured, not benchmarks: no target is judged. `bash Benchmarks/run.sh` without "
               "--smoke measures at full size and judges each against its target.")


def render(bench, header, elapsed, mode, only=None):
    smoke = mode == "smoke"
    if smoke:
        # Targets are set for the full sizes; against smoke sizes their verdicts would only mislead.
        out = ["| measure (smoke sizes) | Kiln | reference | ratio |", "|---|---|---|---|"]
        rows = [r[:4] for r in bench.rows]
    else:
        out = ["| measure | Kiln | reference | ratio | target | verdict |", "|---|---|---|---|---|---|"]
        rows = bench.rows
    for r in rows:
        out.append("| " + " | ".join(r) + " |")
    table = "\n".join(out)
    text = ["# Kiln benchmarks" + (" (smoke run)" if smoke else ""), ""]
    if smoke:
        text += [SMOKE_LABEL, ""]
    command = "bash Benchmarks/run.sh" + (" --smoke" if smoke else "") + (f" --only {only}" if only else "")
    text += [f"`{command}` ({mode}{', partial' if only else ''} run, {elapsed:.0f} s "
             "without the build). Every reference ran in the same run, on the same tree or the same specs.", ""]
    text += header + ["", table, "", "## How each was measured", ""]
    for key in ("reaction", "start-up", "sigterm", "rescan", "idle", "builds", "burst", "example", "disk", "web",
                "slurm"):
        if key in bench.notes:
            text.append(f"- **{key}**: {bench.notes[key]}")
    return table, "\n".join(text) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kiln", required=True, help="the release kiln binary")
    parser.add_argument("--smoke", action="store_true", help="small sizes: checks the suite runs, never a timing")
    parser.add_argument("--out", help="where to write the report (markdown)")
    parser.add_argument("--repo", default=os.path.join(HERE, ".."), help="the repository, for the commit")
    parser.add_argument("--only", help=f"comma-separated: {','.join(MEASURES + ONLY_MEASURES)} (default: all "
                        f"but {','.join(ONLY_MEASURES)})")
    parser.add_argument("--keep", action="store_true", help="keep the temp folder (workspaces, daemon logs)")
    args = parser.parse_args()

    sizes = dict(SMOKE if args.smoke else FULL)
    parts = (args.only or ",".join(MEASURES)).split(",")
    unknown = [p for p in parts if p not in MEASURES + ONLY_MEASURES]
    if unknown:
        parser.error(f"--only: no measure {', '.join(unknown)} (there are {', '.join(MEASURES)})")
    tmp = tempfile.mkdtemp(prefix="kiln-bench-")
    # SIGTERM and SIGHUP end the run through the same cleanup as an error or Ctrl-C.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, lambda signum, _: sys.exit(128 + signum))
    bench = None
    started = time.monotonic()
    neighbours = Neighbours()
    try:
        bench = Bench(os.path.abspath(args.kiln), sizes, args.smoke, tmp, os.path.abspath(args.repo))
        bench.log(f"{'smoke' if args.smoke else 'full'} run in {tmp}; kiln {bench.kiln}; uv {bench.uv}; "
                  f"python {bench.python}")
        bench.make_wheels()
        others = []
        for part in parts:
            before = Neighbours.look()
            getattr(bench, part)()
            foreign, took = neighbours.since(before)
            others.append(f"{part} {foreign:.1f} s in {took:.0f} s")
            bench.log(f"{part} done; CPU used by other processes meanwhile: {foreign:.1f} s in {took:.0f} s")
        elapsed = time.monotonic() - started
        header = machine(bench.repo, bench.kiln, bench.uv, "; ".join(others))
        table, report = render(bench, header, elapsed, "smoke" if args.smoke else "full", args.only)
        if args.smoke:
            print(SMOKE_LABEL)
        print(table)
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "w") as f:
                f.write(report)
            bench.log(f"report written to {args.out}")
        bench.log(f"done in {elapsed:.0f} s")
        return 0
    except Broken as e:
        print(f"kiln_bench: broken: {e}", file=sys.stderr)
        return 1
    finally:
        if bench:
            bench.cleanup()
        if args.keep:
            print(f"kiln_bench: kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)  # workspaces, daemon logs, caches: all inside


if __name__ == "__main__":
    sys.exit(main())
