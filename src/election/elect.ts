import { hostname } from 'node:os';
import { MusterError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { MemberState } from './announcement.js';
import { Announcer } from './announcer.js';
import type { ElectConfig } from './config-schema.js';
import { decide, type Agreement, type Decision } from './decide.js';
import { readOwnHostKeyFingerprint } from './ssh/host-key-fingerprint.js';
import { defaultElectionId, selectInterfaces } from './interfaces.js';
import { performLeaderDuty } from './leader-duty.js';
import { MdnsTransport } from './mdns-transport.js';
import type { Member } from './membership.js';
import { PeerTable } from './peer-table.js';
import { ElectionRecords, type DoneRecord } from './records.js';

export interface ElectOptions {
  config: ElectConfig;
  root: string;
  secret: Buffer;
  /** The action as words (no shell); none: the leader only records that the election is done. */
  action: string[] | undefined;
  logger: Logger;
  /** One line per change of what the election waits for (stderr). */
  progress: (line: string) => void;
  signal?: AbortSignal;
  /**
   * The `mdns` platform's use: agree on the membership, run no action, and return once every
   * agreed member announces the same leader (so none is left waiting for an announcement).
   */
  discoverOnly?: boolean;
}

export interface ElectionResult {
  self: string;
  leader: string;
  members: Member[];
  membership: string;
  /** What this member did: led (ran the action), followed, or came after it was decided. */
  role: 'leader' | 'follower' | 'late';
  /** The action's exit code (0 when there was none). */
  result: number;
  /** From a done record of an earlier run: nothing was elected or run now. */
  fromRecord: boolean;
}

const TICK_MS = 100;

/**
 * One member's election, to the end: announce, watch, agree, then lead (run the action once,
 * with intent and done records) or follow (until the leader says done). A leader lingers
 * afterwards, answering, so a late or rebooted member learns it is over.
 */
export async function runElection(options: ElectOptions): Promise<ElectionResult> {
  const { config, logger } = options;
  const records = new ElectionRecords(options.root, config.state_dir, config.group);
  const done = await records.done();
  if (done !== undefined && done.role !== 'leader') return fromDone(done);

  const interfaces = selectInterfaces(config.interfaces, config.family);
  const self: Member = {
    name: config.name ?? shortHostname(),
    id: config.priority ?? defaultElectionId(interfaces),
    tiebreak: await records.tiebreak(),
    ips: interfaces.map((iface) => iface.address),
    role: config.role,
    hostKey: (await readOwnHostKeyFingerprint({ root: options.root, path: config.host_key_file })) ?? '',
  };
  const transport = await MdnsTransport.open({ interfaces, port: config.port, ttl: config.record_ttl, onWarning: (message) => logger.warn(message) });
  try {
    const intent = await records.intent();
    // A restart keeps the name it announced (its records say so, also one probing made unique);
    // a new member probes for it.
    if (done !== undefined) self.name = done.self;
    else if (intent !== undefined) self.name = intent.leader; // only a leader writes an intent
    else if (await transport.nameTaken(self.name)) {
      const renamed = `${self.name}-${self.id}`;
      logger.warn({ name: self.name, renamed }, 'another member announces this name: taking another');
      self.name = renamed;
    }
    return await electionLoop({ ...options, records, self, transport, done, agreedFromIntent: intent });
  } finally {
    await transport.close();
  }
}

interface LoopContext extends ElectOptions {
  records: ElectionRecords;
  self: Member;
  transport: MdnsTransport;
  done: DoneRecord | undefined;
  /** Only a leader writes an intent: one left without a done record is an action cut short, run again. */
  agreedFromIntent: Agreement | undefined;
}

async function electionLoop(context: LoopContext): Promise<ElectionResult> {
  const { config, secret, logger, transport, self, records } = context;
  const table = new PeerTable({ group: config.group, secret, maxClockSkewMs: config.max_clock_skew, recordTtlMs: config.record_ttl * 1000, logger }, Date.now());
  table.listen(transport);
  const announcer = new Announcer(self, config, secret, transport);
  const started = Date.now();
  let agreed: Agreement | undefined = context.done ?? context.agreedFromIntent;
  let state: MemberState = context.done !== undefined ? 'done' : 'candidate';
  let result: number | undefined = context.done?.result;
  let actionRunning = false;
  let leaderFailure: Error | undefined;
  let agreedAt: number | undefined;
  let conflict: (Extract<Decision, { kind: 'conflict' }> & { since: number }) | undefined;
  let lastSeen: { membership: string; members: Member[] } = { membership: '', members: [self] };
  let finishedAt: number | undefined = context.done !== undefined ? Date.now() : undefined;
  let lastProgress = '';

  const announce = (membership: string, members: Member[]): void =>
    announcer.announce({ membership, members, state, leader: agreed?.leader ?? '', result, browsing: agreed === undefined });

  const progress = (line: string): void => {
    if (line !== lastProgress) context.progress(line);
    lastProgress = line;
  };

  for (;;) {
    if (context.signal?.aborted) throw new MusterError('election stopped by a signal', { code: 'ELECT_STOPPED', kind: 'unavailable' });
    const now = Date.now();
    table.expire(now);
    const peers = table.peers;

    const current = decide({
      self,
      group: config.group,
      expect: config.expect,
      now,
      settleMs: config.settle,
      peers,
      otherGroups: table.otherGroupAnnouncements(),
      lastChange: table.lastChange,
      published: announcer.published,
      agreed,
    });
    // A conflict, once seen, stands until this member stops on it. The member it names sees the
    // same conflict and stops too, often first (its goodbye, or its records expiring): that does
    // not make the settings agree, and forgetting it here would leave this member waiting for
    // the others until elect.timeout (exit 69 with "seen: <itself>") instead of naming it.
    if (current.kind === 'conflict') conflict = { ...current, since: conflict?.since ?? now };
    const decision: Decision = conflict ?? current;

    if (decision.kind === 'conflict') {
      // Announce a little longer first: a member that stopped before it was heard would leave
      // the others waiting for it instead of stopping on the same error.
      const since = conflict?.since ?? now;
      progress(`conflict: this member stops once it has announced for ${Math.ceil((config.announce_interval * 2) / 1000)} s (so the others see it too): ${decision.message}`);
      if (now - since >= config.announce_interval * 2) {
        throw new MusterError(`elect: ${decision.message}`, { code: 'ELECT_CONFLICT', kind: 'config', hint: 'every member of a group must have the same elect.expect and elect.group; give each group its own secret' });
      }
    }
    if (decision.kind === 'finished' && state === 'candidate') {
      const record: DoneRecord = { self: self.name, membership: agreed?.membership ?? '', members: agreed?.members ?? [], leader: decision.leader, started: new Date(started).toISOString(), result: decision.result, finished: new Date().toISOString(), role: decision.late ? 'late' : 'follower' };
      await records.recordDone(record);
      progress(decision.late ? `the election was over before this member took part: ${decision.leader} led it` : `${decision.leader} finished the action (exit ${decision.result})`);
      return fromDone(record, false);
    }
    if (decision.kind === 'late') progress(`${decision.leader} already leads an election this member is not part of: waiting for it to finish`);
    if (decision.kind === 'agreed' && agreed === undefined) {
      agreed = decision.agreement;
      progress(`agreed on ${agreed.members.length} members (${agreed.members.map((member) => member.name).join(', ')}); leader ${agreed.leader}${decision.adopted ? ' (as announced by a member that agreed first)' : ''}`);
    }
    if (context.discoverOnly === true && agreed !== undefined) {
      const agreement = agreed;
      agreedAt ??= now;
      const everyoneAgreed = agreement.members.every((member) => member.name === self.name || peers.get(member.name)?.announcement.leader === agreement.leader);
      // A member that left meanwhile cannot confirm: after a few announcements, go on without it.
      if (everyoneAgreed || now - agreedAt > config.announce_interval * 3 + config.settle) {
        return { self: self.name, leader: agreement.leader, members: agreement.members, membership: agreement.membership, role: agreement.leader === self.name ? 'leader' : 'follower', result: 0, fromRecord: false };
      }
    }
    // Agreed but not finished: the leader runs its action (or restarts to run it again). Not for ever.
    if (agreed !== undefined && agreed.leader !== self.name && now - started > config.timeout) {
      const leaderSeen = peers.has(agreed.leader);
      throw new MusterError(`elect: the agreed leader ${agreed.leader} has not finished within ${Math.round(config.timeout / 1000)} s (${leaderSeen ? 'it still announces itself' : 'it is gone'})`, {
        code: 'ELECT_LEADER_UNFINISHED',
        kind: 'unavailable',
        retryable: true,
        hint: `look at muster elect's log on ${agreed.leader}: its action or key rotation failed or still runs; once it finishes, this member learns it on its next run`,
      });
    }
    if (decision.kind === 'wait') {
      progress(`waiting: ${decision.reason}`);
      if (now - started > config.timeout) {
        const seen = decision.members.map((member) => `${member.name} (${member.ips.join(', ')})`).join(', ');
        throw new MusterError(`elect: no agreement within ${Math.round(config.timeout / 1000)} s: ${decision.reason}; seen: ${seen}`, {
          code: 'ELECT_TIMEOUT',
          kind: 'unavailable',
          retryable: true,
          hint: `every member must run muster elect with the same group (${config.group}), expect (${config.expect}) and secret, on interfaces that reach each other's multicast`,
        });
      }
    }

    // Lead: run the action once, recorded before and after.
    if (context.discoverOnly !== true && agreed !== undefined && agreed.leader === self.name && state === 'candidate' && !actionRunning) {
      state = 'leader';
      actionRunning = true;
      const agreement = agreed;
      const intentAt = new Date().toISOString();
      await records.recordIntent({ ...agreement, started: intentAt });
      announce(agreement.membership, agreement.members);
      const leader = agreement.members.find((member) => member.name === self.name) ?? self;
      performLeaderDuty({ config, root: context.root, agreement, leader, command: context.action, records, intentAt, logger, progress })
        .then((code) => {
          result = code;
          state = 'done';
          finishedAt = Date.now();
          actionRunning = false;
          progress(`action finished (exit ${code}); answering for ${Math.round(config.linger / 1000)} s so late members learn it is over`);
        })
        .catch((error: unknown) => {
          leaderFailure = error instanceof Error ? error : new Error(String(error));
        });
    }
    if (leaderFailure !== undefined) throw leaderFailure;
    if (state === 'done' && finishedAt !== undefined && Date.now() - finishedAt >= config.linger && agreed !== undefined) {
      return { self: self.name, leader: agreed.leader, members: agreed.members, membership: agreed.membership, role: 'leader', result: result ?? 0, fromRecord: context.done !== undefined };
    }

    if (decision.kind === 'wait') lastSeen = { membership: decision.membership, members: decision.members };
    announce(agreed?.membership ?? lastSeen.membership, agreed?.members ?? lastSeen.members);
    await new Promise((resolve) => setTimeout(resolve, TICK_MS));
  }
}

function fromDone(done: DoneRecord, fromRecord = true): ElectionResult {
  return { self: done.self, leader: done.leader, members: done.members, membership: done.membership, role: done.role, result: done.result, fromRecord };
}

function shortHostname(): string {
  return hostname().split('.')[0]?.replace(/[^A-Za-z0-9-]/g, '-') || 'muster';
}
