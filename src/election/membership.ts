import { createHash } from 'node:crypto';
import { compareText } from '../core/compare-text.js';

/** One member as the election sees it. */
export interface Member {
  name: string;
  id: number;
  tiebreak: string;
  ips: readonly string[];
  role: string;
  hostKey: string;
}

/** Election order: the lowest id first (zeroinit's rule), then the random tie-break, then the name. */
export function electionOrder(members: readonly Member[]): Member[] {
  return [...members].sort((a, b) => a.id - b.id || compareText(a.tiebreak, b.tiebreak) || compareText(a.name, b.name));
}

/** What every member compares: the same set of members gives the same hash wherever it is computed. */
export function membershipHash(members: readonly Member[]): string {
  const lines = electionOrder(members).map((member) => `${member.name}|${member.id}|${member.tiebreak}|${member.ips.join(',')}`);
  return createHash('sha256').update(lines.join('\n')).digest('hex').slice(0, 16);
}
