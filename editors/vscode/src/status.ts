/**
 * Text of the status bar item: the server state and the number of Guardian
 * findings in the open files.
 */

export type ServerState = 'starting' | 'running' | 'stopped';

/** Value of the `source` field on every diagnostic that Guardian publishes. */
export const DIAGNOSTIC_SOURCE = 'guardian';

/** Formats a count as "no findings", "1 finding" or "N findings". */
export function formatFindingCount(count: number): string {
  if (count === 0) {
    return 'no findings';
  }
  if (count === 1) {
    return '1 finding';
  }
  return `${count} findings`;
}

/** Returns the status bar text, with a codicon for the state. */
export function statusBarText(state: ServerState, findingCount: number): string {
  switch (state) {
    case 'starting':
      return '$(sync~spin) Guardian';
    case 'stopped':
      return '$(error) Guardian: stopped';
    case 'running':
      return `$(shield) Guardian: ${formatFindingCount(findingCount)}`;
  }
}

/** Counts the diagnostics whose source is Guardian, over every file's list. */
export function countGuardianDiagnostics(perFile: ReadonlyArray<ReadonlyArray<{ source?: string | undefined }>>): number {
  let count = 0;
  for (const diagnostics of perFile) {
    count += diagnostics.filter((diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE).length;
  }
  return count;
}
