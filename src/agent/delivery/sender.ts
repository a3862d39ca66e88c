import { systemClock, type Clock } from '../../core/clock.js';
import { describeError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { EventsConfig, ResolvedWebhook } from '../events/config-schema.js';
import { decide } from './outcome.js';
import { postOnce } from './post.js';
import type { DeliveryQueue } from './queue.js';
import { redactUrl } from './redact-url.js';
import { webhookBody, webhookHeaders } from './webhook-body.js';

export interface SenderOptions {
  webhook: ResolvedWebhook;
  queue: DeliveryQueue;
  events: EventsConfig;
  logger: Logger;
  clock?: Clock;
}

/**
 * Delivers one webhook's queue in order, one request at a time, never two requests starting
 * less than 1/rate apart (retries included), until stopped. The head event blocks the ones
 * behind it while it is retried: order matters more than speed ("down" before "up").
 */
export class WebhookSender {
  private readonly hardStop = new AbortController();
  private draining = false;
  private readonly drainWake = new AbortController();
  /**
   * When the previous answer came: the next request starts 1/rate after it, not after the
   * previous start, so the receiver sees them that far apart even when the first one was slower
   * on the wire. Starts from the last delivery recorded on disk, so a restart keeps the pace.
   */
  private lastAnswer: number;
  private readonly done: Promise<void>;
  private readonly clock: Clock;
  readonly target: string;

  constructor(private readonly options: SenderOptions) {
    this.clock = options.clock ?? systemClock;
    this.target = redactUrl(options.webhook.url);
    this.lastAnswer = options.queue.lastRecordedAt ?? Number.NEGATIVE_INFINITY;
    this.done = this.run().catch((error: unknown) => options.logger.error({ webhook: this.target, error: describeError(error) }, 'webhook sender stopped on an error'));
  }

  /** Stops once the queue is empty or `drainMs` has passed; what is left stays queued for the next start. */
  async stop(drainMs: number): Promise<void> {
    this.draining = true;
    this.drainWake.abort();
    const timer = setTimeout(() => this.hardStop.abort(), drainMs);
    await this.done;
    clearTimeout(timer);
  }

  private async run(): Promise<void> {
    const { queue, webhook, events, logger } = this.options;
    const minGapMs = 1000 / events.rate;
    let failures = 0;
    while (!this.hardStop.signal.aborted) {
      const head = await queue.head();
      if (!head) {
        if (this.draining) return;
        await queue.whenNotEmpty(AbortSignal.any([this.hardStop.signal, this.drainWake.signal]));
        continue;
      }
      if (!(await this.sleepUntil(this.lastAnswer + minGapMs))) return;
      await queue.recordAttempt();
      const result = await postOnce(webhook.url, webhookBody(webhook, head.event), webhookHeaders(webhook, head.event), { timeoutMs: events.timeout, signal: this.hardStop.signal });
      this.lastAnswer = this.clock.now();
      if (this.hardStop.signal.aborted && result.kind === 'network-error') return; // stopped mid-request: it stays queued
      const decision = decide(result, failures + 1, { initialMs: events.retry.initial, maxMs: events.retry.max }, this.clock.now());
      const context = { webhook: this.target, event: head.event.event, id: head.event.id, node: head.event.node.name };
      if (decision.kind === 'delivered') {
        failures = 0;
        await queue.markSent(head.seq, head.event.id);
        logger.info({ ...context, latencyMs: this.clock.now() - Date.parse(head.event.time) }, 'event delivered');
      } else if (decision.kind === 'drop') {
        failures = 0;
        await queue.markDropped(head.seq, head.event.id);
        logger.error({ ...context, reason: decision.reason }, `webhook ${this.target} refused the event (${decision.reason}): dropped; check the webhook URL and its settings`);
      } else {
        failures += 1;
        logger.warn({ ...context, reason: decision.reason, retryInMs: Math.round(decision.delayMs), failures }, `webhook ${this.target} did not take the event: retrying`);
        if (!(await this.sleepUntil(this.clock.now() + decision.delayMs))) return;
      }
    }
  }

  /** False when stopped while waiting. */
  private async sleepUntil(at: number): Promise<boolean> {
    // Again until the clock says so: a timer may fire a millisecond early by the wall clock, and
    // the rate is a promise to the receiver.
    for (let wait = at - this.clock.now(); wait > 0; wait = at - this.clock.now()) {
      try {
        await this.clock.sleep(wait, this.hardStop.signal);
      } catch {
        return false;
      }
    }
    return !this.hardStop.signal.aborted;
  }
}
