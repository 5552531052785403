#!/usr/bin/env bash
# Runs every test: installs the servers the tests need (if missing), then the whole solution's test suite,
# and prints one closing line 'N passed, N failed'.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/install-prerequisites.sh

results=$(mktemp -d)
status=0
dotnet test TypedMail.sln --logger "trx" --results-directory "$results" "$@" || status=$?

python3 - "$results" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = skipped = 0
for path in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    passed += int(c.get("passed", 0)); failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
    skipped += int(c.get("notExecuted", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
rm -rf "$results"
exit $status
