#!/usr/bin/env bash
# Runs every editor test in order and prints a summary line of the form
# "editors: N passed, N failed, N skipped". Exits non-zero when any failed.
#
# Usage: tests/editors/run-all.sh [GUARDIAN_BIN]
# The binary (default target/debug/guardian) goes to the tests that start
# the server; see each script for the environment it reads.

set -uo pipefail
EDITOR_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SKIP_STATUS=77

TESTS=(neovim emacs vscode)

passed=0
failed=0
skipped=0
failed_names=()

for name in "${TESTS[@]}"; do
    echo "=== $name"
    started=$SECONDS
    "$EDITOR_TESTS_DIR/$name.sh" "$@"
    status=$?
    elapsed=$((SECONDS - started))

    if [ "$status" -eq 0 ]; then
        passed=$((passed + 1))
        echo "=== $name: passed in ${elapsed}s"
    elif [ "$status" -eq "$SKIP_STATUS" ]; then
        skipped=$((skipped + 1))
        echo "=== $name: skipped"
    else
        failed=$((failed + 1))
        failed_names+=("$name")
        echo "=== $name: FAILED (exit status $status) after ${elapsed}s"
    fi
done

if [ "$failed" -gt 0 ]; then
    echo "failed editor tests: ${failed_names[*]}"
fi
echo "editors: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
