import * as z from 'zod';

const url = z.url({ message: 'must be a URL such as http://127.0.0.1:4566' });

export const awsPlatformSchema = z
  .strictObject({
    type: z.literal('aws'),
    mode: z
      .enum(['asg', 'tag'])
      .default('asg')
      .describe(
        'asg: peers are the instances of this node\'s Auto Scaling group, whose desired capacity says when all are there; tag: the running instances with tag_key=tag_value, which create a new cluster only with expected_peers set.',
      ),
    tag_key: z.string().min(1).optional().describe('mode tag: the tag key peers carry.'),
    tag_value: z.string().min(1).optional().describe('mode tag: the tag value peers carry.'),
    expected_peers: z
      .number()
      .int()
      .positive()
      .optional()
      .describe(
        'mode tag: how many peers make the whole group; a new cluster is created only once that many are running. Unset: the nodes never create a cluster, only join one that exists, and never remove a stale member (a tag query has no desired capacity to tell when all are there).',
      ),
    region: z.string().min(1).optional().describe('AWS region; default: the instance\'s own, from the metadata service.'),
    name_tag: z.string().min(1).optional().describe('Tag whose value names each node (default: the instance id).'),
    endpoints: z
      .strictObject({
        ec2: url.optional().describe('EC2 API endpoint (default: the region\'s).'),
        autoscaling: url.optional().describe('Auto Scaling API endpoint (default: the region\'s).'),
        imds: url.optional().describe('Instance metadata service (default http://169.254.169.254).'),
      })
      .optional()
      .describe('Endpoint overrides, for testing or private endpoints.'),
  })
  .superRefine((value, ctx) => {
    if (value.mode === 'tag') {
      for (const key of ['tag_key', 'tag_value'] as const) {
        if (value[key] === undefined) ctx.addIssue({ code: 'custom', path: [key], message: `required when mode is tag` });
      }
    }
  });

export type AwsPlatformConfig = z.infer<typeof awsPlatformSchema>;
