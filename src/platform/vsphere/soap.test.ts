import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runProgram } from '../../core/process.js';
import { isMusterError } from '../../core/errors.js';
import { SoapClient } from './soap.js';

// The govmomi simulator cannot be made to fail on purpose, so vCenter's fault answers are played
// here by a loopback HTTPS server in vim25's wire format.
const fault = (type: string, text: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>${text}</faultstring><detail><${type}Fault xmlns="urn:vim25" xsi:type="${type}"></${type}Fault></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`;
const ok = '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><LogoutResponse xmlns="urn:vim25"></LogoutResponse></soapenv:Body></soapenv:Envelope>';

describe('vim25 SOAP faults', () => {
  let dir: string;
  let server: Server;
  let ca: string;
  let url: string;
  const answers: { status: number; body: string }[] = [];
  let received = 0;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'muster-soap-'));
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    const made = await runProgram('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1']);
    assert.equal(made.code, 0, made.stderr);
    ca = await readFile(cert, 'utf8');
    server = createServer({ key: await readFile(key), cert: ca }, (req, res) => {
      received++;
      req.resume();
      req.on('end', () => {
        const answer = answers.shift() ?? { status: 200, body: ok };
        res.writeHead(answer.status, { 'Content-Type': 'text/xml' }).end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/sdk`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it('retries a transient fault (SystemError) up to `attempts`, then answers', async () => {
    received = 0;
    answers.push({ status: 500, body: fault('SystemError', 'busy') }, { status: 500, body: fault('SystemError', 'busy') });
    const soap = new SoapClient({ url, ca, insecure: false, timeoutMs: 5000, attempts: 3 });
    assert.deepEqual(await soap.call('Logout', ''), {});
    assert.equal(received, 3);
    soap.close();
  });

  it('gives up after `attempts` transient faults, with a retryable error naming the host', async () => {
    received = 0;
    answers.push({ status: 500, body: fault('SystemError', 'busy') }, { status: 500, body: fault('SystemError', 'busy') });
    const soap = new SoapClient({ url, ca, insecure: false, timeoutMs: 5000, attempts: 2 });
    await assert.rejects(soap.call('Logout', ''), (error: unknown) => isMusterError(error) && error.code === 'VSPHERE_FAULT' && error.retryable && error.message.includes('127.0.0.1'));
    assert.equal(received, 2);
    soap.close();
  });

  it('does not retry a permission fault, and says which role is needed', async () => {
    received = 0;
    answers.push({ status: 500, body: fault('NoPermission', 'Permission to perform this operation was denied.') });
    const soap = new SoapClient({ url, ca, insecure: false, timeoutMs: 5000, attempts: 3 });
    await assert.rejects(soap.call('RetrievePropertiesEx', ''), (error: unknown) => isMusterError(error) && error.code === 'VSPHERE_NO_PERMISSION' && /Read-only role/.test(error.hint ?? ''));
    assert.equal(received, 1);
    soap.close();
  });

  it('an answer that is not vim25 names the endpoint as wrong, not as busy', async () => {
    answers.push({ status: 404, body: '<html>not here</html>' });
    const soap = new SoapClient({ url, ca, insecure: false, timeoutMs: 5000, attempts: 3 });
    await assert.rejects(soap.call('Logout', ''), (error: unknown) => isMusterError(error) && error.code === 'VSPHERE_UNREACHABLE' && !error.retryable && /no vCenter SDK endpoint/.test(error.hint ?? ''));
    soap.close();
  });
});
