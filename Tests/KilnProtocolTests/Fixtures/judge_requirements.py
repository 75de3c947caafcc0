"""Judges requirement strings as pip's parser does, for RequirementAgreementTests.

Reads one JSON string per line on standard input (JSON, so a string may hold a new line) and prints one JSON
verdict per line: {"valid": bool, "canonical": str or null, "error": str}. `canonical` is str(Requirement(s)) with the name and the
extras normalised (packaging keeps their spelling), or null when packaging cannot print the requirement.
Exits 3 when `packaging` is not installed, so the test can say to run scripts/setup.sh.
"""

import json
import sys

try:
    import packaging
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name
except ImportError:
    print("the Python package 'packaging' is not installed for " + sys.executable, file=sys.stderr)
    sys.exit(3)


def judge(text):
    try:
        requirement = Requirement(text)
    except Exception as error:  # noqa: BLE001 - any refusal is a refusal, whatever its type
        return {"valid": False, "canonical": None, "error": type(error).__name__ + ": " + str(error).split("\n")[0]}
    canonical = None
    try:
        requirement.name = canonicalize_name(requirement.name)
        requirement.extras = {canonicalize_name(extra) for extra in requirement.extras}
        canonical = str(requirement)
        canonical.encode("utf-8")  # a lone surrogate from an escape cannot travel as text
    except Exception:  # noqa: BLE001 - printing can fail where parsing did not (a value with both quotes)
        canonical = None
    return {"valid": True, "canonical": canonical, "error": ""}


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--version":
        print(packaging.__version__)
        return
    out = sys.stdout
    for line in sys.stdin:
        out.write(json.dumps(judge(json.loads(line))) + "\n")


main()
