import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseServer, rfc2136Schema } from './schema.js';
import { parseSecretFile } from './secret.js';

const secret = Buffer.alloc(32, 7).toString('base64');

describe('rfc2136 config', () => {
  it('reads servers with and without a port', () => {
    assert.deepEqual(parseServer('10.0.0.53'), { host: '10.0.0.53', port: 53 });
    assert.deepEqual(parseServer('ns1.example.com:5353'), { host: 'ns1.example.com', port: 5353 });
    assert.deepEqual(parseServer('[2001:db8::53]:53'), { host: '2001:db8::53', port: 53 });
    assert.deepEqual(parseServer('2001:db8::53'), { host: '2001:db8::53', port: 53 });
    assert.equal(parseServer('10.0.0.53:99999'), undefined);
    const parsed = rfc2136Schema.safeParse({ type: 'rfc2136', server: 'a:b:c', tsig: { name: 'k', secret_file: '/k' } });
    assert.equal(parsed.success, false);
    const ok = rfc2136Schema.parse({ type: 'rfc2136', server: '10.0.0.53', tsig: { name: 'k', secret_file: '/k' }, timeout: '5s' });
    assert.deepEqual([ok.tsig.algorithm, ok.timeout], ['hmac-sha256', 5000]);
  });

  it('takes tsig-keygen output or one base64 line as the secret file', () => {
    const block = `key "muster-key" {\n\talgorithm hmac-sha512;\n\tsecret "${secret}";\n};\n`;
    assert.deepEqual(parseSecretFile(block, '/k'), { secret: Buffer.alloc(32, 7), name: 'muster-key', algorithm: 'hmac-sha512' });
    assert.deepEqual(parseSecretFile(`\n${secret}\n`, '/k'), { secret: Buffer.alloc(32, 7) });
  });

  it('refuses a bad secret file without echoing its content', () => {
    for (const text of ['', 'two\nlines', 'key "k" { algorithm hmac-sha256; };', 'c2hvcnQ=']) {
      assert.throws(
        () => parseSecretFile(text, '/etc/muster/tsig.key'),
        (error: Error) => error.message.startsWith('rfc2136 DNS provider: the TSIG secret file /etc/muster/tsig.key') && !(text && error.message.includes(text)),
      );
    }
  });
});
