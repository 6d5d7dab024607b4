#!/usr/bin/env bash
# Runs Kakoune with kakoune-lsp and editors/kakoune/guardian.kak against the
# real `guardian lsp` on a copy of the Fry Factory example, inside a detached
# tmux session, and checks that the SQL finding on lines 61-63 appears with
# its citation in kak-lsp's *diagnostics* buffer. It runs twice: with the
# steering documents in the workspace, then outside it, passed with the
# guardian_steering_paths option.
#
# Usage: tests/editors/kakoune.sh [GUARDIAN_BIN]
# Environment: GUARDIAN_BIN (default target/debug/guardian), KAK_LSP (a
# kak-lsp binary; default: on PATH, else installed with cargo into
# $GUARDIAN_KAK_LSP_ROOT, /tmp/guardian-kak-lsp unless set, unless
# GUARDIAN_KAK_LSP_INSTALL=no, which skips the test instead), GUARDIAN_SHARED_DIR.
# Kakoune itself comes from PATH, else from `apt-get install kakoune`.
# Exit status: 0 passed, 77 skipped, anything else failed.

set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAK_LSP_CRATE="kak-lsp@22.0.0"
KAK_LSP_ROOT="${GUARDIAN_KAK_LSP_ROOT:-/tmp/guardian-kak-lsp}"
DIAGNOSTICS_TIMEOUT_SECONDS=60
KAK_SESSION="guardian-test-$$"

# Prints the kak binary, installing the Debian package when it is missing.
find_kak() {
    if ! command -v kak >/dev/null; then
        command -v apt-get >/dev/null || skip "kak is not installed and apt-get is not available"
        echo "installing kakoune with apt-get" >&2
        if ! apt-get install -y kakoune >&2; then
            apt-get update >&2 || skip "apt-get update failed; install kakoune by hand"
            apt-get install -y kakoune >&2 || skip "apt-get install kakoune failed"
        fi
    fi
    command -v kak
}

# Prints the kak-lsp binary: $KAK_LSP, else one on PATH, else one built with
# `cargo install` into $KAK_LSP_ROOT. That build took 280 s and, in a second
# run under heavier load, about 13.5 minutes in a Debian bookworm container
# where other Rust builds ran, so install kak-lsp ahead of time where you can.
find_kak_lsp() {
    if [ -n "${KAK_LSP:-}" ]; then
        [ -x "$KAK_LSP" ] || fail "KAK_LSP is set but not executable: $KAK_LSP"
        echo "$KAK_LSP"
        return
    fi
    if command -v kak-lsp >/dev/null; then
        command -v kak-lsp
        return
    fi

    if [ ! -x "$KAK_LSP_ROOT/bin/kak-lsp" ]; then
        if [ "${GUARDIAN_KAK_LSP_INSTALL:-yes}" = "no" ]; then
            skip "kak-lsp is not installed and GUARDIAN_KAK_LSP_INSTALL=no forbids building it"
        fi
        command -v cargo >/dev/null || skip "kak-lsp is not installed and cargo is not available"
        echo "installing $KAK_LSP_CRATE into $KAK_LSP_ROOT with cargo" >&2
        local started=$SECONDS
        CARGO_TARGET_DIR="$KAK_LSP_ROOT/target" cargo install "$KAK_LSP_CRATE" --locked --root "$KAK_LSP_ROOT" >&2 \
            || fail "cargo install $KAK_LSP_CRATE failed"
        echo "installed kak-lsp in $((SECONDS - started))s" >&2
    fi
    echo "$KAK_LSP_ROOT/bin/kak-lsp"
}

# Writes the kakrc of the test's fresh HOME: kak-lsp, Guardian's config with
# STEERING_PATH (may be empty) as steering.paths, and lsp-enable-window for
# Python windows.
write_kakrc() {
    local config_dir="$1" kak_lsp="$2" guardian_bin="$3" steering_path="$4"
    mkdir -p "$config_dir/kak"
    cat > "$config_dir/kak/kakrc" <<EOF
evaluate-commands %sh{'$kak_lsp'}
source '$REPO_ROOT/editors/kakoune/guardian.kak'
set-option global guardian_command '$guardian_bin'
set-option global guardian_steering_paths ${steering_path:+"'$steering_path'"}
set-option global lsp_debug true
hook global WinSetOption filetype=python %{ lsp-enable-window }
EOF
}

# Sends commands to the running Kakoune session.
kak_send() {
    printf '%s\n' "$1" | kak -p "$KAK_SESSION"
}

# Prints the value of lsp_diagnostic_error_count in the client's window, or
# nothing while the Kakoune session is not running yet.
error_count() {
    local output="$1"
    rm -f "$output"
    # Until Kakoune has started, `kak -p` fails with "connect to ... failed", which is expected.
    kak_send "evaluate-commands -client client0 %{ echo -to-file '$output' %opt{lsp_diagnostic_error_count} }" 2>/dev/null || true
    sleep 0.2
    cat "$output" 2>/dev/null || true
}

# Opens the *diagnostics* buffer and writes its text to a file.
dump_diagnostics_buffer() {
    local output="$1"
    kak_send "evaluate-commands -client client0 %{ lsp-diagnostics }"
    sleep 1
    kak_send "evaluate-commands -buffer *diagnostics* %{ execute-keys '%'; echo -to-file '$output' %val{selection} }"
    sleep 0.5
}

main() {
    local shared_dir guardian_bin kak kak_lsp
    shared_dir="$(find_shared_dir)"
    guardian_bin="$(find_guardian_bin "${1:-}")"
    command -v tmux >/dev/null || skip "tmux is not installed"
    kak="$(find_kak)"
    kak_lsp="$(find_kak_lsp)"
    echo "kakoune: $("$kak" -version), kak-lsp: $("$kak_lsp" --version), guardian: $guardian_bin"

    # Two runs, each on a fresh copy: steering documents in the workspace's
    # .kiro folder, then outside it, passed with guardian_steering_paths.
    local steering_source failed_variants=()
    for steering_source in workspace setting; do
        (run_test "$kak" "$kak_lsp" "$guardian_bin" "$shared_dir" "$steering_source") || failed_variants+=("$steering_source")
    done
    if [ "${#failed_variants[@]}" -gt 0 ]; then
        fail "kakoune test failed for: ${failed_variants[*]}"
    fi
    echo "PASS: kakoune"
}

# Runs Kakoune once and checks the SQL finding. Call it in a subshell: it
# exports the test's HOME and PATH and exits non-zero on failure.
run_test() {
    local kak="$1" kak_lsp="$2" guardian_bin="$3" shared_dir="$4" steering_source="$5"
    echo "--- steering documents from the $steering_source"
    WORKSPACE="$(copy_fry_factory "$shared_dir")"
    local scratch
    scratch="$(dirname "$WORKSPACE")"
    TMUX_SOCKET="$scratch/tmux.sock"
    trap 'tmux -S "$TMUX_SOCKET" kill-server 2>/dev/null || true; remove_workspace "$WORKSPACE"' EXIT

    local steering_path=""
    if [ "$steering_source" = "setting" ]; then
        steering_path="$(move_steering_out "$WORKSPACE")"
    fi

    # lsp.kak starts `kak-lsp` from PATH.
    PATH="$(dirname "$kak_lsp"):$PATH"
    export PATH HOME="$scratch/home" XDG_CONFIG_HOME="$scratch/home/.config" XDG_RUNTIME_DIR="$scratch/runtime"
    mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
    write_kakrc "$XDG_CONFIG_HOME" "$kak_lsp" "$guardian_bin" "$steering_path"

    tmux -S "$TMUX_SOCKET" new-session -d -x 160 -y 40 -c "$WORKSPACE" \
        "'$kak' -s '$KAK_SESSION' app.py 2>'$scratch/kak-stderr.log'"

    local count="" waited=0
    while [ "$waited" -lt "$DIAGNOSTICS_TIMEOUT_SECONDS" ]; do
        count="$(error_count "$scratch/count.txt")"
        if [ -n "$count" ] && [ "$count" -gt 0 ]; then
            break
        fi
        sleep 1
        waited=$((waited + 1))
    done
    if [ -z "$count" ] || [ "$count" -eq 0 ]; then
        tmux -S "$TMUX_SOCKET" capture-pane -p >&2 || true
        kak_send "evaluate-commands -buffer *debug* %{ execute-keys '%'; echo -to-file '$scratch/debug.txt' %val{selection} }" || true
        sleep 0.5
        tail -n 40 "$scratch/debug.txt" >&2 2>/dev/null || true
        fail "no error diagnostics in Kakoune after ${DIAGNOSTICS_TIMEOUT_SECONDS}s (lsp_diagnostic_error_count='$count')"
    fi
    echo "lsp_diagnostic_error_count=$count after about ${waited}s"

    dump_diagnostics_buffer "$scratch/diagnostics.txt"
    [ -s "$scratch/diagnostics.txt" ] || fail "the *diagnostics* buffer is empty or was not written"
    local sql_line
    sql_line="$(grep -E 'app\.py:6[1-3]:[0-9]+:.*sql-injection.*3\.1 SQL' "$scratch/diagnostics.txt" || true)"
    if [ -z "$sql_line" ]; then
        cat "$scratch/diagnostics.txt" >&2
        fail "no sql-injection finding citing 3.1 SQL on lines 61-63 in the *diagnostics* buffer"
    fi
    echo "found: $sql_line"

    kak_send "kill!" || true
}

main "$@"
