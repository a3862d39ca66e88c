import assert from 'node:assert/strict';
import { MusterError } from '../../src/core/errors.js';

/** The MusterError a promise fails with; fails the test if it succeeds or fails otherwise. */
export async function failure(promise: Promise<unknown>): Promise<MusterError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MusterError, `expected a MusterError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a failure');
}
