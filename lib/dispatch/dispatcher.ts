/**
 * Jobs between the parts: the gateway and the crons publish, a function route receives. QStash in production, the
 * local dispatcher otherwise; both deliver the same signed envelope, so routes verify one way.
 */
export interface JobMessage {
  /** Route on the functions app, e.g. "/jobs/inbound-message". */
  path: string;
  body: unknown;
  /** Same id within QStash's window ⇒ published once. */
  deduplicationId?: string;
  delaySec?: number;
  retries?: number;
}

export interface Published {
  messageId: string;
  deduplicated: boolean;
}

/** A job as a row of the local dispatcher's Postgres queue: SQL `dispatch_enqueue`'s arguments. */
export interface QueueRow {
  url: string;
  body: string;
  dedupe_id: string | null;
  delay_sec: number;
  retries: number;
}

export interface Dispatcher {
  readonly kind: "qstash" | "local";
  publish(message: JobMessage): Promise<Published>;
  /**
   * Present when jobs wait in the application's own database (the local dispatcher): `row` is a job for an SQL
   * function to queue in the transaction of its own write (one round trip, not two), `queued` is called once that
   * committed. QStash has none: the caller publishes after the write.
   */
  readonly sameDatabase?: { row(message: JobMessage): QueueRow; queued(message: JobMessage): void };
}

/**
 * Retries of a job that needs a salon's WhatsApp session (a reply, a notification, a gateway event): a gateway
 * restart (seconds) or deploy (about a minute) answers "session_restoring" meanwhile, and the job must outlive it.
 * On the local dispatcher's schedule (1, 2, 4 … 300 s) twelve retries span about 20 minutes; on QStash's (12 s,
 * 2.5 min, 30 min …) even the first three cover a deploy.
 */
export const SESSION_WAIT_RETRIES = 12;

/** QStash refuses some characters in a deduplication id; ours are built from ids and colons only. */
export function assertDeduplicationId(id: string): void {
  if (!/^[A-Za-z0-9:._-]{1,200}$/.test(id)) throw new Error(`invalid deduplication id: ${JSON.stringify(id)}`);
}
