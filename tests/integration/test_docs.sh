#!/usr/bin/env bash
# docs/jobs.md's reference section is what `sluice help --markdown` prints
# (the option tables that validate job files): regenerate it with
# scripts/gen-docs.sh when an option changes.
source "$(dirname "$0")/lib.sh"
"$SLUICE" help --markdown > ref.md
$PY - "$SRC_DIR/docs/jobs.md" ref.md <<'PY'
import sys
doc = open(sys.argv[1]).read()
ref = open(sys.argv[2]).read()
b, e = '<!-- BEGIN GENERATED: sluice help --markdown -->\n', '<!-- END GENERATED -->'
section = doc.split(b, 1)[1].split(e, 1)[0]
if section != ref:
    sys.exit('docs/jobs.md reference is stale: run scripts/gen-docs.sh')
print('docs reference up to date')
PY
