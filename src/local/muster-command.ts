import { fileURLToPath } from 'node:url';
import { isSingleExecutable } from '../cli/version.js';

/**
 * How to start muster itself as a child process: the single executable itself, the compiled CLI
 * when running from dist/, the TypeScript source through tsx when running from src/ (tests), so
 * children run the same code.
 */
export function musterInvocation(): { command: string; args: string[] } {
  // The single executable is muster: it takes muster's arguments directly.
  if (isSingleExecutable()) return { command: process.execPath, args: [] };
  // The test runner builds dist/ once and points here, so that simulated nodes start in a
  // fraction of the time tsx needs to compile the sources in every child.
  const prebuilt = process.env['MUSTER_CLI'];
  if (prebuilt) return { command: process.execPath, args: [prebuilt] };
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    return { command: process.execPath, args: ['--import', 'tsx', fileURLToPath(new URL('../cli/main.ts', here))] };
  }
  // In the bundle every chunk sits beside main.js.
  return { command: process.execPath, args: [fileURLToPath(new URL('./main.js', here))] };
}
