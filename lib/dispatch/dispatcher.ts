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

export interface Dispatcher {
  readonly kind: "qstash" | "local";
  publish(message: JobMessage): Promise<Published>;
}

/** QStash refuses some characters in a deduplication id; ours are built from ids and colons only. */
export function assertDeduplicationId(id: string): void {
  if (!/^[A-Za-z0-9:._-]{1,200}$/.test(id)) throw new Error(`invalid deduplication id: ${JSON.stringify(id)}`);
}
