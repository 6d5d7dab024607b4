import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { readSteeringPaths, toServerSettings } from '../settings';

const context = { homeDirectory: '/home/dev', workspaceFolder: '/work/shop', platform: 'linux' as const };

describe('readSteeringPaths', () => {
  test('non-array setting gives no paths', () => {
    assert.deepEqual(readSteeringPaths('/etc/policy'), []);
    assert.deepEqual(readSteeringPaths(undefined), []);
    assert.deepEqual(readSteeringPaths({ paths: ['/etc/policy'] }), []);
  });

  test('non-string and blank entries are dropped', () => {
    assert.deepEqual(readSteeringPaths(['/a', 3, null, '  ', ' /b ']), ['/a', '/b']);
  });
});

describe('toServerSettings', () => {
  test('maps to steering.paths', () => {
    assert.deepEqual(toServerSettings(['/etc/policy'], context), { steering: { paths: ['/etc/policy'] } });
  });

  test('expands tilde and relative paths', () => {
    assert.deepEqual(toServerSettings(['~/policy', 'docs/steering'], context), {
      steering: { paths: ['/home/dev/policy', '/work/shop/docs/steering'] },
    });
  });

  test('unset setting gives an empty list', () => {
    assert.deepEqual(toServerSettings(undefined, context), { steering: { paths: [] } });
  });
});
