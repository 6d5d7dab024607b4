;;; guardian.el --- Guardian security findings through eglot  -*- lexical-binding: t; -*-

;; Version: 0.1.0
;; Package-Requires: ((emacs "27.1") (eglot "1.9"))
;; Keywords: languages, tools
;; URL: https://example.invalid/guardian

;;; Commentary:

;; Guardian reports Python code that violates a security team's steering
;; documents, citing the violated section, and offers fixes as code actions.
;; This file registers the `guardian lsp' language server with eglot for
;; `python-mode' and `python-ts-mode'.  Findings show up through Flymake;
;; fixes run through `eglot-code-actions'.
;;
;; Setup:
;;
;;   (require 'guardian)
;;   (setq guardian-steering-paths '("~/src/appsec-policy/steering"))
;;   (guardian-eglot-setup)
;;   (add-hook 'python-mode-hook #'eglot-ensure)
;;
;; Eglot runs one server per major mode and project, so Guardian replaces the
;; default Python server (pylsp or pyright) in the buffers it manages.
;;
;; Eglot 1.9 sends no `positionEncodings', so the server falls back to UTF-16
;; positions, which is what eglot computes.

;;; Code:

(require 'cl-lib)
(require 'eglot)
(require 'flymake)
(require 'seq)

(defgroup guardian nil
  "Guardian security findings through eglot."
  :group 'tools
  :prefix "guardian-")

(defcustom guardian-command '("guardian" "lsp")
  "Command line that starts the Guardian language server on stdio.
The first element is the binary: a name looked up on `exec-path',
or an absolute path."
  :type '(repeat string))

(defcustom guardian-steering-paths nil
  "Folders of shared steering documents, sent as `steering.paths'.
Workspace documents in .guardian/steering and .kiro/steering apply
without this setting."
  :type '(repeat directory))

(defcustom guardian-major-modes '(python-mode python-ts-mode)
  "Major modes whose buffers Guardian's server manages."
  :type '(repeat symbol))

(defconst guardian-open-policy-command "guardian.openPolicy"
  "Command id of the server's \"open the policy section\" code action.")

(defconst guardian-diagnostic-source "guardian"
  "Value of the `source' field on every diagnostic that Guardian publishes.")

(defclass guardian-eglot-server (eglot-lsp-server) ()
  "Eglot connection to the Guardian language server.")

(defun guardian-initialization-options (_server)
  "Return the `initializationOptions' object for the Guardian server."
  (let ((paths (mapcar #'expand-file-name guardian-steering-paths)))
    `(:steering (:paths ,(vconcat paths)))))

(defun guardian-eglot-contact (&optional _interactive)
  "Return the eglot contact that starts `guardian-command'."
  (append (list 'guardian-eglot-server)
          guardian-command
          (list :initializationOptions #'guardian-initialization-options)))

(cl-defmethod eglot-handle-request
  ((server guardian-eglot-server) (_method (eql workspace/configuration)) &key items)
  "Answer the `guardian' section of a configuration request from SERVER.
With `guardian-steering-paths' set, that section carries the paths,
and eglot's `eglot-workspace-configuration' answers the other ITEMS."
  (let ((answers (cl-call-next-method)))
    (if (not guardian-steering-paths)
        answers
      (apply #'vector
             (cl-loop for item across items
                      for answer across answers
                      collect (if (equal (plist-get item :section) "guardian")
                                  (guardian-initialization-options server)
                                answer))))))

(defun guardian--send-settings (server)
  "Send `guardian-steering-paths' to SERVER as workspace settings.
On connect, eglot sends `eglot-workspace-configuration', by default
an empty object, and the server takes that as its settings, which
drops the steering paths from `initializationOptions'.  This hook
runs after eglot's and sends the paths again.  It sends nothing
when `guardian-steering-paths' is nil, so a `:guardian' section in
`eglot-workspace-configuration' still applies."
  (when (and (cl-typep server 'guardian-eglot-server) guardian-steering-paths)
    (jsonrpc-notify server :workspace/didChangeConfiguration
                    (list :settings (list :guardian (guardian-initialization-options server))))))

;;;###autoload
(defun guardian-eglot-setup ()
  "Register Guardian with eglot for `guardian-major-modes'.
The entry goes first in `eglot-server-programs', so it wins over
the default Python servers."
  (interactive)
  (setq eglot-server-programs
        (cons (cons guardian-major-modes #'guardian-eglot-contact)
              (seq-remove (lambda (entry) (eq (cdr entry) #'guardian-eglot-contact))
                          eglot-server-programs)))
  (add-hook 'eglot-connect-hook #'guardian--send-settings t))

(defun guardian--lsp-diagnostic (flymake-diagnostic)
  "Return the LSP diagnostic plist behind FLYMAKE-DIAGNOSTIC, or nil."
  (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data flymake-diagnostic))))

(defun guardian-diagnostics (&optional beg end)
  "Return the Flymake diagnostics that Guardian published between BEG and END.
Without BEG and END, return those of the whole buffer."
  (seq-filter (lambda (diagnostic)
                (let ((lsp-diagnostic (guardian--lsp-diagnostic diagnostic)))
                  (equal (plist-get lsp-diagnostic :source) guardian-diagnostic-source)))
              (flymake-diagnostics (or beg (point-min)) (or end (point-max)))))

(defun guardian--find-open-policy-command (actions)
  "Return the open-policy Command plist among code ACTIONS, or nil.
An entry of ACTIONS is a Command or a CodeAction that carries one."
  (seq-some (lambda (action)
              (let ((command (plist-get action :command)))
                (cond ((equal command guardian-open-policy-command) action)
                      ((and (listp command)
                            (equal (plist-get command :command) guardian-open-policy-command))
                       command))))
            actions))

(defun guardian--split-line-fragment (uri)
  "Split URI with an optional #L<line> fragment into (URI . ZERO-BASED-LINE)."
  (if (string-match "\\`\\(.*?\\)#L\\([0-9]+\\)" uri)
      (cons (match-string 1 uri) (1- (string-to-number (match-string 2 uri))))
    (cons (replace-regexp-in-string "#.*\\'" "" uri) 0)))

(defun guardian--location-from-argument (argument)
  "Return (URI . ZERO-BASED-LINE) from a command ARGUMENT, or nil.
ARGUMENT may be a Location, a LocationLink, a plist with :uri and
:line, or a URI string with an optional #L<line> fragment."
  (cond
   ((and (stringp argument) (string-match-p "\\`[a-zA-Z][a-zA-Z0-9+.-]*:" argument))
    (guardian--split-line-fragment argument))
   ((and (listp argument) (stringp (or (plist-get argument :uri) (plist-get argument :targetUri))))
    (let* ((split (guardian--split-line-fragment
                   (or (plist-get argument :uri) (plist-get argument :targetUri))))
           (range (or (plist-get argument :range)
                      (plist-get argument :targetSelectionRange)
                      (plist-get argument :targetRange)))
           (line (cond (range (plist-get (plist-get range :start) :line))
                       ((numberp (plist-get argument :line)) (plist-get argument :line))
                       (t (cdr split)))))
      (cons (car split) line)))))

(defun guardian--uri-to-path (uri)
  "Return the file name of URI; eglot 1.16 made this function public."
  (if (fboundp 'eglot-uri-to-path)
      (eglot-uri-to-path uri)
    (eglot--uri-to-path uri)))

(defun guardian--open-location (location)
  "Visit LOCATION, a (URI . ZERO-BASED-LINE) pair."
  (find-file (guardian--uri-to-path (car location)))
  (goto-char (point-min))
  (forward-line (cdr location)))

(defun guardian--open-policy-from-command (server command)
  "Open the policy section named by COMMAND's arguments, else ask SERVER to."
  (let* ((arguments (append (plist-get command :arguments) nil))
         (location (seq-some #'guardian--location-from-argument arguments)))
    (if location
        (guardian--open-location location)
      (eglot-execute-command server (plist-get command :command) (plist-get command :arguments)))))

;;;###autoload
(defun guardian-open-policy ()
  "Open the policy section cited by the Guardian finding at point."
  (interactive)
  (let* ((server (eglot--current-server-or-lose))
         (diagnostics (or (guardian-diagnostics (point) (1+ (point)))
                          (guardian-diagnostics (line-beginning-position) (line-end-position)))))
    (unless diagnostics
      (user-error "No Guardian finding at point"))
    (let* ((diagnostic (car diagnostics))
           (actions (eglot-code-actions (flymake-diagnostic-beg diagnostic)
                                        (flymake-diagnostic-end diagnostic)))
           (command (guardian--find-open-policy-command actions)))
      (unless command
        (user-error "The server offered no open-policy action for this finding"))
      (guardian--open-policy-from-command server command))))

;;;###autoload
(defun guardian-restart ()
  "Restart the Guardian server of the current buffer."
  (interactive)
  (eglot-reconnect (eglot--current-server-or-lose)))

(provide 'guardian)
;;; guardian.el ends here
