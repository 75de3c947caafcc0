#!/usr/bin/env python3
"""Write tiny, real, installable wheels, so builds in tests and in the sample workspace need no index.

usage: make_wheels.py OUTDIR NAME==VERSION[:DEP,DEP...] ...
  e.g. make_wheels.py wheels kiln-demo-greet==1.0.0 kiln-demo-report==2.1.0:kiln-demo-greet>=1.0

Each wheel holds a module (the name with '-' as '_') whose __version__ is the version and whose greet()
returns "hello from NAME VERSION". Standard library only.
"""
import base64
import hashlib
import os
import sys
import zipfile


def record_line(path, data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def make_wheel(outdir, name, version, deps):
    module = name.replace("-", "_").replace(".", "_")
    dist = f"{module}-{version}"
    files = {
        f"{module}/__init__.py": (
            f'__version__ = "{version}"\n\n\ndef greet():\n    return "hello from {name} {version}"\n'
        ).encode(),
        f"{dist}.dist-info/METADATA": (
            "Metadata-Version: 2.1\n"
            f"Name: {name}\nVersion: {version}\nSummary: A test wheel made by Kiln\n"
            + "".join(f"Requires-Dist: {d}\n" for d in deps)
        ).encode(),
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: kiln-make-wheels\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ).encode(),
    }
    record = [record_line(p, d) for p, d in files.items()] + [f"{dist}.dist-info/RECORD,,"]
    files[f"{dist}.dist-info/RECORD"] = ("\n".join(record) + "\n").encode()
    path = os.path.join(outdir, f"{dist}-py3-none-any.whl")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for p, d in files.items():
            info = zipfile.ZipInfo(p, date_time=(2026, 1, 1, 0, 0, 0))  # fixed, so the wheel's hash is stable
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, d)
    return path


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    for arg in argv[2:]:
        spec, _, deps = arg.partition(":")
        name, sep, version = spec.partition("==")
        if not sep:
            sys.exit(f"{arg}: expected NAME==VERSION")
        print(make_wheel(outdir, name, version, [d for d in deps.split(",") if d]))


if __name__ == "__main__":
    main(sys.argv)
