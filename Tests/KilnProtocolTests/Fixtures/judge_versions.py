"""Orders pairs of versions as pip does, for VersionOrderAgreementTests.

Reads one JSON pair [a, b] per line on standard input and prints one JSON verdict per line: -1, 0 or 1 as
packaging.version.Version(a) sorts before, equal to or after Version(b), or null when either is not a version.
Exits 3 when `packaging` is not installed, so the test can say to run scripts/setup.sh.
"""

import json
import sys

try:
    import packaging
    from packaging.version import InvalidVersion, Version
except ImportError:
    print("the Python package 'packaging' is not installed for " + sys.executable, file=sys.stderr)
    sys.exit(3)


def judge(pair):
    try:
        a, b = Version(pair[0]), Version(pair[1])
    except InvalidVersion:
        return None
    return -1 if a < b else (1 if a > b else 0)


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--version":
        print(packaging.__version__)
        return
    out = sys.stdout
    for line in sys.stdin:
        out.write(json.dumps(judge(json.loads(line))) + "\n")


main()
