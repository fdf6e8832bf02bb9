#!/usr/bin/env bash
# make quickstart: run examples/quickstart.yaml from a clean output folder
# and say where the output went.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf out/quickstart
build/sluice run examples/quickstart.yaml --until-idle
files=$(find out/quickstart/lake -name '*.json' -not -path '*/_errors/*' | wc -l)
rows=$(find out/quickstart/lake -name '*.json' -not -path '*/_errors/*' -exec cat {} + | wc -l)
echo
echo "Done: $rows rows in $files file(s) under out/quickstart/lake/"
find out/quickstart/lake -name '*.json' -not -path '*/_errors/*' | head -3 | sed 's/^/  /'
echo "First row:"
find out/quickstart/lake -name '*.json' -not -path '*/_errors/*' | head -1 | xargs head -1 | sed 's/^/  /'
echo "Checkpoint: build/sluice checkpoint show examples/quickstart.yaml"
