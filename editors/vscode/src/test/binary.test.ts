import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { type BinarySearch, expandPath, resolveBinary } from '../binary';

function search(overrides: Partial<BinarySearch>, executables: string[]): BinarySearch {
  return {
    configuredPath: '',
    pathVariable: '/usr/local/bin:/usr/bin',
    platform: 'linux',
    extensionPath: '/ext/guardian',
    homeDirectory: '/home/dev',
    workspaceFolder: '/work/shop',
    isExecutable: (candidate) => executables.includes(candidate),
    ...overrides,
  };
}

describe('resolveBinary', () => {
  test('setting wins over PATH and bundled', () => {
    const executables = ['/opt/guardian/bin/guardian', '/usr/bin/guardian', '/ext/guardian/server/guardian'];
    const result = resolveBinary(search({ configuredPath: '/opt/guardian/bin/guardian' }, executables));
    assert.deepEqual(result, { found: true, path: '/opt/guardian/bin/guardian', source: 'setting' });
  });

  test('setting with tilde expands to home', () => {
    const result = resolveBinary(search({ configuredPath: '~/bin/guardian' }, ['/home/dev/bin/guardian']));
    assert.deepEqual(result, { found: true, path: '/home/dev/bin/guardian', source: 'setting' });
  });

  test('relative setting resolves against workspace', () => {
    const result = resolveBinary(search({ configuredPath: 'target/debug/guardian' }, ['/work/shop/target/debug/guardian']));
    assert.deepEqual(result, { found: true, path: '/work/shop/target/debug/guardian', source: 'setting' });
  });

  test('broken setting is an error, not a fallback', () => {
    const result = resolveBinary(search({ configuredPath: '/nowhere/guardian' }, ['/usr/bin/guardian']));
    assert.equal(result.found, false);
    const message = result.found ? '' : result.message;
    assert.match(message, /\/nowhere\/guardian/);
    assert.match(message, /guardian\.path/);
  });

  test('PATH folders are searched in order', () => {
    const result = resolveBinary(search({}, ['/usr/local/bin/guardian', '/usr/bin/guardian']));
    assert.deepEqual(result, { found: true, path: '/usr/local/bin/guardian', source: 'path' });
  });

  test('empty PATH entries are skipped', () => {
    const result = resolveBinary(search({ pathVariable: '::/usr/bin:' }, ['guardian', '/usr/bin/guardian']));
    assert.deepEqual(result, { found: true, path: '/usr/bin/guardian', source: 'path' });
  });

  test('bundled binary is the last resort', () => {
    const result = resolveBinary(search({ pathVariable: undefined }, ['/ext/guardian/server/guardian']));
    assert.deepEqual(result, { found: true, path: '/ext/guardian/server/guardian', source: 'bundled' });
  });

  test('windows uses guardian.exe and semicolons', () => {
    const result = resolveBinary(
      search({ platform: 'win32', pathVariable: 'C:\\tools;C:\\bin', extensionPath: 'C:\\ext' }, ['C:\\bin\\guardian.exe']),
    );
    assert.deepEqual(result, { found: true, path: 'C:\\bin\\guardian.exe', source: 'path' });
  });

  test('nothing found explains what to do', () => {
    const result = resolveBinary(search({}, []));
    assert.equal(result.found, false);
    const message = result.found ? '' : result.message;
    assert.match(message, /set guardian\.path/);
  });
});

describe('expandPath', () => {
  test('absolute path is unchanged', () => {
    assert.equal(expandPath('/etc/policy', '/home/dev', '/work/shop', 'linux'), '/etc/policy');
  });

  test('bare tilde is home', () => {
    assert.equal(expandPath('~', '/home/dev', undefined, 'linux'), '/home/dev');
  });

  test('relative path without workspace is unchanged', () => {
    assert.equal(expandPath('policy', '/home/dev', undefined, 'linux'), 'policy');
  });

  test('surrounding whitespace is trimmed', () => {
    assert.equal(expandPath('  /etc/policy ', '/home/dev', undefined, 'linux'), '/etc/policy');
  });
});
