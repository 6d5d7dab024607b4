#!/usr/bin/env bash
# Download pinned source distributions of real Python projects from PyPI into
# bench/corpus/ (ignored by git) and unpack them, so `scripts/smoke.sh` and the
# benchmarks run on the same code every time.
#
# Usage: scripts/fetch-corpus.sh [PACKAGE==VERSION ...]
# Without arguments it fetches the default corpus below. Needs python3 with pip.
set -euo pipefail

readonly DEFAULT_PACKAGES=(
    "django==5.2.19"
    "flask==3.1.3"
    "requests==2.34.2"
    "sqlalchemy==2.1.9"
)

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
corpus="${repository_root}/bench/corpus"
downloads="${corpus}/.downloads"

if [[ $# -gt 0 ]]; then
    packages=("$@")
else
    packages=("${DEFAULT_PACKAGES[@]}")
fi

mkdir -p "${downloads}"

for requirement in "${packages[@]}"; do
    echo "fetching ${requirement}" >&2
    python3 -m pip download --quiet --no-binary :all: --no-deps --dest "${downloads}" "${requirement}"
done

for archive in "${downloads}"/*.tar.gz; do
    name="$(basename "${archive}" .tar.gz)"
    if [[ -d "${corpus}/${name}" ]]; then
        echo "already unpacked: ${name}" >&2
        continue
    fi
    echo "unpacking ${name}" >&2
    tar -xzf "${archive}" -C "${corpus}"
done

echo "corpus ready in ${corpus}" >&2
