#!/usr/bin/env bash
# Runs every test suite: the Rust workspace tests (unit, snapshot and
# end-to-end tests of the real binary), then the real-editor tests (Neovim,
# Emacs, VS Code extension, Kakoune) and the pytest-lsp protocol suite, which
# all drive a freshly built `guardian` binary.
#
# Usage: tests/run-all.sh
# The editor and protocol suites install their clients on first use (pip,
# apt-get, npm), so they need those registries and, for apt-get, root.
# Building kak-lsp for the Kakoune test takes 5 to 13 minutes on a 2-core
# machine, so it is built only with GUARDIAN_KAK_LSP_INSTALL=yes; without
# it, the Kakoune test runs when kak-lsp is already installed and skips
# otherwise.
#
# The last line is "suites: N passed, N failed, N skipped". The exit status
# is non-zero when any suite failed.

set -uo pipefail
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT" || exit 2
export GUARDIAN_KAK_LSP_INSTALL="${GUARDIAN_KAK_LSP_INSTALL:-no}"
SKIP_STATUS=77
GUARDIAN_BIN="$REPO_ROOT/target/debug/guardian"

passed=0
failed=0
skipped=0
failed_names=()

# Runs one suite and counts its outcome by exit status: 0 passed, 77 skipped, else failed.
run_suite() {
    local name=$1
    shift
    echo "=== suite $name"
    local started=$SECONDS
    "$@"
    local status=$?
    local elapsed=$((SECONDS - started))

    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "=== suite $name: passed in ${elapsed}s"
    elif [ "$status" -eq "$SKIP_STATUS" ]; then
        skipped=$((skipped + 1))
        echo "=== suite $name: skipped"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "=== suite $name: FAILED (exit status $status) after ${elapsed}s"
    fi
}

run_suite cargo cargo test --workspace --no-fail-fast
run_suite build cargo build -p guardian
if [ -x "$GUARDIAN_BIN" ]; then
    run_suite editors bash tests/editors/run-all.sh "$GUARDIAN_BIN"
    run_suite kakoune bash tests/editors/kakoune.sh "$GUARDIAN_BIN"
    run_suite protocol bash tests/protocol/run.sh "$GUARDIAN_BIN"
else
    failed=$((failed + 1))
    failed_names+=("guardian binary")
    echo "=== no binary at $GUARDIAN_BIN, so the editor and protocol suites did not run"
fi

if [ "$failed" -gt 0 ]; then
    echo "failed suites: ${failed_names[*]}"
fi
echo "suites: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
