#!/usr/bin/env bash
# Fetch the benchmark corpus: pinned PyPI source distributions of Django,
# SQLAlchemy and SymPy, tests included, unpacked into bench/corpus/ (ignored by
# git). Prints the number of Python lines per project and in all.
#
# Usage: bench/fetch-corpus.sh
# Needs python3 with pip and network access to PyPI. Downloading and unpacking
# are done by scripts/fetch-corpus.sh, so both scripts share one cache.
set -euo pipefail

# Versions checked with `pip index versions` on 2026-12-04. Keep them in step
# with BENCH_PROJECTS below.
readonly PINNED_PACKAGES=(
    "django==5.2.19"
    "sqlalchemy==2.1.9"
    "sympy==1.14.0"
)

# The directories the sdists unpack to, in the order of PINNED_PACKAGES.
# bench/run.sh names the same directories: change both together.
readonly BENCH_PROJECTS=(
    "django-5.2.19"
    "sqlalchemy-2.1.9"
    "sympy-1.14.0"
)

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${repository_root}/bench/corpus"

"${repository_root}/scripts/fetch-corpus.sh" "${PINNED_PACKAGES[@]}"

total=0
for project in "${BENCH_PROJECTS[@]}"; do
    if [[ ! -d "${corpus}/${project}" ]]; then
        echo "error: ${corpus}/${project} is missing after unpacking; check the version pins" >&2
        exit 1
    fi
    lines="$(find "${corpus}/${project}" -name '*.py' -type f -print0 | xargs -0 cat | wc -l)"
    files="$(find "${corpus}/${project}" -name '*.py' -type f | wc -l)"
    printf '%-20s %6d files %9d lines of Python\n' "${project}" "${files}" "${lines}"
    total=$((total + lines))
done
printf '%-20s %22d lines of Python\n' "total" "${total}"
