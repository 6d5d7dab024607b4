"""A pytest-lsp client for Guardian's language server, and the helpers the
protocol tests share: recorded client capabilities, diagnostics by push or
pull, position conversion in the negotiated encoding, and applying edits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import pathlib
import time
from collections.abc import Callable, Sequence

import pytest_lsp
from lsprotocol import types
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]

# The recorded client capabilities that pytest-lsp 1.0.1 ships, pinned to a
# version so a pytest-lsp upgrade that adds a recording does not change what runs.
RECORDED_CLIENTS = {
    "vscode": "visual-studio-code@v1.65.2",
    "neovim": "neovim@v0.11.0",
    "emacs": "emacs@v29.1",
}

DIAGNOSTICS_TIMEOUT_SECONDS = 15.0
EXIT_TIMEOUT_SECONDS = 10.0
POLL_INTERVAL_SECONDS = 0.02


def guardian_bin() -> pathlib.Path:
    """Return the server binary: $GUARDIAN_BIN, else target/debug/guardian in the repository."""
    configured = os.environ.get("GUARDIAN_BIN")
    return pathlib.Path(configured) if configured else REPO_ROOT / "target" / "debug" / "guardian"


@dataclasses.dataclass
class OpenDocument:
    """A document the test client opened, with the text and version the server has."""

    uri: str
    text: str
    version: int


class GuardianTestClient(LanguageClient):
    """A LanguageClient that also records every diagnostics publication with
    its version, and every capability registration the server sends."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.publications: dict[str, list[types.PublishDiagnosticsParams]] = {}
        self.registrations: list[types.Registration] = []
        self.unregistrations: list[types.Unregistration] = []
        self.client_name: str = ""
        self.workspace: pathlib.Path | None = None
        self.initialize_result: types.InitializeResult | None = None
        self.exit_sent = False

    @property
    def position_encoding(self) -> str:
        """The position encoding the server chose. Without one, LSP defines UTF-16."""
        assert self.initialize_result is not None, "the session is not initialized"
        chosen = self.initialize_result.capabilities.position_encoding
        return str(chosen.value if hasattr(chosen, "value") else chosen or "utf-16")

    @property
    def pulls_diagnostics(self) -> bool:
        """Whether this client declares `textDocument/diagnostic` and the server offers it."""
        assert self.capabilities is not None and self.initialize_result is not None
        text_document = self.capabilities.text_document
        client_pulls = text_document is not None and text_document.diagnostic is not None
        server_offers = self.initialize_result.capabilities.diagnostic_provider is not None
        return client_pulls and server_offers

    def publication_count(self, uri: str) -> int:
        return len(self.publications.get(uri, []))

    def open(self, path: pathlib.Path, text: str | None = None) -> OpenDocument:
        """Send `didOpen` for a file, with its text on disk unless `text` is given."""
        document = OpenDocument(uri=path.as_uri(), text=path.read_text() if text is None else text, version=1)
        item = types.TextDocumentItem(uri=document.uri, language_id="python", version=1, text=document.text)
        self.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))
        return document

    def change(self, document: OpenDocument, edits: Sequence[types.TextEdit]) -> None:
        """Apply edits to a document and send them as incremental `didChange` changes.

        The edits of one WorkspaceEdit all refer to the original text, so they
        are sent from the end of the document backwards, so each change is
        still valid after the ones before it.
        """
        ordered = sorted(edits, key=lambda edit: (edit.range.start.line, edit.range.start.character), reverse=True)
        changes = [types.TextDocumentContentChangePartial(range=edit.range, text=edit.new_text) for edit in ordered]
        document.text = apply_edits(document.text, edits, self.position_encoding)
        document.version += 1
        identifier = types.VersionedTextDocumentIdentifier(uri=document.uri, version=document.version)
        self.text_document_did_change(
            types.DidChangeTextDocumentParams(text_document=identifier, content_changes=changes)
        )

    async def current_diagnostics(self, document: OpenDocument) -> list[types.Diagnostic]:
        """Return the diagnostics of the document's current version, pulled or pushed as the client declares."""
        if self.pulls_diagnostics:
            report = await self.pull_diagnostics(document)
            assert isinstance(report, types.RelatedFullDocumentDiagnosticReport), f"expected a full report, got {report!r}"
            return list(report.items)

        publication = await self.wait_for_publication(
            document.uri, lambda published: published.version == document.version
        )
        return list(publication.diagnostics)

    async def diagnostics_matching(
        self,
        document: OpenDocument,
        accept: Callable[[list[types.Diagnostic]], bool],
        published_before: int = 0,
    ) -> list[types.Diagnostic]:
        """Wait until the document's diagnostics satisfy `accept`, for example after a policy change.

        A push client waits for a publication of the current version after
        the first `published_before` ones. A pull client pulls again until the
        report is accepted, because a client without refresh support learns
        of a policy change only by pulling.
        """
        if not self.pulls_diagnostics:
            publication = await self.wait_for_publication(
                document.uri,
                lambda published: published.version == document.version and accept(list(published.diagnostics)),
                after=published_before,
            )
            return list(publication.diagnostics)

        deadline = time.monotonic() + DIAGNOSTICS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            report = await self.pull_diagnostics(document)
            if isinstance(report, types.RelatedFullDocumentDiagnosticReport) and accept(list(report.items)):
                return list(report.items)
            await asyncio.sleep(POLL_INTERVAL_SECONDS)
        raise AssertionError(f"no accepted pulled diagnostics for {document.uri} within {DIAGNOSTICS_TIMEOUT_SECONDS}s")

    async def pull_diagnostics(self, document: OpenDocument, previous_result_id: str | None = None):
        params = types.DocumentDiagnosticParams(
            text_document=types.TextDocumentIdentifier(uri=document.uri),
            previous_result_id=previous_result_id,
        )
        return await asyncio.wait_for(self.text_document_diagnostic_async(params), DIAGNOSTICS_TIMEOUT_SECONDS)

    async def wait_for_publication(
        self,
        uri: str,
        accept: Callable[[types.PublishDiagnosticsParams], bool],
        after: int = 0,
    ) -> types.PublishDiagnosticsParams:
        """Wait for the latest publication for `uri`, among those after the first `after`, that `accept` accepts."""
        deadline = time.monotonic() + DIAGNOSTICS_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            published = self.publications.get(uri, [])[after:]
            if published and accept(published[-1]):
                return published[-1]
            await asyncio.sleep(POLL_INTERVAL_SECONDS)

        seen = [(publication.version, len(publication.diagnostics)) for publication in self.publications.get(uri, [])]
        raise AssertionError(
            f"no accepted publishDiagnostics for {uri} within {DIAGNOSTICS_TIMEOUT_SECONDS}s; "
            f"(version, count) published so far: {seen}"
        )


def _record_publication(client: GuardianTestClient, params: types.PublishDiagnosticsParams) -> None:
    client.diagnostics[params.uri] = params.diagnostics
    client.publications.setdefault(params.uri, []).append(params)


def _record_registration(client: GuardianTestClient, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def _record_unregistration(client: GuardianTestClient, params: types.UnregistrationParams) -> None:
    client.unregistrations.extend(params.unregisterations)


def make_client() -> GuardianTestClient:
    """Build the test client with pytest-lsp's default handlers plus the recording ones."""
    client = GuardianTestClient(converter_factory=pytest_lsp.client.default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    features[types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS] = _record_publication
    features[types.CLIENT_REGISTER_CAPABILITY] = _record_registration
    features[types.CLIENT_UNREGISTER_CAPABILITY] = _record_unregistration
    register_lsp_features(client, features)
    return client


def initialize_params(
    client_name: str, workspace: pathlib.Path, initialization_options: dict | None = None
) -> types.InitializeParams:
    """Build `initialize` parameters with a recorded client's capabilities and one workspace folder."""
    capabilities = pytest_lsp.client_capabilities(RECORDED_CLIENTS[client_name])
    return types.InitializeParams(
        capabilities=capabilities,
        client_info=types.ClientInfo(name=f"pytest-lsp as {RECORDED_CLIENTS[client_name]}"),
        root_uri=workspace.as_uri(),
        workspace_folders=[types.WorkspaceFolder(uri=workspace.as_uri(), name=workspace.name)],
        initialization_options=initialization_options,
    )


async def start_session(
    client: GuardianTestClient,
    client_name: str,
    workspace: pathlib.Path,
    initialization_options: dict | None = None,
) -> types.InitializeResult:
    """Initialize the server as the named recorded client and store the result on the client."""
    client.client_name = client_name
    client.workspace = workspace
    params = initialize_params(client_name, workspace, initialization_options)
    client.initialize_result = await client.initialize_session(params)
    return client.initialize_result


def server_process(client: LanguageClient) -> asyncio.subprocess.Process:
    """Return the server's process; pygls 2.1 keeps it in the private `_server` attribute."""
    process = getattr(client, "_server", None)
    assert process is not None, "the client has no server process (pygls changed its internals?)"
    return process


async def end_session(client: GuardianTestClient) -> None:
    """Shut the server down unless a test already did, and kill it if it
    does not exit in time, so that one hung server cannot hang the suite."""
    process = server_process(client)
    if process.returncode is not None:
        return

    if not client.exit_sent:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(client.shutdown_session(), EXIT_TIMEOUT_SECONDS)
    if process.returncode is None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(process.wait(), EXIT_TIMEOUT_SECONDS)
    if process.returncode is None:
        process.kill()
        await process.wait()


async def shutdown_and_exit(client: GuardianTestClient) -> int | None:
    """Send `shutdown` and `exit`, then return the server's exit code, or
    `None` when it is still running after EXIT_TIMEOUT_SECONDS."""
    await asyncio.wait_for(client.shutdown_async(None), EXIT_TIMEOUT_SECONDS)
    client.exit(None)
    client.exit_sent = True
    try:
        return await asyncio.wait_for(server_process(client).wait(), EXIT_TIMEOUT_SECONDS)
    except asyncio.TimeoutError:
        return None


# ---------------------------------------------------------------------------
# Positions and edits in the negotiated encoding


def split_lines(text: str) -> list[str]:
    """Split text into lines with their endings, at \\n, \\r\\n and \\r as LSP does."""
    lines = []
    start = 0
    index = 0
    while index < len(text):
        character = text[index]
        if character == "\r" and index + 1 < len(text) and text[index + 1] == "\n":
            lines.append(text[start : index + 2])
            index += 2
            start = index
            continue
        if character in "\r\n":
            lines.append(text[start : index + 1])
            start = index + 1
        index += 1
    lines.append(text[start:])
    return lines


def code_units(text: str, encoding: str) -> int:
    """Return the length of `text` in the code units of a position encoding."""
    if encoding == "utf-8":
        return len(text.encode("utf-8"))
    if encoding == "utf-16":
        return len(text.encode("utf-16-le")) // 2
    if encoding == "utf-32":
        return len(text)
    raise ValueError(f"unknown position encoding: {encoding}")


def offset_of(text: str, position: types.Position, encoding: str) -> int:
    """Convert an LSP position to an index into `text`, counting columns in `encoding`."""
    lines = split_lines(text)
    assert position.line < len(lines), f"line {position.line} is past the end of the text ({len(lines)} lines)"
    line_start = sum(len(line) for line in lines[: position.line])
    line = lines[position.line].rstrip("\r\n")

    units = 0
    for index, character in enumerate(line):
        if units >= position.character:
            assert units == position.character, f"column {position.character} splits a character in {line!r}"
            return line_start + index
        units += code_units(character, encoding)
    assert units == position.character, f"column {position.character} is past the end of {line!r} ({units} units)"
    return line_start + len(line)


def text_in(text: str, range_: types.Range, encoding: str) -> str:
    return text[offset_of(text, range_.start, encoding) : offset_of(text, range_.end, encoding)]


def apply_edits(text: str, edits: Sequence[types.TextEdit], encoding: str) -> str:
    """Apply text edits that all refer to `text`, as a WorkspaceEdit's edits do."""
    spans = sorted(
        ((offset_of(text, edit.range.start, encoding), offset_of(text, edit.range.end, encoding), edit.new_text) for edit in edits),
        reverse=True,
    )
    for start, end, new_text in spans:
        text = text[:start] + new_text + text[end:]
    return text


def edits_for(workspace_edit: types.WorkspaceEdit, uri: str) -> list[types.TextEdit]:
    """Return a WorkspaceEdit's edits for one document, from `changes` or `documentChanges`."""
    if workspace_edit.document_changes:
        return [
            edit
            for change in workspace_edit.document_changes
            if isinstance(change, types.TextDocumentEdit) and change.text_document.uri == uri
            for edit in change.edits
        ]
    return list((workspace_edit.changes or {}).get(uri, []))


async def request_sql_fix(client: GuardianTestClient, document: OpenDocument, sql: types.Diagnostic) -> types.CodeAction:
    """Request quick fixes at a finding and return the preferred one."""
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=document.uri),
        range=sql.range,
        context=types.CodeActionContext(diagnostics=[sql], only=[types.CodeActionKind.QuickFix]),
    )
    actions = await client.text_document_code_action_async(params) or []
    preferred = [action for action in actions if isinstance(action, types.CodeAction) and action.is_preferred]
    assert len(preferred) == 1, f"expected one preferred action, got {[action.title for action in actions]}"
    return preferred[0]
