import type { FakeAwsModel, FakeGroup, FakeInstance } from './model.js';
import { FakeApiError, element, intParam, listParam, pageOf, requestId } from './query.js';

/**
 * Auto Scaling's Query API (Version 2011-01-01): DescribeAutoScalingInstances and
 * DescribeAutoScalingGroups, answering in the awsQuery dialect (`<XResponse><XResult>`, lists as
 * `<member>`, errors as `<ErrorResponse>`).
 */
export const AUTOSCALING_VERSION = '2011-01-01';
const XMLNS = `http://autoscaling.amazonaws.com/doc/${AUTOSCALING_VERSION}/`;
const ACCOUNT = '123456789012';

export function handleAutoScaling(model: FakeAwsModel, params: URLSearchParams): string {
  const action = params.get('Action') ?? '';
  if (action !== 'DescribeAutoScalingInstances' && action !== 'DescribeAutoScalingGroups') {
    throw new FakeApiError(400, 'InvalidAction', `Could not find operation ${action} for version ${AUTOSCALING_VERSION}`);
  }
  if (model.denied.has(`autoscaling:${action}`)) throw accessDenied(`autoscaling:${action}`);
  const result = action === 'DescribeAutoScalingInstances' ? describeInstances(model, params) : describeGroups(model, params);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="${XMLNS}">` +
    `<${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata>${element('RequestId', requestId())}</ResponseMetadata>` +
    `</${action}Response>`
  );
}

export function autoScalingErrorXml(error: FakeApiError): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${XMLNS}"><Error>` +
    element('Type', error.status >= 500 ? 'Receiver' : 'Sender') +
    element('Code', error.code) +
    element('Message', error.message) +
    `</Error>${element('RequestId', requestId())}</ErrorResponse>`
  );
}

export function autoScalingThrottled(): FakeApiError {
  return new FakeApiError(400, 'Throttling', 'Rate exceeded');
}

function accessDenied(action: string): FakeApiError {
  return new FakeApiError(
    403,
    'AccessDenied',
    `User: arn:aws:sts::${ACCOUNT}:assumed-role/muster-node/i-0 is not authorized to perform: ${action} because no identity-based policy allows the ${action} action`,
  );
}

function describeInstances(model: FakeAwsModel, params: URLSearchParams): string {
  const ids = listParam(params, 'InstanceIds.member.');
  if (ids.length > 50) throw new FakeApiError(400, 'ValidationError', 'The number of instance ids that may be passed in is limited to 50');
  const maxRecords = intParam(params, 'MaxRecords', 1, 50, 'ValidationError') ?? 50;
  // Unknown ids, and instances outside any group, are left out without an error, as AWS does.
  const members = model.instances.filter((instance) => instance.group !== undefined && (ids.length === 0 || ids.includes(instance.id)));
  const { page, next } = pageOf(members, params.get('NextToken'), Math.min(maxRecords, model.pageSize), 'InvalidNextToken');
  const items = page.map(
    (instance) =>
      '<member>' +
      element('InstanceId', instance.id) +
      element('InstanceType', 't3.small') +
      element('AutoScalingGroupName', instance.group) +
      element('AvailabilityZone', instance.availabilityZone ?? `${model.region}a`) +
      element('LifecycleState', instance.lifecycle ?? 'InService') +
      // This API spells health in capitals; DescribeAutoScalingGroups does not. Both are real.
      element('HealthStatus', 'HEALTHY') +
      launchTemplateXml() +
      element('ProtectedFromScaleIn', false) +
      '</member>',
  );
  return `<AutoScalingInstances>${items.join('')}</AutoScalingInstances>${element('NextToken', next)}`;
}

function describeGroups(model: FakeAwsModel, params: URLSearchParams): string {
  const names = listParam(params, 'AutoScalingGroupNames.member.');
  const maxRecords = intParam(params, 'MaxRecords', 1, 100, 'ValidationError') ?? 50;
  // Unknown group names are left out without an error, as AWS does.
  const groups = model.groups.filter((group) => names.length === 0 || names.includes(group.name));
  const { page, next } = pageOf(groups, params.get('NextToken'), Math.min(maxRecords, model.pageSize), 'InvalidNextToken');
  return `<AutoScalingGroups>${page.map((group) => groupXml(model, group)).join('')}</AutoScalingGroups>${element('NextToken', next)}`;
}

function groupXml(model: FakeAwsModel, group: FakeGroup): string {
  const zone = `${model.region}a`;
  const instances = model.instances.filter((instance) => instance.group === group.name);
  return (
    '<member>' +
    element('AutoScalingGroupName', group.name) +
    element('AutoScalingGroupARN', `arn:aws:autoscaling:${model.region}:${ACCOUNT}:autoScalingGroup:0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0:autoScalingGroupName/${group.name}`) +
    launchTemplateXml() +
    element('MinSize', group.min ?? 0) +
    element('MaxSize', group.max ?? Math.max(group.desired, 10)) +
    element('DesiredCapacity', group.desired) +
    element('DefaultCooldown', 300) +
    `<AvailabilityZones><member>${zone}</member></AvailabilityZones>` +
    '<LoadBalancerNames/><TargetGroupARNs/>' +
    element('HealthCheckType', 'EC2') +
    element('HealthCheckGracePeriod', 300) +
    `<Instances>${instances.map((instance) => groupInstanceXml(model, instance)).join('')}</Instances>` +
    element('CreatedTime', '2024-05-01T10:00:00.000Z') +
    '<SuspendedProcesses/>' +
    element('VPCZoneIdentifier', 'subnet-0123456789abcdef0') +
    '<EnabledMetrics/><Tags/>' +
    '<TerminationPolicies><member>Default</member></TerminationPolicies>' +
    element('NewInstancesProtectedFromScaleIn', false) +
    element('ServiceLinkedRoleARN', `arn:aws:iam::${ACCOUNT}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`) +
    '</member>'
  );
}

function groupInstanceXml(model: FakeAwsModel, instance: FakeInstance): string {
  return (
    '<member>' +
    element('InstanceId', instance.id) +
    element('InstanceType', 't3.small') +
    element('AvailabilityZone', instance.availabilityZone ?? `${model.region}a`) +
    element('LifecycleState', instance.lifecycle ?? 'InService') +
    element('HealthStatus', 'Healthy') +
    launchTemplateXml() +
    element('ProtectedFromScaleIn', false) +
    '</member>'
  );
}

function launchTemplateXml(): string {
  return `<LaunchTemplate>${element('LaunchTemplateId', 'lt-0123456789abcdef0')}${element('LaunchTemplateName', 'muster')}${element('Version', '1')}</LaunchTemplate>`;
}
