import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FakeApiError, signedService } from '../fake-aws/query.js';
import { InvalidChangeBatchError, applyChangeBatch, batchSize, parseChangeBatch, type BatchSize } from './change.js';
import { newId, type FakeRoute53Model } from './model.js';
import { listResourceRecordSets } from './rrsets.js';
import { NS, getHostedZone, listHostedZonesByName, requireZone } from './zones.js';
import { XmlSyntaxError, element, parseXml } from './xml.js';
import { closeServer, listenOnLoopback, readBody } from '../loopback-http.js';

export { addZone, createRoute53Model, type FakeRecordSet, type FakeRoute53Model, type FakeZone } from './model.js';

/**
 * A loopback Route 53: the REST/XML API (2013-04-01) for the five operations muster's route53
 * provider uses, so tests drive the real AWS SDK over real HTTP. Requests must be SigV4-signed
 * for the route53 service. Every call is logged, so tests and benchmarks can count
 * ChangeResourceRecordSets calls and the changes they carried.
 */
export interface FakeRoute53 {
  /** http://127.0.0.1:<port>, usable as the provider's endpoint. */
  readonly url: string;
  readonly model: FakeRoute53Model;
  readonly calls: readonly LoggedCall[];
  /** How many calls of `operation` (e.g. "ChangeResourceRecordSets") were answered, with any status. */
  count(operation: Operation): number;
  /** The next `count` calls (of `operation`, or any) fail with Throttling or PriorRequestNotComplete. */
  failNext(code: InjectedError, count: number, operation?: Operation): void;
  /** Drops failures queued by failNext that have not happened yet. */
  clearFailures(): void;
  /**
   * Test hook: holds every ChangeResourceRecordSets request until `clients` more zone listings
   * (first pages of ListResourceRecordSets) have been answered, then lets them through in the
   * order they came. N nodes booting at once then all read the zone before any of them writes:
   * the race of a simultaneous boot, made certain instead of likely. After `timeoutMs` (default
   * 20 s) the writes go through anyway, so a node that never lists fails the test's assertions
   * instead of hanging it.
   */
  holdChangesUntilListed(clients: number, timeoutMs?: number): void;
  close(): Promise<void>;
}

export type Operation = 'ListHostedZonesByName' | 'GetHostedZone' | 'ListResourceRecordSets' | 'ChangeResourceRecordSets' | 'GetChange' | 'Unknown';
export type InjectedError = 'Throttling' | 'PriorRequestNotComplete';

export interface LoggedCall {
  operation: Operation;
  status: number;
  /** The error code answered, if any. */
  error?: string;
  /** ChangeResourceRecordSets only: what the batch held (counted even when refused). */
  batch?: BatchSize;
}

const INJECTED: Record<InjectedError, string> = {
  Throttling: 'Rate exceeded',
  PriorRequestNotComplete: 'The request was rejected because Route 53 was still processing a prior request.',
};

/** IAM action each operation needs. */
const ACTIONS: Record<Operation, string> = {
  ListHostedZonesByName: 'route53:ListHostedZonesByName',
  GetHostedZone: 'route53:GetHostedZone',
  ListResourceRecordSets: 'route53:ListResourceRecordSets',
  ChangeResourceRecordSets: 'route53:ChangeResourceRecordSets',
  GetChange: 'route53:GetChange',
  Unknown: 'route53:Unknown',
};

export async function startFakeRoute53(model: FakeRoute53Model): Promise<FakeRoute53> {
  const calls: LoggedCall[] = [];
  const injected: { code: InjectedError; operation: Operation | undefined }[] = [];
  let barrier: { listings: number; opened: Promise<void>; open: () => void } | undefined;

  const server = createServer((request, response) => {
    void readBody(request).then(async (body) => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const route = routeOf(request.method ?? 'GET', url.pathname);
      if (route.operation === 'ChangeResourceRecordSets' && barrier) await barrier.opened;
      const logged: LoggedCall = { operation: route.operation, status: 200 };
      try {
        if (signedService(request.headers.authorization) !== 'route53') {
          throw new FakeApiError(403, 'MissingAuthenticationToken', 'Request is missing Authentication Token');
        }
        const index = injected.findIndex((entry) => entry.operation === undefined || entry.operation === route.operation);
        const injection = injected[index];
        if (injection) {
          injected.splice(index, 1);
          throw new FakeApiError(400, injection.code, INJECTED[injection.code]);
        }
        if (model.denied.has(ACTIONS[route.operation])) throw accessDenied(ACTIONS[route.operation], route.id);
        sendXml(response, 200, handle(model, route, url.searchParams, body, logged));
        if (barrier && route.operation === 'ListResourceRecordSets' && !url.searchParams.has('name') && --barrier.listings === 0) {
          barrier.open();
          barrier = undefined;
        }
      } catch (error) {
        if (!(error instanceof FakeApiError)) throw error;
        logged.status = error.status;
        logged.error = error.code;
        sendXml(response, error.status, error instanceof InvalidChangeBatchError && model.invalidChangeBatchDocument ? invalidChangeBatchXml(error) : errorXml(error));
      } finally {
        calls.push(logged);
      }
    });
  });
  await listenOnLoopback(server);
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    model,
    calls,
    count: (operation) => calls.filter((call) => call.operation === operation).length,
    failNext: (code, count, operation) => {
      for (let i = 0; i < count; i++) injected.push({ code, operation });
    },
    clearFailures: () => {
      injected.length = 0;
    },
    holdChangesUntilListed: (clients, timeoutMs = 20_000) => {
      let open = (): void => undefined;
      const opened = new Promise<void>((resolve) => (open = resolve));
      const timer = setTimeout(() => {
        open();
        barrier = undefined;
      }, timeoutMs);
      timer.unref();
      barrier = {
        listings: clients,
        opened,
        open: () => {
          clearTimeout(timer);
          open();
        },
      };
    },
    close: () => closeServer(server),
  };
}

interface Route {
  operation: Operation;
  id: string;
}

function routeOf(method: string, path: string): Route {
  const match = (pattern: RegExp): string | undefined => pattern.exec(path)?.[1];
  if (method === 'GET' && path === '/2013-04-01/hostedzonesbyname') return { operation: 'ListHostedZonesByName', id: '' };
  const rrsets = match(/^\/2013-04-01\/hostedzone\/([^/]+)\/rrset\/?$/);
  if (rrsets !== undefined && method === 'GET') return { operation: 'ListResourceRecordSets', id: rrsets };
  if (rrsets !== undefined && method === 'POST') return { operation: 'ChangeResourceRecordSets', id: rrsets };
  const zone = match(/^\/2013-04-01\/hostedzone\/([^/]+)$/);
  if (zone !== undefined && method === 'GET') return { operation: 'GetHostedZone', id: zone };
  const change = match(/^\/2013-04-01\/change\/([^/]+)$/);
  if (change !== undefined && method === 'GET') return { operation: 'GetChange', id: change };
  return { operation: 'Unknown', id: '' };
}

function handle(model: FakeRoute53Model, route: Route, query: URLSearchParams, body: string, logged: LoggedCall): string {
  switch (route.operation) {
    case 'ListHostedZonesByName':
      return listHostedZonesByName(model, query);
    case 'GetHostedZone':
      return getHostedZone(model, route.id);
    case 'ListResourceRecordSets':
      return listResourceRecordSets(requireZone(model, route.id), query, model.pageSize);
    case 'ChangeResourceRecordSets':
      return changeResourceRecordSets(model, route.id, body, logged);
    case 'GetChange':
      return getChange(model, route.id);
    case 'Unknown':
      throw new FakeApiError(404, 'UnknownOperationException', 'The operation is not supported by this fake');
  }
}

function changeResourceRecordSets(model: FakeRoute53Model, zoneId: string, body: string, logged: LoggedCall): string {
  const zone = requireZone(model, zoneId);
  let parsed: ReturnType<typeof parseChangeBatch>;
  try {
    parsed = parseChangeBatch(parseXml(body));
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw new FakeApiError(400, 'InvalidInput', `Invalid XML ; ${error.message}`);
    throw error;
  }
  logged.batch = batchSize(parsed.changes);
  applyChangeBatch(zone, parsed.changes);
  const change = { id: newId('C', 14), submittedAt: new Date().toISOString(), pendingPolls: model.pendingPolls, ...(parsed.comment === undefined ? {} : { comment: parsed.comment }) };
  model.changes.set(change.id, change);
  return `<ChangeResourceRecordSetsResponse xmlns="${NS}">${changeInfoXml(change, 'PENDING')}</ChangeResourceRecordSetsResponse>`;
}

function getChange(model: FakeRoute53Model, id: string): string {
  const change = model.changes.get(id);
  if (!change) throw new FakeApiError(404, 'NoSuchChange', `A change with the specified change ID does not exist: ${id}`);
  const status = change.pendingPolls > 0 ? 'PENDING' : 'INSYNC';
  if (change.pendingPolls > 0) change.pendingPolls--;
  return `<GetChangeResponse xmlns="${NS}">${changeInfoXml(change, status)}</GetChangeResponse>`;
}

function changeInfoXml(change: { id: string; submittedAt: string; comment?: string }, status: string): string {
  return `<ChangeInfo>${element('Id', `/change/${change.id}`)}${element('Status', status)}${element('SubmittedAt', change.submittedAt)}${element('Comment', change.comment)}</ChangeInfo>`;
}

function accessDenied(action: string, zoneId: string): FakeApiError {
  const resource = zoneId === '' ? '*' : `arn:aws:route53:::hostedzone/${zoneId}`;
  return new FakeApiError(
    403,
    'AccessDenied',
    `User: arn:aws:sts::123456789012:assumed-role/muster-node/i-0 is not authorized to perform: ${action} on resource: ${resource} because no identity-based policy allows the ${action} action`,
  );
}

/** Route 53's error document: `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`. */
function errorXml(error: FakeApiError): string {
  return (
    `<ErrorResponse xmlns="${NS}"><Error>` +
    element('Type', error.status >= 500 ? 'Receiver' : 'Sender') +
    element('Code', error.code) +
    element('Message', error.message) +
    `</Error>${element('RequestId', randomUUID())}</ErrorResponse>`
  );
}

/** Route 53's other error document, used for InvalidChangeBatch: one Message per problem, no Code. */
function invalidChangeBatchXml(error: InvalidChangeBatchError): string {
  return `<InvalidChangeBatch xmlns="${NS}"><Messages>${error.messages.map((message) => element('Message', message)).join('')}</Messages>${element('RequestId', randomUUID())}</InvalidChangeBatch>`;
}

function sendXml(response: ServerResponse, status: number, xml: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
  response.writeHead(status, { 'content-type': 'text/xml', 'content-length': Buffer.byteLength(body), 'x-amzn-requestid': randomUUID() });
  response.end(body);
}



