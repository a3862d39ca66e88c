import type { Command } from 'commander';
import { loadForCommand, loggerFor, type GlobalOptions } from './context.js';

export function registerAgentCommands(program: Command, globals: () => GlobalOptions): void {
  program
    .command('agent')
    .description('long-running: keep this node in the registry /muster/nodes/<role>/<name> under an etcd lease, and (one agent at a time) send node up / down / replaced events to events.webhooks; SIGTERM leaves cleanly')
    .action(async () => {
      const logger = loggerFor(globals());
      const { config } = await loadForCommand(globals(), logger);
      const { runAgent } = await import('../agent/run-agent.js');
      await runAgent(config, logger);
    });

  program
    .command('nodes')
    .description('list the node registry: role, name, ip, muster version, up since')
    .option('--json', 'print the registry values as a JSON list')
    .action(async (options: { json?: boolean }) => {
      const logger = loggerFor(globals());
      const { config } = await loadForCommand(globals(), logger);
      const [{ listNodes }, { renderNodesTable }] = await Promise.all([import('../agent/list-nodes.js'), import('../agent/nodes-table.js')]);
      const records = await listNodes(config, logger);
      process.stdout.write(options.json ? `${JSON.stringify(records, null, 2)}\n` : records.length === 0 ? 'no node is registered (is `muster agent` running?)\n' : renderNodesTable(records));
    });
}
