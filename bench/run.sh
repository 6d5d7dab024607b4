#!/usr/bin/env bash
# Time `guardian check` against Ruff, Bandit and Semgrep on the same corpus in
# one run, and print a Markdown table (median, min, max, ratio to Ruff, peak
# RSS) for docs/benchmarks.md.
#
# Usage: bench/run.sh [full|django]
#   full    Django, SQLAlchemy and SymPy together (the default)
#   django  Django alone
# Environment:
#   RUNS       timed runs for Guardian and Ruff (default 5)
#   SLOW_RUNS  timed runs for Bandit and Semgrep (default 1, because one run
#              takes minutes); these two also skip the warm-up run
#   SKIP_SLOW  set to 1 to time only Guardian and Ruff
# Needs bench/setup.sh and bench/fetch-corpus.sh to have run. Raw hyperfine
# JSON, peak RSS files and tool outputs go to bench/results/<scope>/ (ignored
# by git through bench/.gitignore).
set -euo pipefail

scope="${1:-full}"
runs="${RUNS:-5}"
slow_runs="${SLOW_RUNS:-1}"
skip_slow="${SKIP_SLOW:-0}"

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench="${repository_root}/bench"
venv="${bench}/.venv"
corpus="${bench}/corpus"
results="${bench}/results/${scope}"

case "${scope}" in
    full) projects=(django-5.2.19 sqlalchemy-2.1.9 sympy-1.14.0) ;;
    django) projects=(django-5.2.19) ;;
    *)
        echo "error: unknown scope '${scope}'; use 'full' or 'django'" >&2
        exit 2
        ;;
esac

targets=()
for project in "${projects[@]}"; do
    if [[ ! -d "${corpus}/${project}" ]]; then
        echo "error: ${corpus}/${project} not found; run bench/fetch-corpus.sh first" >&2
        exit 1
    fi
    targets+=("${corpus}/${project}")
done

for tool in ruff bandit semgrep; do
    if [[ ! -x "${venv}/bin/${tool}" ]]; then
        echo "error: ${venv}/bin/${tool} not found; run bench/setup.sh first" >&2
        exit 1
    fi
done

echo "building guardian (release)" >&2
cargo build --release --quiet -p guardian --manifest-path "${repository_root}/Cargo.toml"
guardian="${repository_root}/target/release/guardian"

mkdir -p "${results}"
rm -f "${results}"/rss-*.txt

# Each timed command runs under GNU time, which appends the peak RSS (KiB) of
# every run to rss-<name>.txt; the table reports the largest value.
timed() {
    local name="$1"
    shift
    printf '/usr/bin/time -a -o %q -f %%M %s' "${results}/rss-${name}.txt" "$*"
}

target_list="${targets[*]}"
# Cold: --no-cache, every file read and analyzed. Warm: the on-disk cache
# that the warm-up run fills provides the findings of every unchanged file.
guardian_command="${guardian} check --format json --no-color --no-cache ${target_list} > ${results}/guardian.json"
guardian_warm_command="${guardian} check --format json --no-color ${target_list} > ${results}/guardian-warm.json"
ruff_command="${venv}/bin/ruff check --select S --no-cache --output-format concise ${target_list} > ${results}/ruff.txt 2>/dev/null"
bandit_command="${venv}/bin/bandit -r -q -f json -o ${results}/bandit.json ${target_list}"
# --no-git-ignore: bench/corpus/ is ignored by this repository's .gitignore,
# and Semgrep would otherwise skip every file in it.
# --x-ignore-semgrepignore-files: without a .semgrepignore, Semgrep applies a
# built-in ignore list that skips test/ and tests/ folders (2,094 of the
# 5,044 corpus files were checked without this option).
semgrep_command="${venv}/bin/semgrep scan --config ${bench}/semgrep/python-security.yml --metrics=off --disable-version-check --no-git-ignore --x-ignore-semgrepignore-files --quiet --json --output ${results}/semgrep.json ${target_list}"

echo "load before: $(uptime)" | tee "${results}/load.txt" >&2

# Guardian and Ruff exit with status 1 when they report findings, so -i.
hyperfine --warmup 1 --runs "${runs}" -i --export-json "${results}/fast.json" \
    -n guardian "$(timed guardian "${guardian_command}")" \
    -n guardian-warm "$(timed guardian-warm "${guardian_warm_command}")" \
    -n ruff "$(timed ruff "${ruff_command}")" >&2

if [[ "${skip_slow}" != "1" ]]; then
    hyperfine --runs "${slow_runs}" -i --export-json "${results}/slow.json" \
        -n bandit "$(timed bandit "${bandit_command}")" \
        -n semgrep "$(timed semgrep "${semgrep_command}")" >&2
fi

echo "load after: $(uptime)" | tee -a "${results}/load.txt" >&2

python3 "${bench}/table.py" "${results}"
