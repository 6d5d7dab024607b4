#!/usr/bin/env bash
# Install the peer tools the benchmarks compare Guardian with: pinned Ruff,
# Bandit and Semgrep in a virtual environment at bench/.venv (ignored by git),
# and hyperfine from Debian when it is missing.
#
# Usage: bench/setup.sh
# Needs python3 with the venv module, network access to PyPI, and root (or
# sudo) for apt-get when hyperfine is not installed yet.
set -euo pipefail

# Latest releases on PyPI on 2026-12-04 (`pip index versions NAME`).
readonly PINNED_TOOLS=(
    "ruff==0.17.6"
    "bandit==1.9.4"
    "semgrep==1.187.0"
)

repository_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${repository_root}/bench/.venv"

if [[ ! -x "${venv}/bin/python" ]]; then
    echo "creating ${venv}" >&2
    python3 -m venv "${venv}"
fi

echo "installing ${PINNED_TOOLS[*]}" >&2
"${venv}/bin/python" -m pip install --quiet --upgrade pip
"${venv}/bin/python" -m pip install --quiet "${PINNED_TOOLS[@]}"

if ! command -v hyperfine >/dev/null; then
    echo "installing hyperfine with apt-get" >&2
    if [[ "$(id -u)" -eq 0 ]]; then
        apt-get install -y hyperfine
    else
        sudo apt-get install -y hyperfine
    fi
fi

if [[ ! -x /usr/bin/time ]]; then
    echo "error: /usr/bin/time (GNU time) is missing; bench/run.sh needs it for peak RSS. Install the Debian package 'time'." >&2
    exit 1
fi

"${venv}/bin/ruff" --version
"${venv}/bin/bandit" --version | head -n 1
"${venv}/bin/semgrep" --version
hyperfine --version
