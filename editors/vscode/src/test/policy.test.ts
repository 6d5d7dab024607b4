import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { findOpenPolicyCommand, locationFromArguments } from '../policy';

const steeringUri = 'file:///work/shop/.kiro/steering/security-standards.md';

describe('findOpenPolicyCommand', () => {
  test('finds a bare Command', () => {
    const command = { title: 'Open policy', command: 'guardian.openPolicy', arguments: [steeringUri] };
    assert.deepEqual(findOpenPolicyCommand([{ title: 'Fix', kind: 'quickfix' }, command]), command);
  });

  test('finds the Command inside a CodeAction', () => {
    const command = { title: 'Open policy', command: 'guardian.openPolicy', arguments: [] };
    assert.deepEqual(findOpenPolicyCommand([{ title: 'Open policy section', command }]), command);
  });

  test('ignores other commands and junk', () => {
    assert.equal(findOpenPolicyCommand([null, 'x', { command: 'editor.action.fix' }]), undefined);
    assert.equal(findOpenPolicyCommand(undefined), undefined);
  });
});

describe('locationFromArguments', () => {
  test('reads a Location', () => {
    const location = { uri: steeringUri, range: { start: { line: 36, character: 0 }, end: { line: 36, character: 9 } } };
    assert.deepEqual(locationFromArguments([location]), { uri: steeringUri, line: 36 });
  });

  test('reads a LocationLink', () => {
    const link = { targetUri: steeringUri, targetSelectionRange: { start: { line: 4, character: 0 } } };
    assert.deepEqual(locationFromArguments([link]), { uri: steeringUri, line: 4 });
  });

  test('reads uri and line', () => {
    assert.deepEqual(locationFromArguments([{ uri: steeringUri, line: 7 }]), { uri: steeringUri, line: 7 });
  });

  test('reads a one-based line fragment', () => {
    assert.deepEqual(locationFromArguments([`${steeringUri}#L37`]), { uri: steeringUri, line: 36 });
  });

  test('drops other fragments', () => {
    assert.deepEqual(locationFromArguments([`${steeringUri}#3-1-sql`]), { uri: steeringUri, line: 0 });
  });

  test('skips arguments that are no location', () => {
    assert.deepEqual(locationFromArguments(['sql-injection', 42, { uri: steeringUri, line: 2 }]), { uri: steeringUri, line: 2 });
    assert.equal(locationFromArguments(['sql-injection']), undefined);
  });
});
