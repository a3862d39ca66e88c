import { paginateDescribeInstances, type DescribeInstancesCommandInput, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { requestOptions } from './clients.js';
import { awsApiError } from './errors.js';

/** The parts of an EC2 instance the aws platform uses. */
export interface Ec2Instance {
  id: string;
  /** Primary private IPv4 address; undefined until EC2 has assigned one (or after termination). */
  ip: string | undefined;
  /** EC2 state name: pending, running, stopping, … */
  state: string;
  tags: Record<string, string>;
}

/** EC2 documents no cap on InstanceId.N, but one request per 100 ids keeps every request small. */
const IDS_PER_REQUEST = 100;

/** Describes the given instances, every page of every batch. */
export async function describeInstancesById(ec2: EC2Client, ids: readonly string[], signal?: AbortSignal): Promise<Ec2Instance[]> {
  const found: Ec2Instance[] = [];
  for (let start = 0; start < ids.length; start += IDS_PER_REQUEST) {
    // No MaxResults: EC2 refuses it together with InstanceIds. It may still page, and we follow.
    found.push(...(await describeAllPages(ec2, { InstanceIds: ids.slice(start, start + IDS_PER_REQUEST) }, signal)));
  }
  return found;
}

/** Every instance matching EC2 filters, following NextToken page by page. */
export function describeInstancesByFilter(
  ec2: EC2Client,
  filters: NonNullable<DescribeInstancesCommandInput['Filters']>,
  signal?: AbortSignal,
): Promise<Ec2Instance[]> {
  return describeAllPages(ec2, { Filters: filters, MaxResults: 1000 }, signal);
}

async function describeAllPages(ec2: EC2Client, input: DescribeInstancesCommandInput, signal: AbortSignal | undefined): Promise<Ec2Instance[]> {
  const found: Ec2Instance[] = [];
  try {
    for await (const page of paginateDescribeInstances({ client: ec2 }, input, requestOptions(signal))) {
      for (const reservation of page.Reservations ?? []) {
        for (const instance of reservation.Instances ?? []) {
          const simplified = simplify(instance);
          if (simplified) found.push(simplified);
        }
      }
    }
  } catch (error) {
    throw awsApiError('ec2:DescribeInstances', error);
  }
  return found;
}

function simplify(instance: Instance): Ec2Instance | undefined {
  if (instance.InstanceId === undefined) return undefined;
  const tags: Record<string, string> = {};
  for (const tag of instance.Tags ?? []) if (tag.Key !== undefined) tags[tag.Key] = tag.Value ?? '';
  return { id: instance.InstanceId, ip: instance.PrivateIpAddress || undefined, state: instance.State?.Name ?? 'unknown', tags };
}
