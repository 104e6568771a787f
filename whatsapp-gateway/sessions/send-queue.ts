import { jitter } from "../config.js";

/**
 * One session's outgoing messages, one at a time with a random gap between them: a burst of reminders leaves the
 * salon's number at a human pace instead of all at once (bursts are what WhatsApp flags as spam).
 */
export class SendQueue {
  private chain: Promise<unknown> = Promise.resolve();
  private nextAt = 0;

  constructor(private readonly gapMs: [number, number]) {}

  run<T>(job: () => Promise<T>): Promise<T> {
    const p = this.chain.catch(() => {}).then(async () => {
      const wait = this.nextAt - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        return await job();
      } finally {
        this.nextAt = performance.now() + jitter(this.gapMs);
      }
    });
    this.chain = p;
    return p;
  }

  /** Resolves when everything queued so far has been attempted. */
  async idle(): Promise<void> {
    await this.chain.catch(() => {});
  }
}
