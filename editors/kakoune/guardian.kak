# Guardian for Kakoune, through kakoune-lsp (the kak-lsp crate).
#
# Source this file after kak-lsp's own script, for example in kakrc:
#
#     eval %sh{kak-lsp}
#     source /path/to/guardian/editors/kakoune/guardian.kak
#     hook global WinSetOption filetype=python %{ lsp-enable-window }
#
# It replaces kak-lsp's default Python servers with `guardian lsp`. To keep
# another Python server as well, add its table to lsp_servers after this hook.

declare-option -docstring "command that starts Guardian; a name on PATH or an absolute path" \
    str guardian_command guardian

declare-option -docstring "folders of organization steering documents, sent as the steering.paths setting" \
    str-list guardian_steering_paths

# kak-lsp's default hooks would start pylsp or another Python server instead.
remove-hooks global lsp-filetype-python

hook -group guardian global BufSetOption filetype=python %{
    evaluate-commands %sh{
        # Print a value as a TOML basic string: backslashes and double quotes escaped.
        toml_string() {
            printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"
        }

        paths=""
        eval "set -- $kak_quoted_opt_guardian_steering_paths"
        for path in "$@"; do
            paths="$paths${paths:+, }$(toml_string "$path")"
        done

        printf 'set-option buffer lsp_servers %%{\n'
        printf '[guardian]\n'
        printf 'command = %s\n' "$(toml_string "$kak_opt_guardian_command")"
        printf 'args = ["lsp"]\n'
        printf 'root_globs = [".guardian", ".kiro", ".git", "pyproject.toml", "setup.py"]\n'
        printf 'settings_section = "guardian"\n'
        printf '[guardian.settings.guardian.steering]\n'
        printf 'paths = [%s]\n' "$paths"
        printf '}\n'
    }
}
