#!/usr/bin/env bash
# Runs the LSP protocol compliance suite (pytest-lsp) against the real
# `guardian lsp`, once per recorded client: VS Code, Neovim and Emacs.
#
# Usage: tests/protocol/run.sh [GUARDIAN_BIN] [PYTEST ARGS...]
# Environment: GUARDIAN_BIN (default target/debug/guardian),
# GUARDIAN_PROTOCOL_VENV (default /tmp/guardian-protocol-venv), GUARDIAN_SHARED_DIR, CI.
# Exit status: 0 passed, 77 skipped (no shared test data, unless CI=true),
# anything else failed.

set -euo pipefail
PROTOCOL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$PROTOCOL_DIR/../.." && pwd)"
VENV_DIR="${GUARDIAN_PROTOCOL_VENV:-/tmp/guardian-protocol-venv}"
SKIP_STATUS=77
PYTEST_NO_TESTS_RAN=5

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# Creates the venv and installs the pinned requirements, unless it already has them.
ensure_venv() {
    local stamp="$VENV_DIR/.guardian-requirements"
    if [ -f "$stamp" ] && cmp -s "$stamp" "$PROTOCOL_DIR/requirements.txt"; then
        return
    fi

    echo "installing tests/protocol/requirements.txt into $VENV_DIR" >&2
    python3 -m venv "$VENV_DIR" || fail "could not create the venv $VENV_DIR (is python3-venv installed?)"
    "$VENV_DIR/bin/pip" install --quiet -r "$PROTOCOL_DIR/requirements.txt" || fail "pip install of the protocol suite's requirements failed"
    cp "$PROTOCOL_DIR/requirements.txt" "$stamp"
}

main() {
    if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
        GUARDIAN_BIN="$1"
        shift
    fi
    GUARDIAN_BIN="${GUARDIAN_BIN:-$REPO_ROOT/target/debug/guardian}"
    [ -x "$GUARDIAN_BIN" ] || fail "guardian binary not found or not executable: $GUARDIAN_BIN (run 'cargo build -p guardian', or pass its path)"
    export GUARDIAN_BIN="$(cd "$(dirname "$GUARDIAN_BIN")" && pwd)/$(basename "$GUARDIAN_BIN")"

    ensure_venv

    cd "$PROTOCOL_DIR"
    local status=0
    "$VENV_DIR/bin/python" -m pytest -p no:cacheprovider "$@" || status=$?

    # Every test skips when the shared data is missing; report that as a skip, not a pass.
    if [ "$status" -eq 0 ] && [ -z "$(find_shared_dir)" ]; then
        exit "$SKIP_STATUS"
    fi
    if [ "$status" -eq "$PYTEST_NO_TESTS_RAN" ]; then
        fail "pytest collected no tests"
    fi
    exit "$status"
}

# Prints the shared test data folder the suite uses, or nothing. It looks in the same places as conftest.find_shared_dir.
find_shared_dir() {
    local candidate
    for candidate in "${GUARDIAN_SHARED_DIR:-}" "$REPO_ROOT/../shared"; do
        if [ -n "$candidate" ] && [ -d "$candidate/examples/fry-factory" ]; then
            echo "$candidate"
            return
        fi
    done
}

main "$@"
