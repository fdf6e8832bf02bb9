#!/usr/bin/env bash
# Regenerate the option reference in docs/jobs.md from the option tables
# (`sluice help --markdown`). tests/integration/test_docs.sh fails when it
# is stale, so run this after adding or changing an option.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${SLUICE:-build/sluice}
/usr/bin/python3 - "$bin" <<'PY'
import subprocess, sys
ref = subprocess.run([sys.argv[1], 'help', '--markdown'], check=True,
                     capture_output=True, text=True).stdout
doc = open('docs/jobs.md').read()
b, e = '<!-- BEGIN GENERATED: sluice help --markdown -->', '<!-- END GENERATED -->'
head, rest = doc.split(b, 1)
_, tail = rest.split(e, 1)
open('docs/jobs.md', 'w').write(head + b + '\n' + ref + e + tail)
PY
