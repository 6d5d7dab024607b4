"""Protocol compliance of `guardian lsp`, run once per recorded client
(VS Code 1.65.2, Neovim 0.11.0, Emacs 29.1 with eglot): initialization,
diagnostics on the Fry Factory app against its expected findings, the SQL
quick fix, hover, configuration changes, shutdown and exit.
"""

from __future__ import annotations

import pathlib
import shutil

from lsprotocol import types

from conftest import ExpectedLine
from guardian_client import (
    GuardianTestClient,
    OpenDocument,
    EXIT_TIMEOUT_SECONDS,
    edits_for,
    request_sql_fix,
    shutdown_and_exit,
    text_in,
)

SQL_FINDING_LINES = (61, 63)
STEERING_DOCUMENT = ".kiro/steering/security-standards.md"
SQL_SECTION_PROSE = "Every SQL statement is sent with bound parameters."


def touches_lines(diagnostic: types.Diagnostic, first_line: int, last_line: int) -> bool:
    """Whether a diagnostic's range covers any of the 1-based lines `first_line` to `last_line`."""
    start_line = diagnostic.range.start.line + 1
    end = diagnostic.range.end
    end_line = end.line + 1 if end.character > 0 or end.line == diagnostic.range.start.line else end.line
    return start_line <= last_line and end_line >= first_line


def code_of(diagnostic: types.Diagnostic) -> str:
    return str(diagnostic.code)


def matching(diagnostics: list[types.Diagnostic], expected: ExpectedLine) -> list[types.Diagnostic]:
    return [
        diagnostic
        for diagnostic in diagnostics
        if code_of(diagnostic) == expected.category and touches_lines(diagnostic, expected.first_line, expected.last_line)
    ]


def describe(diagnostics: list[types.Diagnostic]) -> str:
    return "\n".join(f"  line {d.range.start.line + 1}: {d.code}: {d.message}" for d in diagnostics)


def heading_line(steering_path: pathlib.Path, citation: str) -> int:
    """Return the 0-based line of the Markdown heading whose text is `citation`."""
    for number, line in enumerate(steering_path.read_text().splitlines()):
        if line.startswith("#") and line.lstrip("#").strip() == citation:
            return number
    raise AssertionError(f"no heading {citation!r} in {steering_path}")


async def open_app(client: GuardianTestClient) -> tuple[OpenDocument, list[types.Diagnostic]]:
    assert client.workspace is not None
    document = client.open(client.workspace / "app.py")
    return document, await client.current_diagnostics(document)


def sql_finding(diagnostics: list[types.Diagnostic]) -> types.Diagnostic:
    found = [d for d in diagnostics if code_of(d) == "sql-injection" and touches_lines(d, *SQL_FINDING_LINES)]
    assert len(found) == 1, f"expected one sql-injection finding on lines 61-63, got:\n{describe(diagnostics)}"
    return found[0]


# ---------------------------------------------------------------------------
# initialize


async def test_initialize_capabilities(client: GuardianTestClient):
    assert client.initialize_result is not None
    capabilities = client.initialize_result.capabilities
    sync = capabilities.text_document_sync

    assert client.initialize_result.server_info is not None
    assert client.initialize_result.server_info.name == "guardian"
    assert isinstance(sync, types.TextDocumentSyncOptions), f"expected sync options, got {sync!r}"
    assert sync.open_close is True
    assert sync.change == types.TextDocumentSyncKind.Incremental
    assert capabilities.hover_provider in (True, types.HoverOptions())
    assert isinstance(capabilities.code_action_provider, types.CodeActionOptions)
    assert types.CodeActionKind.QuickFix in (capabilities.code_action_provider.code_action_kinds or [])
    assert "source.fixAll.guardian" in (capabilities.code_action_provider.code_action_kinds or [])
    assert capabilities.diagnostic_provider is not None
    assert capabilities.execute_command_provider is not None
    assert "guardian.scanWorkspace" in capabilities.execute_command_provider.commands


async def test_initialize_position_encoding(client: GuardianTestClient):
    assert client.capabilities is not None
    offered = [str(getattr(e, "value", e)) for e in (client.capabilities.general.position_encodings or [])] if client.capabilities.general else []

    expected = "utf-8" if "utf-8" in offered else "utf-16"

    assert client.position_encoding == expected, f"client offered {offered}"


# ---------------------------------------------------------------------------
# diagnostics


async def test_app_expected_findings(client: GuardianTestClient, expected_findings: list[ExpectedLine]):
    _, diagnostics = await open_app(client)

    for expected in expected_findings:
        if expected.category == "clean":
            continue
        found = matching(diagnostics, expected)
        assert found, f"missing {expected.label} ({expected.citation}); got:\n{describe(diagnostics)}"
        cited = [d for d in found if expected.citation in d.message]
        assert cited, f"{expected.label}: no message cites {expected.citation!r}:\n{describe(found)}"


async def test_app_clean_lines(client: GuardianTestClient, expected_findings: list[ExpectedLine]):
    _, diagnostics = await open_app(client)

    for expected in expected_findings:
        if expected.category != "clean":
            continue
        on_clean_lines = [d for d in diagnostics if touches_lines(d, expected.first_line, expected.last_line)]
        assert not on_clean_lines, f"{expected.label}: expected no finding, got:\n{describe(on_clean_lines)}"


async def test_app_diagnostic_fields(client: GuardianTestClient, expected_findings: list[ExpectedLine]):
    _, diagnostics = await open_app(client)
    assert client.workspace is not None and client.capabilities is not None
    steering_path = client.workspace / STEERING_DOCUMENT
    sql = sql_finding(diagnostics)
    sql_citation = next(e.citation for e in expected_findings if e.category == "sql-injection")

    assert sql.source == "guardian"
    assert sql.severity == types.DiagnosticSeverity.Error
    assert sql.message.rstrip(" .)").endswith(sql_citation), f"message does not end with the citation: {sql.message!r}"
    assert sql.code_description is not None, "codeDescription with the section link is missing"
    assert sql.code_description.href.startswith(steering_path.as_uri()), sql.code_description.href

    related = sql.related_information or []
    to_section = [info for info in related if info.location.uri == steering_path.as_uri()]
    assert to_section, f"no relatedInformation points at {steering_path}: {related!r}"
    assert to_section[0].location.range.start.line == heading_line(steering_path, sql_citation)


async def test_secret_value_never_in_diagnostics(client: GuardianTestClient):
    _, diagnostics = await open_app(client)
    secrets = ["Crispy!Potato#2024", "sk_live_4eC39HqLyjWDarjtT1zdp7dcFRYFACTORY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYFRYKEY9xq2"]

    for diagnostic in diagnostics:
        for secret in secrets:
            assert secret not in diagnostic.message, f"line {diagnostic.range.start.line + 1} shows a secret in full"


async def test_non_ascii_line_positions(client: GuardianTestClient):
    """Columns after a fries emoji (4 UTF-8 bytes, 2 UTF-16 units) follow the negotiated encoding."""
    assert client.workspace is not None
    text = 'GREETING = "🍟 frites"; DB_PASSWORD = "Crispy!Potato#2024"\n'
    path = client.workspace / "greeting.py"
    path.write_text(text)
    document = client.open(path, text)

    diagnostics = await client.current_diagnostics(document)

    secrets = [d for d in diagnostics if code_of(d) == "hardcoded-secret"]
    assert len(secrets) == 1, f"expected one hardcoded-secret finding, got:\n{describe(diagnostics)}"
    flagged = text_in(text, secrets[0].range, client.position_encoding)
    assert flagged.startswith(("DB_PASSWORD", '"Crispy')), f"range {secrets[0].range} covers {flagged!r}"


# ---------------------------------------------------------------------------
# code actions


async def test_sql_quick_fix_removes_finding(client: GuardianTestClient):
    document, diagnostics = await open_app(client)

    fix = await request_sql_fix(client, document, sql_finding(diagnostics))

    assert fix.kind == types.CodeActionKind.QuickFix
    assert fix.edit is not None
    edits = edits_for(fix.edit, document.uri)
    assert edits, f"the fix has no edits for app.py: {fix.edit!r}"

    client.change(document, edits)
    fixed = await client.current_diagnostics(document)

    assert "?" in "".join(document.text.splitlines(keepends=True)[60:63]), "the rewrite has no sqlite3 placeholder"
    remaining = [d for d in fixed if code_of(d) == "sql-injection" and touches_lines(d, *SQL_FINDING_LINES)]
    assert not remaining, f"the SQL finding is still there after the fix:\n{describe(remaining)}"
    other_sql = [d for d in fixed if code_of(d) == "sql-injection"]
    assert len(other_sql) == 2, f"the fix must leave the other two SQL findings:\n{describe(fixed)}"


async def test_code_actions_offer_exception_and_section(client: GuardianTestClient):
    document, diagnostics = await open_app(client)
    sql = sql_finding(diagnostics)
    params = types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri=document.uri),
        range=sql.range,
        context=types.CodeActionContext(diagnostics=[sql]),
    )

    actions = await client.text_document_code_action_async(params) or []
    titles = [action.title for action in actions]

    assert any("exception" in title.lower() for title in titles), titles
    assert any("policy section" in title.lower() or "3.1 SQL" in title for title in titles), titles


# ---------------------------------------------------------------------------
# hover


async def test_hover_shows_section_text(client: GuardianTestClient):
    document, diagnostics = await open_app(client)
    sql = sql_finding(diagnostics)
    params = types.HoverParams(text_document=types.TextDocumentIdentifier(uri=document.uri), position=sql.range.start)

    hover = await client.text_document_hover_async(params)

    assert hover is not None, "no hover on the SQL finding"
    assert isinstance(hover.contents, types.MarkupContent), f"expected markup, got {hover.contents!r}"
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert "3.1 SQL" in hover.contents.value
    assert SQL_SECTION_PROSE in hover.contents.value


async def test_hover_off_finding_is_empty(client: GuardianTestClient):
    document, _ = await open_app(client)
    params = types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=document.uri), position=types.Position(line=53, character=4)
    )

    assert await client.text_document_hover_async(params) is None


# ---------------------------------------------------------------------------
# configuration


async def test_configuration_change_republishes(client: GuardianTestClient):
    """Steering documents moved out of the workspace apply once `steering.paths` names their folder."""
    assert client.workspace is not None
    policy_dir = move_steering_out(client)
    document = client.open(client.workspace / "app.py")
    before = await client.diagnostics_matching(document, lambda items: not cites_sql_section(items))
    assert sql_finding(before).code_description is not None

    settings = {"steering": {"paths": [str(policy_dir)]}}
    client.set_configuration(settings, section="guardian")
    published_before = client.publication_count(document.uri)
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"guardian": settings}))
    after = await client.diagnostics_matching(document, cites_sql_section, published_before)

    after_sql = sql_finding(after)
    assert after_sql.code_description is not None
    assert after_sql.code_description.href.startswith((policy_dir / "security-standards.md").as_uri())


def cites_sql_section(diagnostics: list[types.Diagnostic]) -> bool:
    return any(code_of(d) == "sql-injection" and d.message.rstrip(" .)").endswith("3.1 SQL") for d in diagnostics)


def move_steering_out(client: GuardianTestClient) -> pathlib.Path:
    """Move the workspace's steering documents to a `policy` folder beside it,
    as an organization's shared checkout, and tell the server they are gone."""
    assert client.workspace is not None
    steering_dir = client.workspace / ".kiro" / "steering"
    policy_dir = client.workspace.parent / "policy"
    moved = sorted(steering_dir.glob("*.md"))
    shutil.move(steering_dir, policy_dir)
    (client.workspace / ".kiro").rmdir()

    deleted = [types.FileEvent(uri=path.as_uri(), type=types.FileChangeType.Deleted) for path in moved]
    client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams(changes=deleted))
    return policy_dir


# ---------------------------------------------------------------------------
# shutdown and exit


async def test_shutdown_exit_code_zero(client: GuardianTestClient):
    returncode = await shutdown_and_exit(client)

    assert returncode is not None, f"the server still runs {EXIT_TIMEOUT_SECONDS}s after exit (stdin left open)"
    assert returncode == 0
