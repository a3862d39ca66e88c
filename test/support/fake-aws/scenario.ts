import type { AwsPlatformConfig } from '../../../src/platform/aws/schema.js';
import { createModel, startFakeAws, type FakeAws, type FakeAwsModel, type FakeInstance } from './index.js';

/**
 * Test set-up around the fake: hermetic SDK environment, instance builders, and a platform config
 * whose every endpoint is the fake.
 */

/**
 * Makes the SDK's standard credential chain find static test keys in the environment and
 * nothing else: no profile (which would skip the environment), no config files, and no
 * instance-metadata credentials (which would try 169.254.169.254).
 */
export function useTestAwsEnvironment(): void {
  for (const name of Object.keys(process.env)) {
    if (name.startsWith('AWS_')) delete process.env[name];
  }
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_REGION: 'eu-west-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    // The SDK warns that releases after January 2027 need Node 22; noise in test output.
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_CONFIG_FILE: '/nonexistent/muster-test/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/muster-test/aws-credentials',
  });
}

/** Instance n: id i-0…0n, address 10.0.1.n, running and InService unless overridden. */
export function instance(n: number, overrides: Partial<FakeInstance> = {}): FakeInstance {
  return { id: instanceId(n), ip: `10.0.1.${n}`, state: 'running', tags: {}, ...overrides };
}

export function instanceId(n: number): string {
  return `i-${String(n).padStart(17, '0')}`;
}

export interface Scenario {
  fake: FakeAws;
  model: FakeAwsModel;
  /** A platform config pointing every endpoint at the fake. */
  config: (overrides?: Partial<AwsPlatformConfig>) => AwsPlatformConfig;
}

export async function startScenario(init: Parameters<typeof createModel>[0]): Promise<Scenario> {
  const fake = await startFakeAws(createModel(init));
  return {
    fake,
    model: fake.model,
    config: (overrides = {}) => ({
      type: 'aws',
      mode: 'asg',
      endpoints: { imds: fake.url, ec2: fake.url, autoscaling: fake.url },
      ...overrides,
    }),
  };
}
