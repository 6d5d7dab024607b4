/**
 * The VS Code side of Guardian: starts `guardian lsp` through
 * vscode-languageclient, keeps the status bar item up to date, and provides
 * the scan-workspace, open-policy and restart commands.
 */

import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
  TransportKind,
} from 'vscode-languageclient/node';

import { resolveBinary } from './binary';
import { findOpenPolicyCommand, locationFromArguments, OPEN_POLICY_COMMAND } from './policy';
import { toServerSettings, type PathContext } from './settings';
import { countGuardianDiagnostics, DIAGNOSTIC_SOURCE, type ServerState, statusBarText } from './status';

const CLIENT_ID = 'guardian';
const CLIENT_NAME = 'Guardian';
const SCAN_WORKSPACE_COMMAND = 'guardian.scanWorkspace';

let client: LanguageClient | undefined;
let serverState: ServerState = 'stopped';
let statusBarItem: vscode.StatusBarItem;
let outputChannel: vscode.OutputChannel;
let localOpenPolicyCommand: vscode.Disposable | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  statusBarItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 0);
  statusBarItem.command = 'workbench.actions.view.problems';
  statusBarItem.tooltip = 'Guardian findings in open files: click to show the Problems panel';
  statusBarItem.show();

  context.subscriptions.push(
    outputChannel,
    statusBarItem,
    vscode.commands.registerCommand('guardian.client.scanWorkspace', scanWorkspace),
    vscode.commands.registerCommand('guardian.client.openPolicy', openPolicyAtCursor),
    vscode.commands.registerCommand('guardian.client.restart', () => restartClient(context)),
    vscode.languages.onDidChangeDiagnostics(updateStatusBar),
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('guardian.path')) {
        void restartClient(context);
      } else if (event.affectsConfiguration('guardian.steering.paths')) {
        void sendSettings();
      }
    }),
    { dispose: () => void stopClient() },
  );

  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

function pathContext(): PathContext {
  return {
    homeDirectory: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    platform: process.platform,
  };
}

function isExecutable(candidate: string): boolean {
  try {
    const stats = fs.statSync(candidate);
    if (!stats.isFile()) {
      return false;
    }
    fs.accessSync(candidate, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function steeringPathsSetting(): unknown {
  return vscode.workspace.getConfiguration('guardian').get<unknown>('steering.paths');
}

function clientOptions(): LanguageClientOptions {
  const settings = toServerSettings(steeringPathsSetting(), pathContext());
  const steeringSelectors = settings.steering.paths.map((folder) => ({
    scheme: 'file',
    language: 'markdown',
    pattern: `${folder}/**/*.md`,
  }));

  return {
    documentSelector: [
      { scheme: 'file', language: 'python' },
      { scheme: 'file', language: 'markdown', pattern: '**/{.guardian,.kiro}/steering/*.md' },
      ...steeringSelectors,
    ],
    initializationOptions: settings,
    outputChannel,
    middleware: {
      workspace: {
        // Returns the `guardian` section with the steering paths made absolute.
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) {
            return result;
          }
          return params.items.map((item, index) =>
            item.section === 'guardian' ? { ...result[index], ...toServerSettings(steeringPathsSetting(), pathContext()) } : result[index],
          );
        },
      },
    },
  };
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const resolution = resolveBinary({
    configuredPath: vscode.workspace.getConfiguration('guardian').get<string>('path') ?? '',
    pathVariable: process.env['PATH'],
    platform: process.platform,
    extensionPath: context.extensionPath,
    homeDirectory: os.homedir(),
    workspaceFolder: pathContext().workspaceFolder,
    isExecutable,
  });

  if (!resolution.found) {
    setServerState('stopped');
    outputChannel.appendLine(resolution.message);
    const choice = await vscode.window.showErrorMessage(`Guardian: ${resolution.message}`, 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'guardian.path');
    }
    return;
  }
  outputChannel.appendLine(`starting ${resolution.path} lsp (found through ${resolution.source})`);

  const serverOptions: ServerOptions = {
    command: resolution.path,
    args: ['lsp'],
    transport: TransportKind.stdio,
  };
  const newClient = new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions());
  newClient.onDidChangeState((event) => {
    setServerState(toServerState(event.newState));
  });
  client = newClient;

  try {
    await newClient.start();
  } catch (error) {
    setServerState('stopped');
    const message = error instanceof Error ? error.message : String(error);
    outputChannel.appendLine(`the server failed to start: ${message}`);
    void vscode.window.showErrorMessage(`Guardian: the server failed to start: ${message}`);
    return;
  }
  registerLocalOpenPolicyIfNeeded(newClient);
}

async function stopClient(): Promise<void> {
  localOpenPolicyCommand?.dispose();
  localOpenPolicyCommand = undefined;

  const stopping = client;
  client = undefined;
  if (stopping === undefined) {
    return;
  }
  try {
    await stopping.dispose();
  } catch (error) {
    outputChannel.appendLine(`stopping the server failed: ${String(error)}`);
  }
  setServerState('stopped');
}

/**
 * Sends the settings with `workspace/didChangeConfiguration`. The language
 * client's own synchronization would send the raw setting values, with `~`
 * and relative steering paths that the server cannot resolve.
 */
async function sendSettings(): Promise<void> {
  if (client === undefined || !client.isRunning()) {
    return;
  }
  const settings = toServerSettings(steeringPathsSetting(), pathContext());
  await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { guardian: settings } });
}

async function restartClient(context: vscode.ExtensionContext): Promise<void> {
  await stopClient();
  await startClient(context);
}

function toServerState(state: State): ServerState {
  switch (state) {
    case State.Starting:
      return 'starting';
    case State.Running:
      return 'running';
    case State.Stopped:
      return 'stopped';
  }
}

function setServerState(state: ServerState): void {
  serverState = state;
  updateStatusBar();
}

function updateStatusBar(): void {
  const perFile = vscode.languages.getDiagnostics().map(([, diagnostics]) => diagnostics);
  statusBarItem.text = statusBarText(serverState, countGuardianDiagnostics(perFile));
}

/**
 * Registers a client-side `guardian.openPolicy` that opens the location in
 * its arguments, unless the server advertises the command. The language
 * client registers every command that the server advertises.
 */
function registerLocalOpenPolicyIfNeeded(running: LanguageClient): void {
  const serverCommands = running.initializeResult?.capabilities.executeCommandProvider?.commands ?? [];
  if (serverCommands.includes(OPEN_POLICY_COMMAND)) {
    return;
  }
  localOpenPolicyCommand = vscode.commands.registerCommand(OPEN_POLICY_COMMAND, (...commandArguments: unknown[]) =>
    openLocation(commandArguments),
  );
}

async function openLocation(commandArguments: unknown[]): Promise<boolean> {
  const location = locationFromArguments(commandArguments);
  if (location === undefined) {
    void vscode.window.showWarningMessage('Guardian: the open-policy command carried no location to open.');
    return false;
  }
  const position = new vscode.Position(location.line, 0);
  await vscode.window.showTextDocument(vscode.Uri.parse(location.uri), {
    selection: new vscode.Range(position, position),
  });
  return true;
}

async function scanWorkspace(): Promise<void> {
  if (client === undefined || !client.isRunning()) {
    void vscode.window.showErrorMessage('Guardian: the server is not running; run "Guardian: Restart Server".');
    return;
  }
  await client.sendRequest(ExecuteCommandRequest.type, { command: SCAN_WORKSPACE_COMMAND, arguments: [] });
}

async function openPolicyAtCursor(): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (editor === undefined) {
    return;
  }

  const cursor = editor.selection.active;
  const diagnostic = vscode.languages
    .getDiagnostics(editor.document.uri)
    .find((candidate) => candidate.source === DIAGNOSTIC_SOURCE && candidate.range.contains(cursor));
  if (diagnostic === undefined) {
    void vscode.window.showInformationMessage('Guardian: no finding at the cursor.');
    return;
  }

  const actions = await vscode.commands.executeCommand<unknown[]>(
    'vscode.executeCodeActionProvider',
    editor.document.uri,
    diagnostic.range,
  );
  const command = findOpenPolicyCommand(actions);
  if (command !== undefined) {
    await vscode.commands.executeCommand(command.command, ...(command.arguments ?? []));
    return;
  }

  // Without the server's action, open the related location that points at
  // the cited section heading, else the section's document.
  const target = typeof diagnostic.code === 'object' ? diagnostic.code.target : undefined;
  const related = diagnostic.relatedInformation ?? [];
  const heading = related.find((information) => information.location.uri.toString() === target?.toString()) ?? related[0];
  if (heading !== undefined) {
    await vscode.window.showTextDocument(heading.location.uri, { selection: heading.location.range });
    return;
  }
  if (target !== undefined) {
    await vscode.commands.executeCommand('vscode.open', target);
    return;
  }
  void vscode.window.showInformationMessage('Guardian: the server offered no policy section for this finding.');
}
