#!/usr/bin/env bash
# Run `guardian check --format json` over each unpacked project in
# bench/corpus/ (see scripts/fetch-corpus.sh) and print the number of findings
# per check, so a change in detection on real code is visible at a glance.
#
# Usage: scripts/smoke.sh [PROJECT_DIR ...]
# Without arguments it checks every folder in bench/corpus/. Builds the release
# binary first. The JSON reports are kept in bench/corpus/.reports/.
set -euo pipefail

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${repository_root}/bench/corpus"
reports="${corpus}/.reports"

cargo build --release --quiet --manifest-path "${repository_root}/Cargo.toml" -p guardian
guardian="${repository_root}/target/release/guardian"

if [[ $# -gt 0 ]]; then
    projects=("$@")
else
    projects=("${corpus}"/*/)
fi

mkdir -p "${reports}"

for project in "${projects[@]}"; do
    project="${project%/}"
    if [[ ! -d "${project}" ]]; then
        echo "not a folder: ${project}; run scripts/fetch-corpus.sh first" >&2
        exit 2
    fi
    name="$(basename "${project}")"
    report="${reports}/${name}.json"

    started=$(date +%s.%N)
    status=0
    "${guardian}" check --format json "${project}" > "${report}" || status=$?
    finished=$(date +%s.%N)
    if [[ ${status} -ge 2 ]]; then
        echo "guardian check failed on ${project} with exit status ${status}" >&2
        exit "${status}"
    fi

    python3 - "${report}" "${name}" "${started}" "${finished}" <<'PYTHON'
import json
import sys

report_path, name, started, finished = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
with open(report_path, encoding="utf-8") as report_file:
    report = json.load(report_file)

summary = report["summary"]
print(f"== {name}: {summary['files_checked']} files, {summary['findings']} findings, "
      f"{summary['files_skipped']} skipped, {finished - started:.2f} s wall time")
for rule, count in sorted(summary["by_rule"].items(), key=lambda item: (-item[1], item[0])):
    print(f"  {count:6d}  {rule}")
PYTHON
done
