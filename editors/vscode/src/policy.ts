/**
 * Finding the "open the policy section" command among code actions, and the
 * location it points at when the client has to open it itself.
 */

/** Command id of the server's "open the policy section" code action. */
export const OPEN_POLICY_COMMAND = 'guardian.openPolicy';

export interface CommandLike {
  command: string;
  arguments?: unknown[] | undefined;
}

export interface PolicyLocation {
  uri: string;
  /** Zero-based line of the section heading. */
  line: number;
}

/**
 * Returns the open-policy command among code actions. An entry is either a
 * Command (`command` is a string) or a CodeAction that carries a Command.
 */
export function findOpenPolicyCommand(actions: readonly unknown[] | undefined): CommandLike | undefined {
  for (const action of actions ?? []) {
    if (!isObject(action)) {
      continue;
    }
    if (action['command'] === OPEN_POLICY_COMMAND) {
      return action as unknown as CommandLike;
    }
    const nested = action['command'];
    if (isObject(nested) && nested['command'] === OPEN_POLICY_COMMAND) {
      return nested as unknown as CommandLike;
    }
  }
  return undefined;
}

/**
 * Returns the first location in a command's arguments. Accepts a Location
 * (`uri` + `range`), a LocationLink, `{ uri, line }`, or a URI string with an
 * optional `#L<line>` fragment (1-based, as in web links).
 */
export function locationFromArguments(commandArguments: readonly unknown[] | undefined): PolicyLocation | undefined {
  for (const argument of commandArguments ?? []) {
    const location = locationFromArgument(argument);
    if (location !== undefined) {
      return location;
    }
  }
  return undefined;
}

function locationFromArgument(argument: unknown): PolicyLocation | undefined {
  if (typeof argument === 'string') {
    return /^[a-zA-Z][\w+.-]*:/.test(argument) ? splitLineFragment(argument) : undefined;
  }
  if (!isObject(argument)) {
    return undefined;
  }

  const uri = argument['uri'] ?? argument['targetUri'];
  if (typeof uri !== 'string') {
    return undefined;
  }

  const fromFragment = splitLineFragment(uri);
  const range = argument['range'] ?? argument['targetSelectionRange'] ?? argument['targetRange'];
  const rangeLine = isObject(range) && isObject(range['start']) ? range['start']['line'] : undefined;

  if (typeof rangeLine === 'number') {
    return { uri: fromFragment.uri, line: rangeLine };
  }
  if (typeof argument['line'] === 'number') {
    return { uri: fromFragment.uri, line: argument['line'] };
  }
  return fromFragment;
}

function splitLineFragment(uri: string): PolicyLocation {
  const match = /^(.*?)#L(\d+)/.exec(uri);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    return { uri: match[1], line: Math.max(Number(match[2]) - 1, 0) };
  }
  return { uri: uri.replace(/#.*$/, ''), line: 0 };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
