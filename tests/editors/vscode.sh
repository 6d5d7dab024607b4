#!/usr/bin/env bash
# Builds the VS Code extension in editors/vscode from its lock file, runs its
# unit tests (node's built-in test runner on the compiled JavaScript), packages
# the .vsix with @vscode/vsce and checks what the package contains.
#
# It does not start VS Code: the extension's activation code is compiled and
# type-checked here, but only run inside VS Code.
#
# Usage: tests/editors/vscode.sh
# Exit status: 0 passed, anything else failed.

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
