import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MusterError } from '../core/errors.js';
import { runProgram } from '../core/process.js';
import type { UserDataFormat } from './node-content.js';

/** The validators the distributions ship: cloud-init's schema check, Ignition's ignition-validate. */
const VALIDATORS: Record<UserDataFormat, { program: string; args: (file: string) => string[]; package: string }> = {
  'cloud-config': { program: 'cloud-init', args: (file) => ['schema', '--config-file', file], package: 'cloud-init' },
  ignition: { program: 'ignition-validate', args: (file) => [file], package: 'ignition' },
};

/**
 * Runs the format's own validator on rendered user-data (a gzipped cloud-config is checked
 * decompressed, as cloud-init reads it), so a schema error is found here and not at boot.
 * Returns the validator's output; a warning counts as a failure.
 */
export async function validateUserData(bytes: Buffer, format: UserDataFormat): Promise<string> {
  const validator = VALIDATORS[format];
  const dir = await mkdtemp(join(tmpdir(), 'muster-validate-'));
  try {
    const file = join(dir, format === 'ignition' ? 'config.ign' : 'user-data');
    await writeFile(file, bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes, { mode: 0o600 });
    let result;
    try {
      result = await runProgram(validator.program, validator.args(file));
    } catch (error) {
      if (error instanceof MusterError && error.code === 'PROGRAM_MISSING') throw new MusterError(`--validate needs ${validator.program}`, { code: 'PROGRAM_MISSING', kind: 'missing-dependency', hint: `apt-get install ${validator.package}` });
      throw error;
    }
    const output = `${result.stdout}${result.stderr}`.trim();
    if (result.code !== 0 || /warning/i.test(output)) {
      throw new MusterError(`${validator.program} rejected the rendered ${format}`, { code: 'RENDER_INVALID', kind: 'internal', details: output.split('\n'), hint: 'this is a muster bug unless a file or unit you gave is at fault: report it with the model' });
    }
    return output;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
