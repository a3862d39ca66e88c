import { EC2_STATE_CODES, type FakeAwsModel, type FakeInstance } from './model.js';
import { FakeApiError, element, intParam, listParam, pageOf, requestId } from './query.js';

/**
 * EC2's Query API (Version 2016-11-15), DescribeInstances only, answering in EC2's own XML
 * dialect: lowercase element names, lists as `<item>`, errors as `<Response><Errors>`.
 */
export const EC2_VERSION = '2016-11-15';
const XMLNS = `http://ec2.amazonaws.com/doc/${EC2_VERSION}/`;

export function handleEc2(model: FakeAwsModel, params: URLSearchParams): string {
  const action = params.get('Action') ?? '';
  if (action !== 'DescribeInstances') throw new FakeApiError(400, 'InvalidAction', `The action ${action} is not valid for this web service.`);
  if (model.denied.has('ec2:DescribeInstances')) throw unauthorized('ec2:DescribeInstances');

  const ids = listParam(params, 'InstanceId.');
  const maxResults = intParam(params, 'MaxResults', 5, 1000, 'InvalidParameterValue');
  if (ids.length > 0 && maxResults !== undefined) {
    throw new FakeApiError(400, 'InvalidParameterCombination', 'The parameter instancesSet cannot be used with the parameter maxResults');
  }
  const visible = model.instances.filter((instance) => instance.ec2Visible !== false);
  const missing = ids.filter((id) => !visible.some((instance) => instance.id === id));
  if (missing.length > 0) {
    throw new FakeApiError(
      400,
      'InvalidInstanceID.NotFound',
      missing.length === 1 ? `The instance ID '${missing[0]}' does not exist` : `The instance IDs '${missing.join(', ')}' do not exist`,
    );
  }

  const filters = parseFilters(params);
  const matching = visible.filter((instance) => (ids.length === 0 || ids.includes(instance.id)) && filters.every((filter) => filter(instance)));
  const { page, next } = pageOf(matching, params.get('NextToken'), Math.min(maxResults ?? Infinity, model.pageSize), 'InvalidParameterValue');
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<DescribeInstancesResponse xmlns="${XMLNS}">` +
    element('requestId', requestId()) +
    `<reservationSet>${reservations(page).map((group) => reservationXml(model, group)).join('')}</reservationSet>` +
    element('nextToken', next) +
    '</DescribeInstancesResponse>'
  );
}

export function ec2ErrorXml(error: FakeApiError): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error>' +
    element('Code', error.code) +
    element('Message', error.message) +
    `</Error></Errors>${element('RequestID', requestId())}</Response>`
  );
}

/** EC2's throttling answer; 503 is what EC2 sends with RequestLimitExceeded. */
export function ec2Throttled(): FakeApiError {
  return new FakeApiError(503, 'RequestLimitExceeded', 'Request limit exceeded.');
}

function unauthorized(action: string): FakeApiError {
  return new FakeApiError(
    403,
    'UnauthorizedOperation',
    `You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/muster-node/i-0 is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  );
}

type InstanceFilter = (instance: FakeInstance) => boolean;

/** Filter.N.Name / Filter.N.Value.M, for the filters muster (and the tests) use. */
function parseFilters(params: URLSearchParams): InstanceFilter[] {
  const filters: InstanceFilter[] = [];
  for (let n = 1; params.has(`Filter.${n}.Name`); n++) {
    const name = params.get(`Filter.${n}.Name`) ?? '';
    const values = listParam(params, `Filter.${n}.Value.`);
    if (name.startsWith('tag:')) {
      const key = name.slice(4);
      filters.push((instance) => {
        const value = instance.tags[key];
        return value !== undefined && values.includes(value);
      });
    } else if (name === 'tag-key') filters.push((instance) => values.some((key) => key in instance.tags));
    else if (name === 'instance-state-name') filters.push((instance) => values.includes(instance.state));
    else if (name === 'instance-id') filters.push((instance) => values.includes(instance.id));
    else throw new FakeApiError(400, 'InvalidParameterValue', `The filter '${name}' is invalid`);
  }
  return filters;
}

/** Consecutive instances of one reservation are answered under one reservationSet item. */
function reservations(instances: readonly FakeInstance[]): FakeInstance[][] {
  const groups: FakeInstance[][] = [];
  for (const instance of instances) {
    const last = groups.at(-1);
    if (last?.[0] && reservationId(last[0]) === reservationId(instance)) last.push(instance);
    else groups.push([instance]);
  }
  return groups;
}

function reservationId(instance: FakeInstance): string {
  return instance.reservation ?? `r-${instance.id.replace(/^i-/, '')}`;
}

function reservationXml(model: FakeAwsModel, instances: readonly FakeInstance[]): string {
  const first = instances[0];
  if (!first) return '';
  return (
    '<item>' +
    element('reservationId', reservationId(first)) +
    element('ownerId', '123456789012') +
    '<groupSet/>' +
    `<instancesSet>${instances.map((instance) => instanceXml(model, instance)).join('')}</instancesSet>` +
    '</item>'
  );
}

function instanceXml(model: FakeAwsModel, instance: FakeInstance): string {
  const tags = Object.entries(instance.tags)
    .map(([key, value]) => `<item>${element('key', key)}${element('value', value)}</item>`)
    .join('');
  return (
    '<item>' +
    element('instanceId', instance.id) +
    element('imageId', 'ami-0123456789abcdef0') +
    `<instanceState>${element('code', EC2_STATE_CODES[instance.state])}${element('name', instance.state)}</instanceState>` +
    element('privateDnsName', instance.ip === undefined ? '' : `ip-${instance.ip.replaceAll('.', '-')}.${model.region}.compute.internal`) +
    element('instanceType', 't3.small') +
    `<placement>${element('availabilityZone', instance.availabilityZone ?? `${model.region}a`)}<tenancy>default</tenancy></placement>` +
    element('privateIpAddress', instance.ip) +
    (tags === '' ? '' : `<tagSet>${tags}</tagSet>`) +
    '</item>'
  );
}
