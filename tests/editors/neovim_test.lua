-- Headless Neovim test of editors/neovim against the real `guardian lsp`.
--
-- Run by tests/editors/neovim.sh, which sets GUARDIAN_BIN,
-- GUARDIAN_TEST_WORKSPACE (a writable copy of the Fry Factory example),
-- GUARDIAN_TEST_START_PATH ("native" or "autocmd", see run()) and
-- GUARDIAN_TEST_STEERING_PATH (the steering folder for the steering_paths
-- option, or empty when the steering documents stay in the workspace).
-- Prints one line per failed check and exits with status 1 when any failed.

local DIAGNOSTICS_TIMEOUT_MS = 30000
local REQUEST_TIMEOUT_MS = 10000
local OPEN_POLICY_TIMEOUT_MS = 10000

local failures = {}

local function log(message)
  io.stdout:write(message .. "\n")
end

local function check(condition, message)
  if not condition then
    table.insert(failures, message)
    io.stderr:write("  not ok: " .. message .. "\n")
  end
  return condition
end

local function finish()
  if #failures == 0 then
    log("neovim: all checks passed")
    vim.cmd("qall!")
  else
    io.stderr:write(string.format("neovim: %d check(s) failed\n", #failures))
    vim.cmd("cquit! 1")
  end
end

-- Parses expected-findings.txt: "LINE[-LINE]  CATEGORY  [CITED-SECTION]".
local function read_expected_findings(path)
  local findings, clean_ranges = {}, {}
  for line in io.lines(path) do
    local first, last, category, section = line:match("^(%d+)%-?(%d*)%s+(%S+)%s*(.-)%s*$")
    if first then
      local range = { first = tonumber(first), last = tonumber(last ~= "" and last or first) }
      if category == "clean" then
        table.insert(clean_ranges, range)
      else
        table.insert(findings, { range = range, category = category, section = section })
      end
    end
  end
  return findings, clean_ranges
end

local function guardian_diagnostics(bufnr)
  return vim.tbl_filter(function(diagnostic)
    return diagnostic.source == "guardian"
  end, vim.diagnostic.get(bufnr))
end

-- True when the diagnostic's lines (1-based, inclusive) overlap the range.
local function overlaps(diagnostic, range)
  local first_line = diagnostic.lnum + 1
  local last_line = (diagnostic.end_lnum or diagnostic.lnum) + 1
  return first_line <= range.last and last_line >= range.first
end

local function matching_diagnostics(bufnr, category, range)
  return vim.tbl_filter(function(diagnostic)
    return diagnostic.code == category and overlaps(diagnostic, range)
  end, guardian_diagnostics(bufnr))
end

local function all_findings_present(bufnr, findings)
  for _, finding in ipairs(findings) do
    if #matching_diagnostics(bufnr, finding.category, finding.range) == 0 then
      return false
    end
  end
  return true
end

local function describe(diagnostic)
  return string.format("line %d %s: %s", diagnostic.lnum + 1, tostring(diagnostic.code), diagnostic.message)
end

local function find_line(bufnr, needle)
  for index, text in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    if text:find(needle, 1, true) then
      return index
    end
  end
  return nil
end

local function check_findings(bufnr, findings, clean_ranges)
  for _, finding in ipairs(findings) do
    local label = string.format("%s on lines %d-%d", finding.category, finding.range.first, finding.range.last)
    local found = matching_diagnostics(bufnr, finding.category, finding.range)
    if check(#found > 0, "missing diagnostic: " .. label) and finding.section ~= "" then
      local cites_section = vim.iter(found):any(function(diagnostic)
        return diagnostic.message:find(finding.section, 1, true) ~= nil
      end)
      check(cites_section, string.format("%s: no message cites %q, got %q", label, finding.section, found[1].message))
    end
  end

  for _, range in ipairs(clean_ranges) do
    for _, diagnostic in ipairs(guardian_diagnostics(bufnr)) do
      check(not overlaps(diagnostic, range), string.format("clean lines %d-%d carry %s", range.first, range.last, describe(diagnostic)))
    end
  end
end

local function check_health()
  vim.cmd("silent checkhealth guardian")
  local report = table.concat(vim.api.nvim_buf_get_lines(0, 0, -1, false), "\n")
  check(report:find("server binary: ", 1, true) ~= nil, "checkhealth does not report the server binary:\n" .. report)
  check(report:find("client %d+ attached to") ~= nil, "checkhealth does not report the attached client:\n" .. report)
  vim.cmd("bwipeout!")
end

local function sql_diagnostics_on(bufnr, range)
  return matching_diagnostics(bufnr, "sql-injection", range)
end

-- Returns the preferred quick fix among the code actions at the cursor,
-- resolved through codeAction/resolve when the server sends it without edits.
local function preferred_quickfix(client, bufnr, window, context_diagnostics)
  local params = vim.lsp.util.make_range_params(window, client.offset_encoding)
  params.context = { diagnostics = context_diagnostics, only = { "quickfix" } }

  local responses = vim.lsp.buf_request_sync(bufnr, "textDocument/codeAction", params, REQUEST_TIMEOUT_MS)
  local response = responses and responses[client.id]
  if not check(response and not response.err, "codeAction request failed: " .. vim.inspect(response)) then
    return nil
  end

  local actions = response.result or {}
  local preferred = vim.iter(actions):find(function(action)
    return action.isPreferred == true and type(action.kind) == "string" and vim.startswith(action.kind, "quickfix")
  end)
  if not check(preferred ~= nil, "no preferred quickfix at line 62, got: " .. vim.inspect(vim.tbl_map(function(action)
    return action.title
  end, actions))) then
    return nil
  end

  if preferred.edit == nil and client:supports_method("codeAction/resolve") then
    local resolved = client:request_sync("codeAction/resolve", preferred, REQUEST_TIMEOUT_MS, bufnr)
    if check(resolved and not resolved.err, "codeAction/resolve failed: " .. vim.inspect(resolved)) then
      preferred = resolved.result
    end
  end
  return preferred
end

local function check_sql_quickfix(client, bufnr, window)
  vim.api.nvim_win_set_cursor(window, { 62, 8 })
  local context_diagnostics = vim.tbl_map(function(diagnostic)
    return diagnostic.user_data.lsp
  end, sql_diagnostics_on(bufnr, { first = 61, last = 63 }))

  local action = preferred_quickfix(client, bufnr, window, context_diagnostics)
  if not action then
    return
  end
  if not check(action.edit ~= nil, "the preferred quickfix carries no edit: " .. vim.inspect(action)) then
    return
  end

  local line_count_before = vim.api.nvim_buf_line_count(bufnr)
  vim.lsp.util.apply_workspace_edit(action.edit, client.offset_encoding)
  local line_shift = vim.api.nvim_buf_line_count(bufnr) - line_count_before

  local query_line = find_line(bufnr, "SELECT id, item, salt, crispiness, ketchup FROM orders WHERE customer")
  if not check(query_line ~= nil, "the SQL query at line 62 is gone after the fix") then
    return
  end

  local call_text = table.concat(vim.api.nvim_buf_get_lines(bufnr, query_line - 2, query_line + 2 + line_shift, false), "\n")
  check(call_text:find("customer = ?", 1, true) ~= nil, "the fixed query has no `?` placeholder:\n" .. call_text)
  check(call_text:find("{customer}", 1, true) == nil, "the fixed query still interpolates {customer}:\n" .. call_text)
  check(call_text:find("%(%s*customer%s*,%s*%)") ~= nil, "the fixed call passes no (customer,) tuple:\n" .. call_text)

  -- The server re-publishes after the edit: the fixed query loses its finding
  -- while the other SQL findings (now shifted by line_shift) stay.
  local fixed_range = { first = query_line - 1, last = query_line + 1 }
  local unchanged_range = { first = 79 + line_shift, last = 79 + line_shift }
  local republished = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return #sql_diagnostics_on(bufnr, fixed_range) == 0 and #sql_diagnostics_on(bufnr, unchanged_range) > 0
  end, 100)
  check(republished, string.format(
    "after the fix, expected no sql-injection on lines %d-%d and one on line %d; got:\n%s",
    fixed_range.first,
    fixed_range.last,
    unchanged_range.first,
    table.concat(vim.tbl_map(describe, guardian_diagnostics(bufnr)), "\n")
  ))
end

local function check_open_policy(bufnr, window)
  vim.api.nvim_set_current_win(window)
  vim.api.nvim_set_current_buf(bufnr)
  local line = find_line(bufnr, 'cursor.execute("SELECT id FROM orders WHERE item')
  if not check(line ~= nil, "the query of line 79 is missing") then
    return
  end
  vim.api.nvim_win_set_cursor(window, { line, 8 })

  vim.cmd("GuardianOpenPolicy")
  local opened = vim.wait(OPEN_POLICY_TIMEOUT_MS, function()
    return vim.endswith(vim.api.nvim_buf_get_name(0), "security-standards.md")
  end, 100)
  if not check(opened, ":GuardianOpenPolicy did not open security-standards.md; current buffer: " .. vim.api.nvim_buf_get_name(0)) then
    return
  end

  local cursor_text = vim.api.nvim_get_current_line()
  check(cursor_text:find("3.1 SQL", 1, true) ~= nil, ":GuardianOpenPolicy put the cursor on " .. vim.inspect(cursor_text) .. ", not on the 3.1 SQL heading")
end

-- Text of the buffer under a diagnostic's range, in Neovim's byte columns.
local function diagnostic_text(bufnr, diagnostic)
  local end_line = diagnostic.end_lnum or diagnostic.lnum
  local end_col = diagnostic.end_col or diagnostic.col
  return table.concat(vim.api.nvim_buf_get_text(bufnr, diagnostic.lnum, diagnostic.col, end_line, end_col, {}), "\n")
end

-- Appends a line whose secret follows multi-byte characters, and checks that
-- its finding covers the same text as the one on the ASCII line 23. A wrong
-- position encoding shifts the range by the extra bytes of the emoji.
local function check_non_ascii_positions(bufnr)
  local reference = matching_diagnostics(bufnr, "hardcoded-secret", { first = 23, last = 23 })[1]
  if not check(reference ~= nil, "no hardcoded-secret on line 23 to compare with") then
    return
  end
  local reference_text = diagnostic_text(bufnr, reference)
  if not check(reference_text ~= "", "the hardcoded-secret range on line 23 is empty") then
    return
  end

  local appended_line = vim.api.nvim_buf_line_count(bufnr) + 1
  local text = 'LABEL = "🍟 café"; PAYMENT_API_KEY = "sk_live_4eC39HqLyjWDarjtT1zdp7dcFRYFACTORY"'
  vim.api.nvim_buf_set_lines(bufnr, -1, -1, false, { text })

  local appended_range = { first = appended_line, last = appended_line }
  local found = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return #matching_diagnostics(bufnr, "hardcoded-secret", appended_range) > 0
  end, 100)
  if not check(found, "no hardcoded-secret on the appended non-ASCII line " .. appended_line) then
    return
  end

  local appended = matching_diagnostics(bufnr, "hardcoded-secret", appended_range)[1]
  local appended_text = diagnostic_text(bufnr, appended)
  check(appended_text == reference_text, string.format(
    "the non-ASCII line's finding covers %q, the ASCII line's covers %q",
    appended_text,
    reference_text
  ))
end

-- Restarts from app.py's window: Neovim 0.11 pulls diagnostics
-- (textDocument/diagnostic) only for buffers shown in a window, and the
-- server answers pulls instead of pushing to clients that support them.
local function check_restart(bufnr, window, old_client_id)
  vim.api.nvim_set_current_win(window)
  vim.api.nvim_set_current_buf(bufnr)
  vim.cmd("GuardianRestart")
  local restarted = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    local client = require("guardian").get_clients(bufnr)[1]
    return client ~= nil and client.id ~= old_client_id and #guardian_diagnostics(bufnr) > 0
  end, 100)
  check(restarted, ":GuardianRestart did not attach a new client that publishes diagnostics")
end

local function run()
  local guardian_bin = assert(os.getenv("GUARDIAN_BIN"), "GUARDIAN_BIN is not set")
  local workspace = assert(os.getenv("GUARDIAN_TEST_WORKSPACE"), "GUARDIAN_TEST_WORKSPACE is not set")
  local findings, clean_ranges = read_expected_findings(workspace .. "/expected-findings.txt")
  check(#findings > 0, "expected-findings.txt lists no findings")

  local guardian = require("guardian")
  if os.getenv("GUARDIAN_TEST_START_PATH") == "autocmd" then
    -- Runs the Neovim 0.10 code path (vim.lsp.start from a FileType
    -- autocommand) on this newer Neovim, which still accepts its API calls.
    guardian.has_native_config = function()
      return false
    end
  end
  log("start path: " .. (guardian.has_native_config() and "vim.lsp.enable" or "FileType autocommand"))

  local steering_path = os.getenv("GUARDIAN_TEST_STEERING_PATH") or ""
  local steering_paths = steering_path ~= "" and { steering_path } or {}
  guardian.setup({ cmd = { guardian_bin, "lsp" }, steering_paths = steering_paths })

  vim.cmd.edit(vim.fn.fnameescape(workspace .. "/app.py"))
  local bufnr = vim.api.nvim_get_current_buf()
  local window = vim.api.nvim_get_current_win()

  local attached = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return #guardian.get_clients(bufnr) > 0
  end, 50)
  if not check(attached, "no guardian client attached to app.py") then
    return
  end
  local client = guardian.get_clients(bufnr)[1]
  check(client.root_dir == workspace, string.format("root_dir is %s, expected %s", tostring(client.root_dir), workspace))
  check(client.offset_encoding == "utf-8", "Neovim offers UTF-8 but the server chose " .. tostring(client.offset_encoding))

  local complete = vim.wait(DIAGNOSTICS_TIMEOUT_MS, function()
    return all_findings_present(bufnr, findings)
  end, 100)
  log(string.format("%d guardian diagnostics after waiting (%s)", #guardian_diagnostics(bufnr), complete and "complete" or "timed out"))
  check_findings(bufnr, findings, clean_ranges)

  check_health()
  check_non_ascii_positions(bufnr)
  check_sql_quickfix(client, bufnr, window)
  check_open_policy(bufnr, window)
  check_restart(bufnr, window, client.id)
end

local ok, err = xpcall(run, debug.traceback)
check(ok, "test script error: " .. tostring(err))
finish()
