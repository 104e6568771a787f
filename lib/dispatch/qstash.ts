import { Client } from "@upstash/qstash";
import { assertDeduplicationId, type Dispatcher, type JobMessage, type Published } from "./dispatcher.js";

export function createQStashDispatcher(opts: { baseUrl: string; token: string; publicUrl: string }): Dispatcher {
  // Explicit values and devMode off: a stray QSTASH_DEV in the environment must not redirect production traffic.
  const client = new Client({ baseUrl: opts.baseUrl, token: opts.token, devMode: false, enableTelemetry: false });
  return {
    kind: "qstash",
    async publish(m: JobMessage): Promise<Published> {
      if (m.deduplicationId !== undefined) assertDeduplicationId(m.deduplicationId);
      const res = await client.publishJSON({
        url: opts.publicUrl + m.path,
        body: m.body,
        deduplicationId: m.deduplicationId,
        delay: m.delaySec && m.delaySec > 0 ? m.delaySec : undefined,
        retries: m.retries ?? 3,
      });
      return { messageId: res.messageId, deduplicated: res.deduplicated ?? false };
    },
  };
}
