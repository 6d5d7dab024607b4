--- Guardian for Neovim.
---
--- This module owns the client side of `guardian lsp`: the plugin options, the
--- client configuration (through `vim.lsp.config`/`vim.lsp.enable` on Neovim
--- 0.11+, through `vim.lsp.start` in a FileType autocommand on Neovim 0.10),
--- and the actions behind :GuardianOpenPolicy and :GuardianRestart.

local M = {}

--- Client name, also the name of the `lsp/guardian.lua` configuration.
M.name = "guardian"

--- Command id of the server's "open the policy section" code action.
M.open_policy_command = "guardian.openPolicy"

--- Value of the `source` field on every diagnostic that Guardian publishes.
M.diagnostic_source = "guardian"

local defaults = {
  -- Server command: a list, or a string path to the binary (`lsp` is appended).
  cmd = { "guardian", "lsp" },
  filetypes = { "python", "markdown" },
  root_markers = { ".guardian", ".kiro", ".git", "pyproject.toml" },
  -- Folders of shared steering documents, sent as `steering.paths`.
  steering_paths = {},
  on_attach = nil,
  capabilities = nil,
}

M.options = vim.deepcopy(defaults)

local autocmd_group_name = "guardian.lsp.start"
local stop_timeout_ms = 5000

--- Returns true on Neovim 0.11+, which has `vim.lsp.config` and `vim.lsp.enable`.
function M.has_native_config()
  return vim.fn.has("nvim-0.11") == 1 and vim.lsp.config ~= nil and vim.lsp.enable ~= nil
end

local function normalize_cmd(cmd)
  if type(cmd) == "string" then
    return { cmd, "lsp" }
  end
  return cmd
end

local function expand_paths(paths)
  local expanded = {}
  for _, path in ipairs(paths or {}) do
    table.insert(expanded, vim.fs.normalize(path))
  end
  return expanded
end

--- Merges user options over the defaults and normalizes `cmd` and `steering_paths`.
function M.resolve_options(options)
  local resolved = vim.tbl_deep_extend("force", vim.deepcopy(defaults), options or {})
  resolved.cmd = normalize_cmd(resolved.cmd)
  resolved.steering_paths = expand_paths(resolved.steering_paths)
  return resolved
end

--- Returns the server settings, sent both as `initializationOptions` and as the
--- `guardian` section of `workspace/configuration`.
function M.server_settings()
  return { steering = { paths = M.options.steering_paths } }
end

-- Guardian's server may run `guardian.openPolicy` itself, by sending
-- `window/showDocument`. When it does not advertise the command, the client
-- opens the section from the command arguments instead.
local function on_init(client, initialize_result)
  local capabilities = initialize_result and initialize_result.capabilities or {}
  local provider = capabilities.executeCommandProvider
  local server_commands = type(provider) == "table" and provider.commands or {}

  if not vim.list_contains(server_commands, M.open_policy_command) then
    client.commands[M.open_policy_command] = function(command)
      M.open_location_from_arguments(command.arguments)
    end
  end
end

--- Returns the client configuration used by `vim.lsp.config` and `vim.lsp.start`.
function M.client_config()
  local settings = M.server_settings()
  return {
    cmd = M.options.cmd,
    filetypes = M.options.filetypes,
    root_markers = M.options.root_markers,
    init_options = settings,
    settings = { guardian = settings },
    on_init = on_init,
    on_attach = M.options.on_attach,
    capabilities = M.options.capabilities,
  }
end

local function warn(message)
  vim.notify("guardian: " .. message, vim.log.levels.WARN)
end

local function report_error(message)
  vim.notify("guardian: " .. message, vim.log.levels.ERROR)
end

local function should_attach(bufnr)
  local is_file_buffer = vim.bo[bufnr].buftype == ""
  local has_name = vim.api.nvim_buf_get_name(bufnr) ~= ""
  return is_file_buffer and has_name
end

local function root_dir_for(bufnr)
  local root = vim.fs.root(bufnr, M.options.root_markers)
  if root then
    return root
  end
  return vim.fs.dirname(vim.api.nvim_buf_get_name(bufnr))
end

-- Returns the client configuration for vim.lsp.start: on 0.11+ the merged
-- `vim.lsp.config` entry (lsp/guardian.lua plus user overrides), else ours.
local function start_config()
  if M.has_native_config() then
    return vim.deepcopy(vim.lsp.config[M.name])
  end
  return M.client_config()
end

--- Starts (or reuses) the Guardian client for one buffer through
--- `vim.lsp.start`. The FileType autocommand on Neovim 0.10 and
--- :GuardianRestart on every version call it.
function M.start(bufnr)
  if not should_attach(bufnr) then
    return nil
  end

  local config = start_config()
  config.name = M.name
  config.root_dir = root_dir_for(bufnr)
  config.filetypes = nil
  config.root_markers = nil

  return vim.lsp.start(config, { bufnr = bufnr })
end

-- NOTE: tests run this Neovim 0.10 path on Neovim 0.11 only, because no 0.10
-- build is installable there; 0.11 still accepts the 0.10 calls used here.
local function start_on_filetype()
  local group = vim.api.nvim_create_augroup(autocmd_group_name, { clear = true })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = M.options.filetypes,
    callback = function(event)
      M.start(event.buf)
    end,
  })

  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    local is_loaded = vim.api.nvim_buf_is_loaded(bufnr)
    if is_loaded and vim.list_contains(M.options.filetypes, vim.bo[bufnr].filetype) then
      M.start(bufnr)
    end
  end
end

--- Configures and enables the Guardian client.
---
--- Options: `cmd` (list, or path to the binary), `steering_paths` (list of
--- folders), `filetypes`, `root_markers`, `on_attach`, `capabilities`.
function M.setup(options)
  M.options = M.resolve_options(options)

  local binary = M.options.cmd[1]
  if vim.fn.executable(binary) ~= 1 then
    warn(string.format("server binary %q not found or not executable; set `cmd` in setup() or run :checkhealth guardian", binary))
  end

  if M.has_native_config() then
    vim.lsp.config(M.name, M.client_config())
    vim.lsp.enable(M.name)
  else
    start_on_filetype()
  end
end

--- Returns the Guardian clients, attached to `bufnr` when it is given.
function M.get_clients(bufnr)
  return vim.lsp.get_clients({ name = M.name, bufnr = bufnr })
end

local function is_stopped(client)
  if M.has_native_config() then
    return client:is_stopped()
  end
  return client.is_stopped()
end

local function stop_clients(clients)
  for _, client in ipairs(clients) do
    if M.has_native_config() then
      client:stop()
    else
      client.stop()
    end
  end

  return vim.wait(stop_timeout_ms, function()
    for _, client in ipairs(clients) do
      if not is_stopped(client) then
        return false
      end
    end
    return true
  end, 50)
end

--- Stops every Guardian client and starts new ones for the buffers they served.
function M.restart()
  local clients = M.get_clients()
  local buffers = {}
  for _, client in ipairs(clients) do
    for bufnr in pairs(client.attached_buffers) do
      table.insert(buffers, bufnr)
    end
  end

  if not stop_clients(clients) then
    report_error(string.format("the server did not stop within %d ms; try again", stop_timeout_ms))
    return
  end

  for _, bufnr in ipairs(buffers) do
    if vim.api.nvim_buf_is_loaded(bufnr) then
      M.start(bufnr)
    end
  end
end

-- Splits "file:///path#L12" or "file:///path#L12-L14" into a URI and a 0-based line.
local function split_line_fragment(uri)
  local base, line = uri:match("^(.-)#L(%d+)")
  if base then
    return base, tonumber(line) - 1
  end
  return (uri:gsub("#.*$", "")), 0
end

local function location_from_argument(argument)
  if type(argument) == "string" and argument:match("^%a[%w+.-]*:") then
    local uri, line = split_line_fragment(argument)
    return { uri = uri, line = line }
  end

  if type(argument) ~= "table" then
    return nil
  end

  local uri = argument.uri or argument.targetUri
  local range = argument.range or argument.targetSelectionRange or argument.targetRange
  if type(uri) ~= "string" then
    return nil
  end

  local plain_uri, fragment_line = split_line_fragment(uri)
  local line = fragment_line
  if type(range) == "table" and type(range.start) == "table" then
    line = range.start.line
  elseif type(argument.line) == "number" then
    line = argument.line
  end
  return { uri = plain_uri, line = line }
end

--- Opens the first location found in a command's arguments. Accepts a
--- Location (`uri` + `range`), a LocationLink, `{ uri, line }`, or a URI
--- string with an optional `#L<line>` fragment. Returns true when one opened.
function M.open_location_from_arguments(arguments)
  for _, argument in ipairs(arguments or {}) do
    local location = location_from_argument(argument)
    if location then
      vim.cmd.edit(vim.fn.fnameescape(vim.uri_to_fname(location.uri)))
      local last_line = vim.api.nvim_buf_line_count(0)
      vim.api.nvim_win_set_cursor(0, { math.min(location.line + 1, last_line), 0 })
      return true
    end
  end

  warn("the open-policy command carried no location to open")
  return false
end

--- Returns the Guardian diagnostics under the cursor: those whose range
--- contains the cursor column, else every Guardian diagnostic on the line.
function M.diagnostics_at_cursor(bufnr, window)
  local cursor = vim.api.nvim_win_get_cursor(window)
  local row, column = cursor[1] - 1, cursor[2]

  local on_line = {}
  for _, diagnostic in ipairs(vim.diagnostic.get(bufnr, { lnum = row })) do
    if diagnostic.source == M.diagnostic_source then
      table.insert(on_line, diagnostic)
    end
  end

  local under_cursor = vim.tbl_filter(function(diagnostic)
    local end_column = diagnostic.end_lnum == row and diagnostic.end_col or math.huge
    return diagnostic.col <= column and column <= end_column
  end, on_line)

  if #under_cursor > 0 then
    return under_cursor
  end
  return on_line
end

local function lsp_diagnostic(diagnostic)
  local user_data = diagnostic.user_data or {}
  return user_data.lsp
end

local function request(client, method, params, handler, bufnr)
  if M.has_native_config() then
    return client:request(method, params, handler, bufnr)
  end
  return client.request(method, params, handler, bufnr)
end

--- Runs an LSP Command through the client: the client's own handler when it
--- has one, else `workspace/executeCommand` on the server.
function M.execute_command(client, command, bufnr)
  if M.has_native_config() then
    client:exec_cmd(command, { bufnr = bufnr })
    return
  end

  local client_handler = client.commands[command.command] or vim.lsp.commands[command.command]
  if client_handler then
    client_handler(command, { bufnr = bufnr, client_id = client.id })
    return
  end
  request(client, "workspace/executeCommand", { command = command.command, arguments = command.arguments }, nil, bufnr)
end

--- Returns the open-policy Command among code actions, or nil. A code action
--- result entry is either a Command or a CodeAction that carries one.
function M.find_open_policy_command(actions)
  for _, action in ipairs(actions or {}) do
    if action.command == M.open_policy_command then
      return action
    end
    if type(action.command) == "table" and action.command.command == M.open_policy_command then
      return action.command
    end
  end
  return nil
end

-- Opens the cited section without the server's help: the related location
-- whose URI is the diagnostic's `codeDescription.href` (the section heading),
-- else the first related location, else the href itself.
local function open_related_section(diagnostics)
  for _, diagnostic in ipairs(diagnostics) do
    local original = lsp_diagnostic(diagnostic) or {}
    local href = original.codeDescription and original.codeDescription.href
    local related = original.relatedInformation or {}

    local locations = {}
    for _, information in ipairs(related) do
      if information.location and information.location.uri == href then
        table.insert(locations, information.location)
      end
    end
    if #locations == 0 and related[1] and related[1].location then
      table.insert(locations, related[1].location)
    end
    if #locations == 0 and href then
      table.insert(locations, href)
    end

    if #locations > 0 then
      return M.open_location_from_arguments(locations)
    end
  end
  return false
end

--- Opens the policy section cited by the Guardian diagnostic under the cursor,
--- through the server's open-policy code action.
function M.open_policy()
  local bufnr = vim.api.nvim_get_current_buf()
  local window = vim.api.nvim_get_current_win()
  local client = M.get_clients(bufnr)[1]
  if not client then
    report_error("no Guardian client is attached to this buffer; run :checkhealth guardian")
    return
  end

  local diagnostics = M.diagnostics_at_cursor(bufnr, window)
  if #diagnostics == 0 then
    warn("no Guardian finding under the cursor")
    return
  end

  -- Request the actions over the finding's own range, because servers filter
  -- actions by range and the cursor may sit outside it on the same line.
  local target = lsp_diagnostic(diagnostics[1])
  if not target then
    report_error("the diagnostic under the cursor has no LSP data")
    return
  end
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(bufnr),
    range = target.range,
    context = { diagnostics = { target } },
  }

  request(client, "textDocument/codeAction", params, function(err, actions)
    if err then
      report_error("code action request failed: " .. (err.message or vim.inspect(err)))
      return
    end

    local command = M.find_open_policy_command(actions)
    if command then
      M.execute_command(client, command, bufnr)
      return
    end

    if not open_related_section(diagnostics) then
      warn("the server offered no open-policy action for this finding")
    end
  end, bufnr)
end

return M
