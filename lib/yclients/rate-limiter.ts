/**
 * YClients allows 5 requests per second and 200 per minute per IP. Public API:
 * - `RateLimiter`: `acquire(key)` resolves when a request may start; keys (salon ids) are served round-robin, so a
 *   salon with a thousand queued pages waits its turn behind a salon with one. `rateLimited(ms)` is called after a
 *   429: everyone waits `ms` (the limit is per IP, so one salon's 429 is everybody's) and the safety margin grows.
 *   `pause(ms)` only holds everyone. `waiting` counts queued requests; `margin` is the current margin in ms.
 * - `sharedYClientsLimiter`: the one limiter of this process; every client built without an explicit limiter uses
 *   it, so all salons of a process share one budget.
 *
 * Windows are sliding and measured when a request is let go; a margin widens them because YClients counts on
 * arrival, and two requests let go 1000 ms apart can arrive 950 ms apart when the event loop is busy (an in-process
 * database, a big JSON parse). The margin starts at `marginMs`, grows by 50 ms with every 429 (up to 400 ms) and
 * shrinks back by 10 ms per 100 requests without one, so a busy process finds its own safe pace.
 */

export interface RateLimiterOptions {
  perSecond?: number;
  perMinute?: number;
  marginMs?: number;
  /** Monotonic milliseconds; real time by default (the limit is YClients' wall clock, not the test clock). */
  now?: () => number;
}

interface Waiter {
  resolve: () => void;
  reject: (err: unknown) => void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

export class RateLimiter {
  readonly perSecond: number;
  readonly perMinute: number;
  private readonly baseMarginMs: number;
  private marginMs: number;
  private sinceLimited = 0;
  private readonly now: () => number;
  /** Times requests were let go, oldest first; never longer than perMinute. */
  private readonly granted: number[] = [];
  private readonly queues = new Map<string, Waiter[]>();
  /** Keys with waiters, in turn order. */
  private readonly turn: string[] = [];
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;

  constructor(opts: RateLimiterOptions = {}) {
    this.perSecond = opts.perSecond ?? 5;
    this.perMinute = opts.perMinute ?? 200;
    this.baseMarginMs = opts.marginMs ?? 50;
    this.marginMs = this.baseMarginMs;
    this.now = opts.now ?? (() => performance.now());
    if (this.perSecond < 1 || this.perMinute < this.perSecond) throw new Error("rate limiter: bad limits");
  }

  get waiting(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  acquire(key: string | number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const k = String(key);
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal };
      let queue = this.queues.get(k);
      if (!queue) {
        queue = [];
        this.queues.set(k, queue);
        this.turn.push(k);
      }
      queue.push(waiter);
      if (signal) {
        waiter.onAbort = () => {
          this.remove(k, waiter);
          reject(signal.reason);
        };
        signal.addEventListener("abort", waiter.onAbort, { once: true });
      }
      this.pump();
    });
  }

  get margin(): number {
    return this.marginMs;
  }

  /** YClients said 429: the shared budget is spent whatever our count says, and our margin was too thin. */
  rateLimited(ms: number): void {
    this.marginMs = Math.min(400, this.marginMs + 50);
    this.sinceLimited = 0;
    this.pause(ms);
  }

  /** Nobody starts for `ms`. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.now() + ms);
    this.pump();
  }

  private remove(key: string, waiter: Waiter): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    const i = queue.indexOf(waiter);
    if (i >= 0) queue.splice(i, 1);
    if (queue.length === 0) this.dropKey(key);
  }

  private dropKey(key: string): void {
    this.queues.delete(key);
    const i = this.turn.indexOf(key);
    if (i >= 0) this.turn.splice(i, 1);
  }

  /** Earliest time the next request may go. */
  private nextFreeAt(): number {
    const n = this.granted.length;
    let at = this.pausedUntil;
    if (n >= this.perSecond) at = Math.max(at, this.granted[n - this.perSecond]! + 1000 + this.marginMs);
    if (n >= this.perMinute) at = Math.max(at, this.granted[n - this.perMinute]! + 60_000 + this.marginMs);
    return at;
  }

  private pump(): void {
    while (this.turn.length > 0) {
      const now = this.now();
      const freeAt = this.nextFreeAt();
      if (freeAt > now) {
        this.wakeAt(freeAt, now);
        return;
      }
      const key = this.turn.shift()!;
      const queue = this.queues.get(key)!;
      const waiter = queue.shift()!;
      if (queue.length > 0) this.turn.push(key);
      else this.queues.delete(key);
      this.granted.push(now);
      if (++this.sinceLimited >= 100 && this.marginMs > this.baseMarginMs) {
        this.marginMs = Math.max(this.baseMarginMs, this.marginMs - 10);
        this.sinceLimited = 0;
      }
      if (this.granted.length > this.perMinute) this.granted.shift();
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener("abort", waiter.onAbort);
      waiter.resolve();
    }
  }

  private wakeAt(at: number, now: number): void {
    if (this.timer && this.timerAt <= at) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.pump();
    }, Math.max(0, Math.ceil(at - now)));
  }
}

export const sharedYClientsLimiter = new RateLimiter();
