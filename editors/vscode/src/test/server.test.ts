// Runs the extension's pure logic on what the real `guardian lsp` sends to a
// client that offers VS Code's capabilities (UTF-16 positions only): the
// settings mapping as initializationOptions, the finding count, and the
// open-policy command lookup. Needs GUARDIAN_BIN and the Fry Factory example
// in GUARDIAN_TEST_EXAMPLE; tests/editors/vscode.sh sets both.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import {
  CodeActionRequest,
  createProtocolConnection,
  type Diagnostic,
  DidOpenTextDocumentNotification,
  ExitNotification,
  InitializedNotification,
  InitializeRequest,
  type InitializeResult,
  type ProtocolConnection,
  PublishDiagnosticsNotification,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
} from 'vscode-languageserver-protocol/node';

import { findOpenPolicyCommand, locationFromArguments } from '../policy';
import { toServerSettings } from '../settings';
import { countGuardianDiagnostics } from '../status';

const DIAGNOSTICS_TIMEOUT_MS = 30_000;

const guardianBin = process.env['GUARDIAN_BIN'];
const exampleDir = process.env['GUARDIAN_TEST_EXAMPLE'];
const skipReason =
  guardianBin === undefined || exampleDir === undefined
    ? 'GUARDIAN_BIN or GUARDIAN_TEST_EXAMPLE is not set (tests/editors/vscode.sh sets both)'
    : false;

describe('guardian lsp with VS Code capabilities', { skip: skipReason }, () => {
  let workspace: string;
  let server: ChildProcess;
  let connection: ProtocolConnection;
  let initializeResult: InitializeResult;
  let appUri: string;
  let appDiagnostics: Diagnostic[];

  before(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'guardian-vscode-test.'));
    fs.cpSync(exampleDir ?? '', workspace, { recursive: true });
    appUri = pathToFileURL(path.join(workspace, 'app.py')).href;

    server = spawn(guardianBin ?? '', ['lsp'], { cwd: workspace, stdio: ['pipe', 'pipe', 'inherit'] });
    if (server.stdout === null || server.stdin === null) {
      throw new Error('the server process has no stdio pipes');
    }
    connection = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
    const published = waitForDiagnostics(connection, appUri);
    connection.listen();

    initializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: pathToFileURL(workspace).href,
      workspaceFolders: [{ uri: pathToFileURL(workspace).href, name: 'fry-factory' }],
      capabilities: {
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix', 'source'] } }, isPreferredSupport: true },
        },
      },
      initializationOptions: toServerSettings([], { homeDirectory: os.homedir(), workspaceFolder: workspace, platform: process.platform }),
    });
    await connection.sendNotification(InitializedNotification.type, {});
    await connection.sendNotification(DidOpenTextDocumentNotification.type, {
      textDocument: { uri: appUri, languageId: 'python', version: 1, text: fs.readFileSync(path.join(workspace, 'app.py'), 'utf8') },
    });
    appDiagnostics = await published;
  });

  after(async () => {
    if (connection !== undefined) {
      await connection.sendRequest(ShutdownRequest.type).catch(() => undefined);
      await connection.sendNotification(ExitNotification.type).catch(() => undefined);
      connection.dispose();
    }
    server?.kill();
    if (workspace !== undefined) {
      fs.rmSync(workspace, { recursive: true, force: true });
    }
  });

  test('server falls back to UTF-16', () => {
    const encoding = initializeResult.capabilities.positionEncoding;
    assert.ok(encoding === undefined || encoding === 'utf-16', `position encoding ${String(encoding)}`);
  });

  test('status count matches the findings', () => {
    const expectedFindingCount = readExpectedFindingCount(path.join(workspace, 'expected-findings.txt'));
    const count = countGuardianDiagnostics([appDiagnostics]);
    assert.equal(count, appDiagnostics.length, 'every diagnostic has source "guardian"');
    assert.ok(count >= expectedFindingCount, `${count} findings, expected at least ${expectedFindingCount}`);
  });

  test('open-policy action points at the SQL heading', async () => {
    const sqlDiagnostic = appDiagnostics.find((diagnostic) => diagnostic.code === 'sql-injection' && diagnostic.range.start.line === 78);
    assert.ok(sqlDiagnostic !== undefined, 'no sql-injection diagnostic on line 79');

    const actions = await connection.sendRequest(CodeActionRequest.type, {
      textDocument: { uri: appUri },
      range: sqlDiagnostic.range,
      context: { diagnostics: [sqlDiagnostic] },
    });
    const command = findOpenPolicyCommand(actions ?? []);
    assert.ok(command !== undefined, 'no guardian.openPolicy among the code actions');

    const location = locationFromArguments(command.arguments);
    assert.ok(location !== undefined, `no location in ${JSON.stringify(command.arguments)}`);
    assert.match(location.uri, /security-standards\.md$/);

    const steeringLines = fs.readFileSync(path.join(workspace, '.kiro', 'steering', 'security-standards.md'), 'utf8').split('\n');
    const headingLine = steeringLines.findIndex((line) => /^#+\s+3\.1 SQL/.test(line));
    assert.equal(location.line, headingLine);
  });
});

function waitForDiagnostics(connection: ProtocolConnection, uri: string): Promise<Diagnostic[]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within ${DIAGNOSTICS_TIMEOUT_MS} ms`)), DIAGNOSTICS_TIMEOUT_MS);
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
      if (params.uri === uri && params.diagnostics.length > 0) {
        clearTimeout(timer);
        resolve(params.diagnostics);
      }
    });
  });
}

// Counts the finding lines of expected-findings.txt ("LINE[-LINE] CATEGORY ..."), skipping "clean" lines.
function readExpectedFindingCount(file: string): number {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .map((line) => /^\d+(?:-\d+)?\s+(\S+)/.exec(line)?.[1])
    .filter((category) => category !== undefined && category !== 'clean').length;
}
