import { runProgram } from '../../src/core/process.js';
import { musterInvocation } from '../../src/local/muster-command.js';

/** Runs the built muster CLI on a config file, as an operator on the node would. */
export async function musterCli(configFile: string, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const { command, args: base } = musterInvocation();
  return runProgram(command, [...base, '--config', configFile, '--log-level', 'error', ...args]);
}

/**
 * The start of a node config: `root`, a static group of three masters on `<prefix>.11-13`
 * (this node is node-1), and NodeReg's hostname rule, so node-1 is master-11.
 */
export function threeMastersConfig(root: string, prefix: string): string {
  return `root: ${root}
platform:
  type: static
  self: node-1
  peers:
    - { name: node-1, ip: ${prefix}.11, tags: { Role: master } }
    - { name: node-2, ip: ${prefix}.12, tags: { Role: master } }
    - { name: node-3, ip: ${prefix}.13, tags: { Role: master } }
hostname: { tag_name: Role, glue: '-', ip_address: { octets: 1, glue: '-' } }
`;
}
