/**
 * kuberoute's templates: `_TEMPLATE_START_name_TEMPLATE_END_` stands for a value of
 * [replacements] (labels cannot hold braces, so kuberoute spelled Python's `{name}` this way).
 * An unknown name is an error, as it was in kuberoute (a KeyError), but with the name in it.
 */
const PLACEHOLDER = /_TEMPLATE_START_(\w+)_TEMPLATE_END_/g;

export function renderTemplate(template: string, values: Readonly<Record<string, string>>): string {
  return template.replace(PLACEHOLDER, (_match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`the template "${template}" names ${name}, which [replacements] (kube_dns.replacements) does not define`);
    return value;
  });
}

/** kuberoute's heartbeat timestamp: the current minute as year-month-day-hour-minute, unpadded (UTC). */
export function heartbeatTimestamp(now: Date): string {
  return [now.getUTCFullYear(), now.getUTCMonth() + 1, now.getUTCDate(), now.getUTCHours(), now.getUTCMinutes()].join('-');
}
