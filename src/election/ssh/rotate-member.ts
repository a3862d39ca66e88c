import { setTimeout as sleep } from 'node:timers/promises';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { asRoot, asSessionUser, createUserScript, installKeyScript, removeKeyScript } from './remote-steps.js';
import { RotationStopped } from './rotation-stopped.js';
import type { RotationPlan } from './rotation-plan.js';
import { SshConnectError, openSshSession, type SshSession } from './ssh-session.js';
import type { RotationMember } from './types.js';

export interface MemberKeys {
  bootstrapKey: Buffer | string;
  newPrivateKey: Buffer;
  newPublicKey: string;
}

/**
 * What a member holds at each point of its rotation, in the words a failure reports. The order
 * of the steps is what guarantees a member is never left with neither key: the bootstrap key is
 * removed only through a session that the new key opened.
 */
const STATE = {
  untouched: 'unchanged (bootstrap key only)',
  installing: 'bootstrap key still installed; the new key may or may not have been added (the file is replaced atomically)',
  both: 'both keys installed; bootstrap key not removed',
  removing: 'new key installed and proven; the bootstrap key may or may not have been removed (the file is replaced atomically)',
  removed: 'new key installed and proven; bootstrap key removed from authorized_keys; its refusal not proven',
} as const;

type State = (typeof STATE)[keyof typeof STATE];

/** Rotates one member, or finds it rotated already. Throws RotationStopped naming the state. */
export async function rotateMember(plan: RotationPlan, member: RotationMember, keys: MemberKeys, logger: Logger): Promise<'rotated' | 'already-rotated'> {
  const log = logger.child({ member: member.name, host: member.host, port: member.port });
  let state: State = STATE.untouched;
  const stop = (what: string, cause?: unknown): RotationStopped => new RotationStopped(member, what, state, cause);
  const connectAs = async (user: string, privateKey: Buffer | string): Promise<SshSession> => {
    const started = Date.now();
    const session = await connect({ host: member.host, port: member.port, user, privateKey, expectedFingerprint: member.hostKeyFingerprint, hostKeyAlgorithms: plan.hostKeyAlgorithms, connectTimeoutMs: plan.connectTimeoutMs });
    log.debug({ user, ms: Date.now() - started }, 'ssh rotation: connected, host key verified');
    return session;
  };
  const run = async (session: SshSession, step: string, command: string): Promise<string> => {
    let result;
    const started = Date.now();
    try {
      result = await session.run(command, plan.commandTimeoutMs);
    } catch (error) {
      throw stop(`${step}: ${describeError(error)}`, error);
    }
    log.debug({ step, code: result.code, ms: Date.now() - started }, 'ssh rotation: remote command done');
    if (result.code !== 0) throw stop(`${step} exited ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
    return result.stdout.trim();
  };

  let bootstrap: SshSession;
  try {
    bootstrap = await connectAs(plan.bootstrapUser, keys.bootstrapKey);
  } catch (error) {
    if (!(error instanceof SshConnectError) || error.kind !== 'auth-refused') throw stop(connectFailure('the bootstrap key', error), error);
    // The bootstrap key is refused: a rerun after this member was rotated, if the new key works.
    const proof = await connectAs(plan.targetUser, keys.newPrivateKey).catch((second: unknown) => {
      throw second instanceof SshConnectError && second.kind === 'auth-refused'
        ? new RotationStopped(member, `neither the bootstrap key (as ${plan.bootstrapUser}) nor the new key (as ${plan.targetUser}) is accepted`, 'unknown: this run changed nothing; check the login user and authorized_keys on its console', second)
        : stop(connectFailure('the new key', second), second);
    });
    proof.close();
    log.info({ result: 'already-rotated' }, 'ssh rotation: bootstrap key refused and new key accepted already');
    return 'already-rotated';
  }

  try {
    if (plan.createUser !== undefined) {
      const created = await run(bootstrap, `creating user ${plan.createUser.name}`, asRoot(createUserScript(plan.createUser)));
      log.info({ step: 'create-user', result: created.split('\n') }, 'ssh rotation: user ensured');
    }
    state = STATE.installing;
    const install = installKeyScript({ user: plan.targetUser, publicKey: keys.newPublicKey, authorizedKeysFile: plan.authorizedKeysFile });
    const installed = await run(bootstrap, 'installing the new key', plan.targetUser === plan.bootstrapUser ? asSessionUser(install) : asRoot(install));
    state = STATE.both;
    log.info({ step: 'install', result: installed }, 'ssh rotation: new key in authorized_keys');
  } finally {
    bootstrap.close();
  }

  // A fresh connection with the new key, host key verified again: if this fails, the bootstrap
  // key stays, and a rerun picks up from here.
  let proven: SshSession;
  try {
    proven = await connectAs(plan.targetUser, keys.newPrivateKey);
  } catch (error) {
    throw stop(connectFailure('the new key', error), error);
  }
  try {
    // No separate probe command: the removal below is the proof that the new key gets a working
    // session, and it checks on the member that the new key is installed before removing anything.
    state = STATE.removing;
    const remove = removeKeyScript({
      user: plan.bootstrapUser,
      publicKey: plan.bootstrapPublicKey,
      authorizedKeysFile: plan.authorizedKeysFile,
      keep: { user: plan.targetUser, publicKey: keys.newPublicKey, authorizedKeysFile: plan.authorizedKeysFile },
    });
    const removed = await run(proven, 'removing the bootstrap key', plan.targetUser === plan.bootstrapUser ? asSessionUser(remove) : asRoot(remove));
    state = STATE.removed;
    log.info({ step: 'remove', result: removed }, 'ssh rotation: bootstrap key removed');
  } finally {
    proven.close();
  }

  await proveRefused(plan, member, keys.bootstrapKey, connectAs, stop);
  log.info({ result: 'rotated' }, 'ssh rotation: bootstrap key refused, member rotated');
  return 'rotated';
}

/** Only an authentication failure proves the key is refused: a network error proves nothing. */
async function proveRefused(
  plan: RotationPlan,
  member: RotationMember,
  bootstrapKey: Buffer | string,
  connectAs: (user: string, key: Buffer | string) => Promise<SshSession>,
  stop: (what: string, cause?: unknown) => RotationStopped,
): Promise<void> {
  let session: SshSession;
  try {
    session = await connectAs(plan.bootstrapUser, bootstrapKey);
  } catch (error) {
    if (error instanceof SshConnectError && error.kind === 'auth-refused') return;
    throw stop(`proving the bootstrap key is refused: ${connectFailure('the bootstrap key', error)}`, error);
  }
  session.close();
  throw stop(
    `the bootstrap key is still accepted for ${plan.bootstrapUser} after its line was removed (another AuthorizedKeysFile or an AuthorizedKeysCommand on ${member.name}? check authorizedKeysFile)`,
  );
}

/** Network failures are retried until the connect timeout (a member may still be starting sshd); the others are answers. */
async function connect(target: Parameters<typeof openSshSession>[0]): Promise<SshSession> {
  const deadline = Date.now() + target.connectTimeoutMs;
  for (let delay = 200; ; delay = Math.min(delay * 2, 2000)) {
    try {
      return await openSshSession(target);
    } catch (error) {
      if (!(error instanceof SshConnectError) || error.kind !== 'network' || Date.now() + delay >= deadline) throw error;
      await sleep(delay);
    }
  }
}

function connectFailure(key: string, error: unknown): string {
  if (!(error instanceof SshConnectError)) return `connecting with ${key}: ${describeError(error)}`;
  switch (error.kind) {
    case 'host-key-mismatch':
      return `connecting with ${key}: ${error.message}`;
    case 'auth-refused':
      return `${key} was refused: ${error.message}`;
    case 'network':
      return `could not reach sshd with ${key}: ${error.message}`;
  }
}

function lastLines(text: string): string {
  return text.trim().split('\n').slice(-5).join(' | ').slice(-500) || '(no output)';
}
