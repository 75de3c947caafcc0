#!/usr/bin/env python3
"""Write tiny, real, installable wheels, so builds in tests and in the sample workspace need no index.

usage: make_wheels.py OUTDIR [OPTION ...] NAME==VERSION[:DEP,DEP...] ... [--slow-build NAME==VERSION ...]
  e.g. make_wheels.py wheels kiln-demo-greet==1.0.0 kiln-demo-report==2.1.0:kiln-demo-greet>=1.0

Each wheel holds a module (the name with '-' as '_') whose __version__ is the version and whose greet()
returns "hello from NAME VERSION". Standard library only.

Options before a NAME==VERSION change that one wheel only, for the import check's tests:
  --module MOD          the module is MOD, not the name with '-' as '_' (repeat for more top-level modules)
  --top-level           write top_level.txt (without it, an installer's RECORD is the only list of modules)
  --raise "Type: text"  importing the module raises Type("text"), a builtin exception type
  --load-library LIB    importing the module loads the shared library LIB with ctypes (one that does not exist
                        fails as a real missing system library does)
  --hang                importing the module starts a child process (its pid written to MODULE.child.pid beside
                        the module) and then sleeps for an hour
  --import-sleep SECONDS
                        importing the module sleeps SECONDS first: a build whose import check takes that long
  --scripts-only        no module at all: only a script, installed into the environment's bin/
  --file PATH           an empty file at PATH in the wheel, such as "fast.cpython-311-x86_64-linux-gnu.so" or
                        "pkg.libs/libx.so" (repeat for more)

--slow-build NAME==VERSION writes a source distribution instead, whose in-tree build backend sleeps for
SLOW_BUILD_SECONDS (120, or $KILN_SLOW_BUILD_SECONDS) and then fails: a real package whose build takes longer
than any test's patience, for the build timeout. It has no static metadata (no PKG-INFO, no [project] table), so
an installer must run the backend even to resolve it, and it needs nothing from an index.
"""
import base64
import hashlib
import io
import os
import sys
import tarfile
import zipfile

# KILN_SLOW_BUILD_SECONDS: longer, for a test that must outlast a limit it does not set (Slurm's time limit).
SLOW_BUILD_SECONDS = int(os.environ.get("KILN_SLOW_BUILD_SECONDS", "120"))

SLOW_BACKEND = f"""\
# A PEP 517 backend that never finishes in time: kiln's tests use it for the build timeout.
import time


def get_requires_for_build_wheel(config_settings=None):
    return []


def _hang(*args, **kwargs):
    time.sleep({SLOW_BUILD_SECONDS})
    raise RuntimeError("this package's build is meant to outlast the build timeout")


prepare_metadata_for_build_wheel = _hang
build_wheel = _hang
"""

SLOW_PYPROJECT = """\
[build-system]
requires = []
build-backend = "slow_backend"
backend-path = ["."]
"""


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


HANG = """\
import os, subprocess, time
_child = subprocess.Popen(["sleep", "3600"])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", __name__ + ".child.pid"), "w") as f:
    f.write(str(_child.pid))
time.sleep(3600)
"""


def module_source(name, version, options):
    source = f'__version__ = "{version}"\n\n\ndef greet():\n    return "hello from {name} {version}"\n'
    if "load_library" in options:
        source += f"\nimport ctypes\nctypes.CDLL({options['load_library']!r})\n"
    if "raise" in options:
        kind, _, text = options["raise"].partition(": ")
        source += f"\nraise {kind}({text!r})\n"
    if "import_sleep" in options:
        source += f"\nimport time\ntime.sleep({float(options['import_sleep'])!r})\n"
    if options.get("hang"):
        source += "\n" + HANG
    return source.encode()


def make_wheel(outdir, name, version, deps, options=None):
    options = options or {}
    stem = name.replace("-", "_").replace(".", "_")
    modules = options.get("modules") or [stem]
    dist = f"{stem}-{version}"
    files = {}
    if options.get("scripts_only"):
        files[f"{dist}.data/scripts/{name}"] = f"#!python\nprint('hello from {name} {version}')\n".encode()
    else:
        for module in modules:
            files[f"{module}/__init__.py"] = module_source(name, version, options)
        if options.get("top_level"):
            files[f"{dist}.dist-info/top_level.txt"] = "".join(m + "\n" for m in modules).encode()
    for extra in options.get("files", []):
        files[extra] = b""
    files.update({
        f"{dist}.dist-info/METADATA": (
            "Metadata-Version: 2.1\n"
            f"Name: {name}\nVersion: {version}\nSummary: A test wheel made by Kiln\n"
            + "".join(f"Requires-Dist: {d}\n" for d in deps)
        ).encode(),
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: kiln-make-wheels\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ).encode(),
    })
    record = [record_line(p, d) for p, d in files.items()] + [f"{dist}.dist-info/RECORD,,"]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    path = os.path.join(outdir, f"{dist}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in files.items():
            info = zipfile.ZipInfo(p, date_time=(2026, 1, 1, 0, 0, 0))  # fixed, so the wheel's hash is stable
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, d)
    return path


def make_slow_sdist(outdir, name, version):
    root = f"{name}-{version}"
    path = os.path.join(outdir, f"{root}.tar.gz")
    with tarfile.open(path, "w:gz") as tf:
        for member, text in (("pyproject.toml", SLOW_PYPROJECT), ("slow_backend.py", SLOW_BACKEND)):
            data = text.encode()
            info = tarfile.TarInfo(f"{root}/{member}")
            info.size = len(data)
            info.mtime = 1767225600  # fixed, like the wheels' dates
            tf.addfile(info, io.BytesIO(data))
    return path


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    slow = False
    options = {}
    args = iter(argv[2:])
    for arg in args:
        if arg == "--slow-build":
            slow = True
            continue
        if arg in ("--top-level", "--hang", "--scripts-only"):
            options[arg[2:].replace("-", "_")] = True
            continue
        if arg in ("--module", "--raise", "--load-library", "--file", "--import-sleep"):
            value = next(args, None)
            if value is None:
                sys.exit(f"{arg} needs a value")
            if arg in ("--module", "--file"):
                options.setdefault(arg[2:] + "s", []).append(value)
            else:
                options[arg[2:].replace("-", "_")] = value
            continue
        spec, _, deps = arg.partition(":")
        name, sep, version = spec.partition("==")
        if not sep:
            sys.exit(f"{arg}: expected NAME==VERSION")
        if slow:
            print(make_slow_sdist(outdir, name, version))
        else:
            print(make_wheel(outdir, name, version, [d for d in deps.split(",") if d], options))
            options = {}


if __name__ == "__main__":
    main(sys.argv)
