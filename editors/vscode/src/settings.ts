/**
 * Mapping the extension's settings to what the server reads: the
 * `initializationOptions` object and the `guardian` section of
 * `workspace/configuration`, both `{ steering: { paths } }`.
 */

import { expandPath } from './binary';

export interface ServerSettings {
  steering: { paths: string[] };
}

export interface PathContext {
  homeDirectory: string;
  workspaceFolder: string | undefined;
  platform: NodeJS.Platform;
}

/**
 * Reads `guardian.steering.paths` as a list of non-empty strings. Settings
 * files are hand-edited JSON, so anything else in the list is dropped.
 */
export function readSteeringPaths(value: unknown): string[] {
  if (!Array.isArray(value)) {
    return [];
  }
  return value
    .filter((entry): entry is string => typeof entry === 'string')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Builds the server settings, with `~` and relative steering paths made absolute. */
export function toServerSettings(steeringPaths: unknown, context: PathContext): ServerSettings {
  const paths = readSteeringPaths(steeringPaths).map((entry) =>
    expandPath(entry, context.homeDirectory, context.workspaceFolder, context.platform),
  );
  return { steering: { paths } };
}
