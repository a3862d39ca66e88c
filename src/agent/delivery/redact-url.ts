/**
 * A webhook URL as logs may show it: scheme, host and the first path segment
 * (https://hooks.slack.com/services/…). Slack puts the secret in the later segments, other
 * receivers in the query: neither is ever shown.
 */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const [first] = parsed.pathname.split('/').filter((segment) => segment !== '');
    const more = parsed.pathname.split('/').filter((segment) => segment !== '').length > 1 || parsed.search !== '';
    return `${parsed.protocol}//${parsed.host}/${first ?? ''}${more ? '/…' : ''}`;
  } catch {
    return '(unreadable URL)';
  }
}
