import type { z } from "zod";
import type { Dispatcher, JobMessage, Published } from "../dispatch/dispatcher.js";

/**
 * One job of the catalogue: its route, its body schema and how a publish names itself for deduplication. The
 * publisher (`publishJob`) and the handler (functions/jobs/handle.ts `onJob`) both take all three from here.
 * `K` is what tells two publishes of the same body apart (a minute, a reason, an occasion); `void` when the body does.
 */
export interface Job<S extends z.ZodTypeAny, K = void> {
  readonly path: `/jobs/${string}`;
  readonly body: S;
  readonly dedupeId: (body: z.infer<S>, key: K) => string;
  /** Deliveries before the dispatcher gives up; its default when absent. */
  readonly retries?: number;
}

export const defineJob = <S extends z.ZodTypeAny, K = void>(job: Job<S, K>): Job<S, K> => job;

type PublishOpts<K> = { delaySec?: number } & ([K] extends [void] ? { key?: never } : { key: K });

/** One job's message: path, retries and deduplication id from the catalogue. */
export function jobMessage<S extends z.ZodTypeAny, K>(
  job: Job<S, K>,
  body: z.infer<S>,
  ...[opts]: [K] extends [void] ? [PublishOpts<K>?] : [PublishOpts<K>]
): JobMessage {
  return {
    path: job.path,
    body,
    deduplicationId: job.dedupeId(body, opts?.key as K),
    ...(job.retries === undefined ? {} : { retries: job.retries }),
    ...(opts?.delaySec === undefined ? {} : { delaySec: opts.delaySec }),
  };
}

/** Publishes one job (`jobMessage`). */
export function publishJob<S extends z.ZodTypeAny, K>(
  dispatcher: Dispatcher,
  job: Job<S, K>,
  body: z.infer<S>,
  ...rest: [K] extends [void] ? [PublishOpts<K>?] : [PublishOpts<K>]
): Promise<Published> {
  return dispatcher.publish(jobMessage(job, body, ...rest));
}
