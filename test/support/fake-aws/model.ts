/**
 * The fake AWS account the loopback server answers from. Tests build one, hand it to
 * startFakeAws, and may change it between calls: the server reads it afresh on every request.
 */
export type Ec2StateName = 'pending' | 'running' | 'shutting-down' | 'terminated' | 'stopping' | 'stopped';

/** EC2's numeric state codes, sent next to the name as the real API does. */
export const EC2_STATE_CODES: Record<Ec2StateName, number> = {
  pending: 0,
  running: 16,
  'shutting-down': 32,
  terminated: 48,
  stopping: 64,
  stopped: 80,
};

export interface FakeInstance {
  id: string;
  /** Omitted for instances without a private address (e.g. terminated ones). */
  ip?: string;
  state: Ec2StateName;
  tags: Record<string, string>;
  /** Auto Scaling group the instance belongs to, if any. */
  group?: string;
  /** Auto Scaling lifecycle state (InService, Pending, Terminating, …); default InService. */
  lifecycle?: string;
  /** Instances launched together share a reservation; default: one reservation per instance. */
  reservation?: string;
  availabilityZone?: string;
  /** false: Auto Scaling lists the instance but EC2 does not yet (EC2 is eventually consistent). */
  ec2Visible?: boolean;
}

export interface FakeGroup {
  name: string;
  desired: number;
  min?: number;
  max?: number;
}

export interface FakeAwsModel {
  region: string;
  /** The instance the metadata service describes ("this node"). */
  selfId: string;
  instances: FakeInstance[];
  groups: FakeGroup[];
  /** Items per page the fake returns at most, whatever MaxResults asks; small so paging is exercised. */
  pageSize: number;
  /** IAM actions (e.g. "ec2:DescribeInstances") the caller is denied. */
  denied: Set<string>;
}

export function createModel(init: Partial<FakeAwsModel> & Pick<FakeAwsModel, 'selfId' | 'instances'>): FakeAwsModel {
  return { region: 'eu-west-1', groups: [], pageSize: 2, denied: new Set(), ...init };
}

export function findInstance(model: FakeAwsModel, id: string): FakeInstance | undefined {
  return model.instances.find((instance) => instance.id === id);
}
