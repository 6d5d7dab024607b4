/**
 * Locating the `guardian` binary: the `guardian.path` setting first, then
 * the folders on `PATH`, then the copy bundled in the extension under
 * `server/`. The file system check is passed in, so the search runs under
 * node's test runner without VS Code.
 */

import * as path from 'node:path';

export type BinarySource = 'setting' | 'path' | 'bundled';

export type BinaryResolution =
  | { found: true; path: string; source: BinarySource }
  | { found: false; message: string };

export interface BinarySearch {
  /** Value of the `guardian.path` setting; empty when unset. */
  configuredPath: string;
  /** Value of the `PATH` environment variable. */
  pathVariable: string | undefined;
  platform: NodeJS.Platform;
  /** Folder the extension is installed in. */
  extensionPath: string;
  homeDirectory: string;
  /** First workspace folder, against which a relative `guardian.path` resolves. */
  workspaceFolder: string | undefined;
  isExecutable: (candidate: string) => boolean;
}

/** Returns the path module whose separators match the platform. */
export function pathModuleFor(platform: NodeJS.Platform): path.PlatformPath {
  return platform === 'win32' ? path.win32 : path.posix;
}

/** Returns the binary's file name on the platform. */
export function binaryFileName(platform: NodeJS.Platform): string {
  return platform === 'win32' ? 'guardian.exe' : 'guardian';
}

/**
 * Expands a leading `~` to the home folder and resolves a relative path
 * against the workspace folder. Without a workspace folder, a relative path
 * is returned unchanged.
 */
export function expandPath(
  value: string,
  homeDirectory: string,
  workspaceFolder: string | undefined,
  platform: NodeJS.Platform,
): string {
  const paths = pathModuleFor(platform);
  const trimmed = value.trim();

  const startsWithTilde = trimmed === '~' || trimmed.startsWith('~/') || trimmed.startsWith('~\\');
  if (startsWithTilde) {
    return paths.join(homeDirectory, trimmed.slice(1));
  }

  if (paths.isAbsolute(trimmed) || workspaceFolder === undefined) {
    return trimmed;
  }
  return paths.resolve(workspaceFolder, trimmed);
}

/** Returns the first executable `guardian` in the `PATH` folders, if any. */
export function findOnPath(search: BinarySearch): string | undefined {
  const paths = pathModuleFor(search.platform);
  const delimiter = search.platform === 'win32' ? ';' : ':';
  const folders = (search.pathVariable ?? '').split(delimiter).filter((folder) => folder !== '');

  for (const folder of folders) {
    const candidate = paths.join(folder, binaryFileName(search.platform));
    if (search.isExecutable(candidate)) {
      return candidate;
    }
  }
  return undefined;
}

/**
 * Finds the binary. A `guardian.path` that is set but not executable is an
 * error rather than a reason to fall back, so a typo does not silently run
 * another version.
 */
export function resolveBinary(search: BinarySearch): BinaryResolution {
  if (search.configuredPath.trim() !== '') {
    const configured = expandPath(search.configuredPath, search.homeDirectory, search.workspaceFolder, search.platform);
    if (search.isExecutable(configured)) {
      return { found: true, path: configured, source: 'setting' };
    }
    return {
      found: false,
      message: `guardian.path is set to "${configured}", which is not an executable file; fix the setting or clear it to use the guardian on PATH`,
    };
  }

  const onPath = findOnPath(search);
  if (onPath !== undefined) {
    return { found: true, path: onPath, source: 'path' };
  }

  const paths = pathModuleFor(search.platform);
  const bundled = paths.join(search.extensionPath, 'server', binaryFileName(search.platform));
  if (search.isExecutable(bundled)) {
    return { found: true, path: bundled, source: 'bundled' };
  }

  return {
    found: false,
    message: 'the guardian binary was not found: set guardian.path, or put guardian on PATH (cargo install --path crates/cli)',
  };
}
