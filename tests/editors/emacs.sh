#!/usr/bin/env bash
# Runs `emacs --batch` with editors/emacs/guardian.el and eglot against the
# real `guardian lsp` on a copy of the Fry Factory example, and checks the
# Flymake diagnostics for SQL injection and hard-coded secrets with their
# cited sections, UTF-16 positions on a non-ASCII line and
# guardian-open-policy.
#
# Usage: tests/editors/emacs.sh [GUARDIAN_BIN]
# Environment: GUARDIAN_BIN (default target/debug/guardian), EMACS (default
# emacs; Debian's emacs-nox and elpa-eglot are installed with apt-get when
# no emacs is found), GUARDIAN_SHARED_DIR.
# Exit status: 0 passed, 77 skipped, anything else failed.

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

APT_PACKAGES=(emacs-nox elpa-eglot)
TEST_TIMEOUT_SECONDS=120

# Returns success when apt has an installation candidate for the package.
apt_has_candidate() {
    local candidate
    candidate="$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')"
    [ -n "$candidate" ] && [ "$candidate" != "(none)" ]
}

install_emacs() {
    command -v apt-get >/dev/null || fail "emacs is missing and apt-get is not available to install it"
    echo "installing ${APT_PACKAGES[*]} with apt-get" >&2
    apt-get update -q >&2 || fail "apt-get update failed"

    local package
    for package in "${APT_PACKAGES[@]}"; do
        apt_has_candidate "$package" || fail "apt has no installation candidate for $package"
    done
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${APT_PACKAGES[@]}" >&2 \
        || fail "apt-get install ${APT_PACKAGES[*]} failed"
}

# Prints the emacs to test with, installing Debian's when none is found.
find_emacs() {
    local emacs="${EMACS:-emacs}"
    if ! command -v "$emacs" >/dev/null; then
        [ -z "${EMACS:-}" ] || fail "EMACS is set but not executable: $EMACS"
        install_emacs
    fi
    command -v "$emacs"
}

main() {
    local shared_dir guardian_bin emacs
    shared_dir="$(find_shared_dir)"
    guardian_bin="$(find_guardian_bin "${1:-}")"
    emacs="$(find_emacs)"
    echo "emacs: $("$emacs" --version | head -n 1), guardian: $guardian_bin"

    # Steering documents in the workspace's .kiro folder, then outside the
    # workspace, passed with guardian-steering-paths.
    local steering_source failed_sources=()
    for steering_source in workspace setting; do
        run_test "$emacs" "$guardian_bin" "$shared_dir" "$steering_source" || failed_sources+=("$steering_source")
    done
    if [ "${#failed_sources[@]}" -gt 0 ]; then
        fail "emacs test failed with steering documents from: ${failed_sources[*]}"
    fi
    echo "PASS: emacs"
}

# Runs emacs_test.el once on a fresh copy, with the steering documents found
# through STEERING_SOURCE (workspace or setting). Returns non-zero on failure.
run_test() {
    local emacs="$1" guardian_bin="$2" shared_dir="$3" steering_source="$4"
    WORKSPACE="$(copy_fry_factory "$shared_dir")"
    trap 'remove_workspace "$WORKSPACE"' EXIT

    local steering_path=""
    if [ "$steering_source" = "setting" ]; then
        steering_path="$(move_steering_out "$WORKSPACE")"
    fi
    echo "--- steering from $steering_source, workspace $WORKSPACE"

    # --batch loads site-start files (Debian activates elpa-eglot there) but
    # no user init file.
    local status=0
    GUARDIAN_BIN="$guardian_bin" GUARDIAN_TEST_WORKSPACE="$WORKSPACE" GUARDIAN_TEST_STEERING_PATH="$steering_path" \
        timeout "$TEST_TIMEOUT_SECONDS" "$emacs" --batch \
        -L "$REPO_ROOT/editors/emacs" \
        -l "$EDITOR_TESTS_DIR/emacs_test.el" || status=$?
    remove_workspace "$WORKSPACE"

    if [ "$status" -eq 124 ]; then
        echo "FAIL: emacs test ($steering_source) timed out after $TEST_TIMEOUT_SECONDS s" >&2
    elif [ "$status" -ne 0 ]; then
        echo "FAIL: emacs test ($steering_source) failed (exit status $status)" >&2
    fi
    return "$status"
}

main "$@"
