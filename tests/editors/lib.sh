# Shared helpers for the editor tests, sourced by each tests/editors/*.sh.
#
# Exit status convention of every editor test: 0 passed, 77 skipped (the
# automake convention), anything else failed.

EDITOR_TESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$EDITOR_TESTS_DIR/../.." && pwd)"
SKIP_STATUS=77

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

skip() {
    echo "SKIP: $*" >&2
    exit "$SKIP_STATUS"
}

# Prints the folder of shared test data: $GUARDIAN_SHARED_DIR, else a
# `shared` folder beside the repository. When neither exists, skips the test,
# or fails it when CI=true.
find_shared_dir() {
    local candidate
    for candidate in "${GUARDIAN_SHARED_DIR:-}" "$REPO_ROOT/../shared"; do
        if [ -n "$candidate" ] && [ -d "$candidate/examples/fry-factory" ]; then
            (cd "$candidate" && pwd)
            return 0
        fi
    done

    local message="shared test data not found (looked in \$GUARDIAN_SHARED_DIR, and $REPO_ROOT/../shared)"
    if [ "${CI:-}" = "true" ]; then
        fail "$message; CI=true requires it"
    fi
    skip "$message"
}

# Prints the absolute path of the guardian binary: the first argument, else
# $GUARDIAN_BIN, else target/debug/guardian in the repository. Fails when it
# is not an executable file.
find_guardian_bin() {
    local binary="${1:-${GUARDIAN_BIN:-$REPO_ROOT/target/debug/guardian}}"
    if [ ! -x "$binary" ]; then
        fail "guardian binary not found or not executable: $binary (build it with 'cargo build', or pass its path as the first argument or in GUARDIAN_BIN)"
    fi
    echo "$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")"
}

# Copies the Fry Factory example (with its .kiro steering folder) to
# fry-factory/ in a new temporary folder, makes the copy writable, and prints
# the path of the copy. Remove the copy with remove_workspace.
copy_fry_factory() {
    local shared_dir="$1"
    local parent
    parent="$(mktemp -d "${TMPDIR:-/tmp}/guardian-editor-test.XXXXXX")"
    cp -R "$shared_dir/examples/fry-factory" "$parent/fry-factory"
    chmod -R u+w "$parent"
    echo "$parent/fry-factory"
}

# Moves the steering documents of a workspace copy out of the workspace, to
# policy/ beside it, as an organization's shared policy checkout would be,
# and prints that folder's path.
move_steering_out() {
    local workspace="$1"
    local policy_dir
    policy_dir="$(dirname "$workspace")/policy"
    mv "$workspace/.kiro/steering" "$policy_dir"
    rmdir "$workspace/.kiro"
    echo "$policy_dir"
}

# Removes a workspace made by copy_fry_factory, with its temporary parent.
remove_workspace() {
    local workspace="$1"
    case "$workspace" in
        */guardian-editor-test.*/fry-factory) rm -rf "$(dirname "$workspace")" ;;
        *) echo "not removing $workspace: not made by copy_fry_factory" >&2 ;;
    esac
}
