import type { NodeEvent } from '../events/node-event.js';
import type { NodeRecord } from '../node-record.js';

/**
 * Slack reads `&`, `<` and `>` in message text as control characters (links, mentions): they
 * must be sent as HTML entities, and nothing else may be (Slack's "Escaping text" rules).
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

const describe = (node: NodeRecord): string => `${node.name} (${node.ip || 'no ip'}, ${node.role})`;

/** The seed's wording ("<ip> is DOWN (role)"), with the name first since muster keys by name. */
export function eventText(event: NodeEvent): string {
  switch (event.event) {
    case 'up':
      return `${describe(event.node)} is UP`;
    case 'down':
      return `${describe(event.node)} is DOWN`;
    case 'replaced':
      return `${describe(event.node)} REPLACED ${event.replaces ? describe(event.replaces) : 'a node'}`;
  }
}

/** An incoming-webhook body: `{"text": …}`, plus `channel` when configured. */
export function slackBody(event: NodeEvent, channel: string | undefined): { text: string; channel?: string } {
  return { text: escapeSlackText(eventText(event)), ...(channel === undefined ? {} : { channel }) };
}
