/** Whether a file can go into user-data as text (UTF-8 without control characters other than tab and newline). */
export function isPlainText(content: Buffer): boolean {
  const text = content.toString('utf8');
  if (!Buffer.from(text, 'utf8').equals(content)) return false;
  // eslint-disable-next-line no-control-regex
  return !/[\u0000-\u0008\u000b-\u001f\u007f]/.test(text);
}
