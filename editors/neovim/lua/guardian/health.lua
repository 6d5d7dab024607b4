--- :checkhealth guardian
---
--- Reports whether the Neovim version is supported, whether the server binary
--- is found and which version it reports, whether the configured steering
--- folders exist, and which Guardian clients are running.

local M = {}

local version_timeout_ms = 5000

local function configured_cmd(guardian)
  if guardian.has_native_config() then
    local config = vim.lsp.config[guardian.name]
    if config and config.cmd then
      return config.cmd
    end
  end
  return guardian.options.cmd
end

local function check_neovim_version(guardian)
  if vim.fn.has("nvim-0.10") ~= 1 then
    vim.health.error("Neovim 0.10 or newer is required", { "Upgrade Neovim" })
    return
  end

  if guardian.has_native_config() then
    vim.health.ok("Neovim 0.11+: the client is configured with vim.lsp.config and vim.lsp.enable")
  else
    vim.health.ok("Neovim 0.10: the client is started by a FileType autocommand")
  end
end

local function check_binary(cmd)
  if type(cmd) ~= "table" or type(cmd[1]) ~= "string" then
    vim.health.error("`cmd` is not a list of strings: " .. vim.inspect(cmd))
    return
  end

  local binary = cmd[1]
  if vim.fn.executable(binary) ~= 1 then
    vim.health.error(string.format("server binary %q not found or not executable", binary), {
      "Build it with `cargo build --release` and put target/release on PATH",
      'Or pass its path: require("guardian").setup({ cmd = { "/path/to/guardian", "lsp" } })',
    })
    return
  end
  vim.health.ok(string.format("server binary: %s", vim.fn.exepath(binary)))

  local result = vim.system({ binary, "--version" }, { text = true }):wait(version_timeout_ms)
  if result.code == 0 then
    vim.health.ok("version: " .. vim.trim(result.stdout or ""))
  else
    vim.health.warn(string.format("`%s --version` failed with exit code %s: %s", binary, tostring(result.code), vim.trim(result.stderr or "")))
  end
end

local function check_steering_paths(paths)
  if #paths == 0 then
    vim.health.info("no shared steering folders set; workspace .guardian/steering and .kiro/steering still apply")
    return
  end

  for _, path in ipairs(paths) do
    if vim.fn.isdirectory(path) == 1 then
      vim.health.ok("steering folder: " .. path)
    else
      vim.health.warn("steering folder not found: " .. path, { "Fix `steering_paths` in setup()" })
    end
  end
end

local function check_clients(guardian)
  local clients = guardian.get_clients()
  if #clients == 0 then
    vim.health.info("no Guardian client is running; open a Python file or steering document to start one")
    return
  end

  for _, client in ipairs(clients) do
    local buffer_count = vim.tbl_count(client.attached_buffers)
    vim.health.ok(string.format(
      "client %d attached to %d buffer(s), root %s, position encoding %s",
      client.id,
      buffer_count,
      client.root_dir or "(none)",
      client.offset_encoding
    ))
  end
end

function M.check()
  local guardian = require("guardian")

  vim.health.start("guardian: Neovim")
  check_neovim_version(guardian)

  vim.health.start("guardian: server")
  check_binary(configured_cmd(guardian))
  check_steering_paths(guardian.options.steering_paths)

  vim.health.start("guardian: clients")
  check_clients(guardian)
end

return M
