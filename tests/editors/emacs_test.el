;;; emacs_test.el --- Batch test of editors/emacs/guardian.el  -*- lexical-binding: t; -*-

;;; Commentary:

;; Run by tests/editors/emacs.sh, which sets GUARDIAN_BIN,
;; GUARDIAN_TEST_WORKSPACE (a writable copy of the Fry Factory example) and
;; GUARDIAN_TEST_STEERING_PATH (the folder for `guardian-steering-paths', or
;; empty when the steering documents stay in the workspace).
;; Opens app.py, starts eglot through the `eglot-server-programs' entry that
;; `guardian-eglot-setup' adds, waits for Flymake diagnostics, and checks the
;; sql-injection and hardcoded-secret findings of expected-findings.txt with
;; their cited sections, the clean lines, the UTF-16 fallback and
;; `guardian-open-policy'.  Exits with status 1 when any check failed.

;;; Code:

(require 'cl-lib)
(require 'subr-x)
(require 'guardian)

(defconst emacs-test-diagnostics-timeout 30
  "Seconds to wait for the expected Flymake diagnostics.")

(defconst emacs-test-categories '("sql-injection" "hardcoded-secret")
  "Finding categories of expected-findings.txt that this test checks.")

(defvar emacs-test-failures nil
  "Messages of the checks that failed, newest first.")

(defun emacs-test-check (condition message &rest arguments)
  "Record a failure with MESSAGE formatted with ARGUMENTS unless CONDITION."
  (unless condition
    (let ((text (apply #'format message arguments)))
      (push text emacs-test-failures)
      (message "  not ok: %s" text)))
  condition)

(defun emacs-test-read-expected (path)
  "Parse PATH into a list of (FIRST LAST CATEGORY SECTION)."
  (with-temp-buffer
    (insert-file-contents path)
    (let (entries)
      (dolist (line (split-string (buffer-string) "\n"))
        (when (string-match "\\`\\([0-9]+\\)\\(?:-\\([0-9]+\\)\\)?[ \t]+\\([^ \t]+\\)[ \t]*\\(.*?\\)[ \t]*\\'" line)
          (let ((first (string-to-number (match-string 1 line)))
                (last (match-string 2 line)))
            (push (list first
                        (if last (string-to-number last) first)
                        (match-string 3 line)
                        (match-string 4 line))
                  entries))))
      (nreverse entries))))

(defun emacs-test-diagnostic-lines (diagnostic)
  "Return the (FIRST . LAST) 1-based lines that DIAGNOSTIC covers."
  (cons (line-number-at-pos (flymake-diagnostic-beg diagnostic))
        (line-number-at-pos (max (flymake-diagnostic-beg diagnostic)
                                 (1- (flymake-diagnostic-end diagnostic))))))

(defun emacs-test-overlaps (diagnostic first last)
  "Return non-nil when DIAGNOSTIC covers any line from FIRST to LAST."
  (let ((lines (emacs-test-diagnostic-lines diagnostic)))
    (and (<= (car lines) last) (>= (cdr lines) first))))

(defun emacs-test-matching (category first last)
  "Return Guardian diagnostics of CATEGORY on lines FIRST to LAST."
  (seq-filter (lambda (diagnostic)
                (and (equal (plist-get (guardian--lsp-diagnostic diagnostic) :code) category)
                     (emacs-test-overlaps diagnostic first last)))
              (guardian-diagnostics)))

(defun emacs-test-findings-present-p (expected)
  "Return non-nil when every finding in EXPECTED has a diagnostic."
  (cl-every (lambda (entry)
              (emacs-test-matching (nth 2 entry) (nth 0 entry) (nth 1 entry)))
            expected))

(defun emacs-test-wait (predicate seconds)
  "Process events until PREDICATE returns non-nil or SECONDS pass."
  (let ((deadline (+ (float-time) seconds)))
    (while (and (not (funcall predicate)) (< (float-time) deadline))
      (accept-process-output nil 0.1))
    (funcall predicate)))

(defun emacs-test-describe (diagnostic)
  "Return a one-line description of DIAGNOSTIC."
  (format "line %d %s: %s"
          (car (emacs-test-diagnostic-lines diagnostic))
          (plist-get (guardian--lsp-diagnostic diagnostic) :code)
          (flymake-diagnostic-text diagnostic)))

(defun emacs-test-check-findings (expected clean)
  "Check the EXPECTED findings with their sections, and the CLEAN ranges."
  (dolist (entry expected)
    (pcase-let* ((`(,first ,last ,category ,section) entry)
                 (found (emacs-test-matching category first last)))
      (when (emacs-test-check found "missing diagnostic: %s on lines %d-%d" category first last)
        (emacs-test-check
         (seq-some (lambda (diagnostic) (string-search section (flymake-diagnostic-text diagnostic))) found)
         "%s on lines %d-%d: no message cites %S, got %S"
         category first last section (flymake-diagnostic-text (car found))))))

  (dolist (entry clean)
    (dolist (diagnostic (guardian-diagnostics))
      (emacs-test-check (not (emacs-test-overlaps diagnostic (nth 0 entry) (nth 1 entry)))
                        "clean lines %d-%d carry %s"
                        (nth 0 entry) (nth 1 entry) (emacs-test-describe diagnostic)))))

(defun emacs-test-check-position-encoding (server)
  "Check that SERVER chose UTF-16, the only encoding eglot 1.9 knows."
  (let ((encoding (plist-get (eglot--capabilities server) :positionEncoding)))
    (emacs-test-check (member encoding '(nil "utf-16"))
                      "server chose position encoding %S for a client that offers none" encoding)))

(defun emacs-test-diagnostic-text (diagnostic)
  "Return the buffer text that DIAGNOSTIC covers."
  (buffer-substring-no-properties (flymake-diagnostic-beg diagnostic) (flymake-diagnostic-end diagnostic)))

(defun emacs-test-check-non-ascii-positions ()
  "Append a line whose secret follows an emoji and compare its finding.
The finding must cover the same text as the one on the ASCII line
23.  Eglot counts UTF-16 code units, so a server that counted bytes
or code points would shift the range."
  (let ((reference (car (emacs-test-matching "hardcoded-secret" 23 23))))
    (when (and (emacs-test-check reference "no hardcoded-secret on line 23 to compare with")
               (emacs-test-check (< (flymake-diagnostic-beg reference) (flymake-diagnostic-end reference))
                                 "the hardcoded-secret range on line 23 is empty"))
      (let ((reference-text (emacs-test-diagnostic-text reference))
            (appended-line (1+ (count-lines (point-min) (point-max)))))
        (save-excursion
          (goto-char (point-max))
          (unless (bolp) (insert "\n"))
          (setq appended-line (line-number-at-pos))
          (insert "LABEL = \"🍟 café\"; PAYMENT_API_KEY = \"sk_live_4eC39HqLyjWDarjtT1zdp7dcFRYFACTORY\"\n"))
        ;; Eglot sends didChange from an idle timer, and batch Emacs is never
        ;; idle, so send it here.
        (eglot--signal-textDocument/didChange)
        (let ((found (emacs-test-wait (lambda ()
                                        (flymake-start)
                                        (emacs-test-matching "hardcoded-secret" appended-line appended-line))
                                      emacs-test-diagnostics-timeout)))
          (when (emacs-test-check found "no hardcoded-secret on the appended non-ASCII line %d" appended-line)
            (let ((appended-text (emacs-test-diagnostic-text (car found))))
              (emacs-test-check (equal appended-text reference-text)
                                "the non-ASCII line's finding covers %S, the ASCII line's covers %S"
                                appended-text reference-text))))))))

(defun emacs-test-check-open-policy (app-buffer)
  "Run `guardian-open-policy' on line 79 of APP-BUFFER and check the result."
  (switch-to-buffer app-buffer)
  (goto-char (point-min))
  (forward-line 78)
  (back-to-indentation)
  (condition-case err
      (progn
        (guardian-open-policy)
        (emacs-test-wait (lambda () (string-suffix-p "security-standards.md" (or buffer-file-name ""))) 10)
        (when (emacs-test-check (string-suffix-p "security-standards.md" (or buffer-file-name ""))
                                "guardian-open-policy did not open security-standards.md, current buffer: %s"
                                (buffer-name))
          (emacs-test-check (string-search "3.1 SQL" (thing-at-point 'line t))
                            "guardian-open-policy put point on %S, not on the 3.1 SQL heading"
                            (thing-at-point 'line t))))
    (error (emacs-test-check nil "guardian-open-policy failed: %s" (error-message-string err)))))

(defun emacs-test-run ()
  "Run every check and return the number of failures."
  (let* ((guardian-bin (or (getenv "GUARDIAN_BIN") (error "GUARDIAN_BIN is not set")))
         (workspace (or (getenv "GUARDIAN_TEST_WORKSPACE") (error "GUARDIAN_TEST_WORKSPACE is not set")))
         (entries (emacs-test-read-expected (expand-file-name "expected-findings.txt" workspace)))
         (expected (seq-filter (lambda (entry) (member (nth 2 entry) emacs-test-categories)) entries))
         (clean (seq-filter (lambda (entry) (equal (nth 2 entry) "clean")) entries)))
    (emacs-test-check expected "expected-findings.txt lists no sql-injection or hardcoded-secret finding")

    (setq guardian-command (list guardian-bin "lsp"))
    (let ((steering-path (getenv "GUARDIAN_TEST_STEERING_PATH")))
      (when (and steering-path (not (string-empty-p steering-path)))
        (setq guardian-steering-paths (list steering-path))))
    (guardian-eglot-setup)
    (find-file (expand-file-name "app.py" workspace))
    (python-mode)
    (apply #'eglot (eglot--guess-contact))

    (let ((server (eglot-current-server))
          (app-buffer (current-buffer)))
      (when (emacs-test-check server "eglot did not start a server for app.py")
        (message "eglot started %s" (eglot--project-nickname server))
        (emacs-test-check-position-encoding server)
        (let ((complete (emacs-test-wait (lambda () (with-current-buffer app-buffer
                                                      (flymake-start)
                                                      (emacs-test-findings-present-p expected)))
                                         emacs-test-diagnostics-timeout)))
          (message "%d guardian diagnostics after waiting (%s)"
                   (length (guardian-diagnostics)) (if complete "complete" "timed out")))
        (emacs-test-check-findings expected clean)
        (emacs-test-check-non-ascii-positions)
        (emacs-test-check-open-policy app-buffer)))))

(condition-case err
    (emacs-test-run)
  (error (emacs-test-check nil "test script error: %s" (error-message-string err))))

(if emacs-test-failures
    (progn
      (message "emacs: %d check(s) failed" (length emacs-test-failures))
      (kill-emacs 1))
  (message "emacs: all checks passed")
  (kill-emacs 0))

;;; emacs_test.el ends here
