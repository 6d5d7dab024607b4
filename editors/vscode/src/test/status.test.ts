import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { countGuardianDiagnostics, formatFindingCount, statusBarText } from '../status';

describe('formatFindingCount', () => {
  const cases: Array<[number, string]> = [
    [0, 'no findings'],
    [1, '1 finding'],
    [2, '2 findings'],
    [1234, '1234 findings'],
  ];
  for (const [count, expected] of cases) {
    test(`${count} is "${expected}"`, () => {
      assert.equal(formatFindingCount(count), expected);
    });
  }
});

describe('statusBarText', () => {
  test('running shows the count', () => {
    assert.equal(statusBarText('running', 3), '$(shield) Guardian: 3 findings');
  });

  test('starting spins', () => {
    assert.equal(statusBarText('starting', 3), '$(sync~spin) Guardian');
  });

  test('stopped says so', () => {
    assert.equal(statusBarText('stopped', 0), '$(error) Guardian: stopped');
  });
});

describe('countGuardianDiagnostics', () => {
  test('counts only guardian diagnostics across files', () => {
    const perFile = [
      [{ source: 'guardian' }, { source: 'Pylance' }, { source: 'guardian' }],
      [],
      [{ source: undefined }, { source: 'guardian' }],
    ];
    assert.equal(countGuardianDiagnostics(perFile), 3);
  });
});
