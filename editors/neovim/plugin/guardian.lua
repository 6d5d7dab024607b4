-- User commands of the Guardian plugin. Loading the plugin starts no server:
-- call require("guardian").setup() or vim.lsp.enable("guardian") for that.

if vim.g.loaded_guardian then
  return
end
vim.g.loaded_guardian = true

vim.api.nvim_create_user_command("GuardianOpenPolicy", function()
  require("guardian").open_policy()
end, { desc = "Open the policy section cited by the Guardian finding under the cursor" })

vim.api.nvim_create_user_command("GuardianRestart", function()
  require("guardian").restart()
end, { desc = "Restart the Guardian language server" })
