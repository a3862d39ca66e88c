import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AUTOSCALING_VERSION, autoScalingErrorXml, autoScalingThrottled, handleAutoScaling } from './autoscaling.js';
import { EC2_VERSION, ec2ErrorXml, ec2Throttled, handleEc2 } from './ec2.js';
import { FakeImds } from './imds.js';
import type { FakeAwsModel } from './model.js';
import { FakeApiError, signedService } from './query.js';
import { closeServer, listenOnLoopback } from '../loopback-http.js';

export { createModel, type FakeAwsModel, type FakeGroup, type FakeInstance } from './model.js';

/**
 * A loopback stand-in for the three AWS endpoints muster's aws platform talks to — the instance
 * metadata service, EC2 and Auto Scaling — answering in their real wire formats, so tests drive
 * the real AWS SDK over real HTTP. One port serves all three: metadata paths start with
 * /latest/, and API calls are told apart by the service their SigV4 signature was made for.
 */
export interface FakeAws {
  /** http://127.0.0.1:<port>, usable as every endpoint override. */
  readonly url: string;
  /** The account the fake answers from; tests may change it between calls. */
  readonly model: FakeAwsModel;
  /** Every request answered, in order. */
  readonly requests: readonly LoggedRequest[];
  /** How many requests for `action` (e.g. "DescribeInstances", or "imds:token") were answered. */
  count(action: string): number;
  /** The next `count` API calls (EC2 or Auto Scaling) get that service's throttling error. */
  throttleNext(count: number): void;
  close(): Promise<void>;
}

export interface LoggedRequest {
  service: 'imds' | 'ec2' | 'autoscaling' | 'unknown';
  /** The Query API Action, or for the metadata service "imds:token" / the path read. */
  action: string;
  status: number;
}

type Service = 'ec2' | 'autoscaling';

const SERVICES: Record<Service, { version: string; handle: typeof handleEc2; errorXml: (error: FakeApiError) => string; throttled: () => FakeApiError }> = {
  ec2: { version: EC2_VERSION, handle: handleEc2, errorXml: ec2ErrorXml, throttled: ec2Throttled },
  autoscaling: { version: AUTOSCALING_VERSION, handle: handleAutoScaling, errorXml: autoScalingErrorXml, throttled: autoScalingThrottled },
};

export async function startFakeAws(model: FakeAwsModel): Promise<FakeAws> {
  const requests: LoggedRequest[] = [];
  const imds = new FakeImds(model);
  let throttles = 0;

  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path.startsWith('/latest/')) {
      response.once('finish', () => requests.push({ service: 'imds', action: path === '/latest/api/token' ? 'imds:token' : path, status: response.statusCode }));
      return imds.handle(request, response, path);
    }
    void readBody(request).then((body) => {
      const service = serviceOf(request);
      const answer = (status: number, xml: string): void => {
        requests.push({ service: service ?? 'unknown', action: body.get('Action') ?? '', status });
        sendXml(response, status, xml);
      };
      if (service === undefined) {
        // Unsigned, or signed for another service: refuse in the dialect the Version belongs to.
        const errorXml = body.get('Version') === AUTOSCALING_VERSION ? autoScalingErrorXml : ec2ErrorXml;
        return answer(403, errorXml(new FakeApiError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token')));
      }
      const { version, handle, errorXml, throttled } = SERVICES[service];
      try {
        if (request.method !== 'POST' || path !== '/') throw new FakeApiError(400, 'InvalidAction', `${request.method} ${path} is not supported`);
        if (body.get('Version') !== version) throw new FakeApiError(400, 'NoSuchVersion', `Version ${body.get('Version')} is not supported by ${service}`);
        if (throttles > 0) {
          throttles--;
          throw throttled();
        }
        answer(200, handle(model, body));
      } catch (error) {
        if (!(error instanceof FakeApiError)) throw error;
        answer(error.status, errorXml(error));
      }
    });
  });
  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    model,
    requests,
    count: (action) => requests.filter((request) => request.action === action).length,
    throttleNext: (count) => {
      throttles = count;
    },
    close: () => closeServer(server),
  };
}

/** A loopback URL nothing listens on: a metadata service that is down. */
export async function closedLoopbackUrl(): Promise<string> {
  const server = createServer();
  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;
  await closeServer(server);
  return `http://127.0.0.1:${port}`;
}

function serviceOf(request: IncomingMessage): Service | undefined {
  const signed = signedService(request.headers.authorization);
  return signed === 'ec2' || signed === 'autoscaling' ? signed : undefined;
}

async function readBody(request: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const type = request.headers['content-type'] ?? '';
  return type.startsWith('application/x-www-form-urlencoded') ? new URLSearchParams(Buffer.concat(chunks).toString('utf8')) : new URLSearchParams();
}

function sendXml(response: ServerResponse, status: number, xml: string): void {
  response.writeHead(status, { 'content-type': 'text/xml;charset=UTF-8', 'content-length': Buffer.byteLength(xml) });
  response.end(xml);
}


