-- Default configuration of the Guardian language server for Neovim 0.11's
-- `vim.lsp.config`: `vim.lsp.enable("guardian")` works without setup(), and
-- setup() options take effect here too.
return require("guardian").client_config()
