#!/usr/bin/env bash
# Builds the VS Code extension in editors/vscode from its lock file, runs its
# tests (node's built-in test runner on the compiled JavaScript), packages
# the .vsix with @vscode/vsce and checks what the package contains.
#
# The tests include src/test/server.test.ts, which runs the extension's
# settings, status and open-policy logic on what the real `guardian lsp`
# sends to a client with VS Code's capabilities. It does not start VS Code:
# the activation code in extension.ts is compiled and type-checked here, but
# only runs inside VS Code.
#
# Usage: tests/editors/vscode.sh [GUARDIAN_BIN]
# Environment: GUARDIAN_BIN (default target/debug/guardian), GUARDIAN_SHARED_DIR.
# Exit status: 0 passed, anything else failed. Without the shared example
# (and CI unset) the server tests are skipped and the rest still runs.

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

EXTENSION_DIR="$REPO_ROOT/editors/vscode"
MINIMUM_NODE_MAJOR=20
VSIX_NAME="guardian.vsix"

# Files the package must contain (paths inside the .vsix), and files it must not.
REQUIRED_ENTRIES=(
    extension/package.json
    extension/out/extension.js
    extension/out/binary.js
    extension/node_modules/vscode-languageclient/package.json
)
FORBIDDEN_PREFIXES=(extension/src/ extension/out/test/ extension/tsconfig.json)

check_node() {
    command -v node >/dev/null || fail "node is not installed (Node.js $MINIMUM_NODE_MAJOR or newer is required)"
    command -v npm >/dev/null || fail "npm is not installed"

    local major
    major="$(node -p 'process.versions.node.split(".")[0]')"
    [ "$major" -ge "$MINIMUM_NODE_MAJOR" ] || fail "Node.js $major is too old; @vscode/vsce requires $MINIMUM_NODE_MAJOR or newer"
}

# Prints the entry names of a zip file, one per line.
list_zip() {
    python3 -c 'import sys, zipfile; print("\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))' "$1"
}

check_vsix_contents() {
    local vsix="$1"
    local entries
    entries="$(list_zip "$vsix")" || fail "$vsix is not a valid zip file"

    local entry prefix
    for entry in "${REQUIRED_ENTRIES[@]}"; do
        grep -qxF "$entry" <<<"$entries" || fail "$VSIX_NAME lacks $entry"
    done
    for prefix in "${FORBIDDEN_PREFIXES[@]}"; do
        if grep -q "^$prefix" <<<"$entries"; then
            fail "$VSIX_NAME contains $prefix, which .vscodeignore should exclude"
        fi
    done
}

main() {
    check_node

    # find_shared_dir exits 77 to skip, but here only the server tests skip.
    local shared_dir="" shared_status=0
    shared_dir="$(find_shared_dir)" || shared_status=$?
    if [ "$shared_status" -eq 0 ]; then
        export GUARDIAN_BIN GUARDIAN_TEST_EXAMPLE
        GUARDIAN_BIN="$(find_guardian_bin "${1:-}")"
        GUARDIAN_TEST_EXAMPLE="$shared_dir/examples/fry-factory"
    elif [ "$shared_status" -eq "$SKIP_STATUS" ]; then
        unset GUARDIAN_BIN GUARDIAN_TEST_EXAMPLE
        echo "vscode: the server tests will be skipped" >&2
    else
        exit "$shared_status"
    fi

    cd "$EXTENSION_DIR" || fail "extension folder not found: $EXTENSION_DIR"
    echo "vscode: node $(node --version), npm $(npm --version)"

    npm ci --no-audit --no-fund || fail "npm ci failed"
    npm run compile || fail "npm run compile failed (TypeScript errors above)"
    npm test || fail "npm test failed"

    rm -f "$VSIX_NAME"
    npm run package || fail "npm run package failed"
    [ -f "$VSIX_NAME" ] || fail "npm run package produced no $VSIX_NAME"
    check_vsix_contents "$EXTENSION_DIR/$VSIX_NAME"

    echo "PASS: vscode ($EXTENSION_DIR/$VSIX_NAME)"
}

main "$@"
