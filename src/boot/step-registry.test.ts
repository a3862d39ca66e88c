import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BOOT_STEPS } from './config-schema.js';
import { STEP_MODULES } from './step-registry.js';

describe('boot step registry', () => {
  it('has one module per step the config can name, in the documented order', () => {
    assert.deepEqual(
      STEP_MODULES.map((step) => step.name),
      [...BOOT_STEPS],
    );
  });
});
