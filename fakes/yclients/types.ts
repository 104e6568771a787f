/** The sandbox's public shapes: its options, what it records, and the control surface tests drive. */
import type { Hono } from "hono";
import type { ChannelSandbox } from "./channel-routes.js";
import type { ChatFrameRecorder } from "./chat-routes.js";
import type { Clock } from "../../lib/clock.js";
import type { YcCompanyUser, YcRecord } from "../../lib/yclients/types.js";
import type { SalonData, SalonOptions } from "./data.js";

export interface SandboxOptions {
  partnerToken?: string;
  applicationId?: number;
  userToken?: string;
  latencyMs?: number;
  rateLimit?: { perSecond: number; perMinute: number } | false;
  clock?: Clock;
  salonDefaults?: SalonOptions;
  emitWebhooks?: boolean;
  deliverWebhook?: (url: string, body: unknown) => Promise<unknown>;
}

export interface PartnerCallbackReceived {
  kind: "callback_redirect" | "callback" | "payment" | "uninstall";
  salonId: number;
  body: Record<string, unknown>;
  at: Date;
}

export interface RecordChange {
  salonId: number;
  recordId: number;
  action: "create" | "update" | "delete";
  via: "api" | "book_record" | "control";
  record: YcRecord;
  at: Date;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  salonId: number | null;
  status: number;
  authorization: string | null;
  accept: string | null;
  partnerId: string | null;
  at: number;
}

export interface Failure {
  status: number;
  remaining: number;
  path?: RegExp;
}

export interface Install {
  status: "active" | "uninstalled";
  createdAt: Date;
  webhookUrls: string[];
  apiKey: unknown;
  logs: Array<{ changed_at: string; status_from: string | null; status_to: string; source: string }>;
  payments: Array<{ id: number; payment_sum: number; currency_iso: string; payment_date: string; is_refunded: boolean; period_from: string; period_to: string }>;
}

export interface RecordPatch {
  /** ISO with offset, or salon-local `Y-m-d H:i:s`. */
  datetime?: string;
  staffId?: number;
  serviceIds?: number[];
  attendance?: number;
  comment?: string;
  deleted?: boolean;
  lengthSec?: number;
}

export interface NewRecord {
  datetime: string;
  staffId?: number;
  serviceIds?: number[];
  clientPhone?: string;
  clientName?: string;
  comment?: string;
  attendance?: number;
  online?: boolean;
  apiId?: string;
}

export interface YClientsSandbox {
  readonly app: Hono;
  readonly partnerToken: string;
  readonly applicationId: number;
  readonly userToken: string | undefined;
  readonly partnerCallbacks: PartnerCallbackReceived[];
  readonly requests: RequestLogEntry[];
  readonly webhooksSent: Array<{ url: string; body: unknown; ok: boolean; error?: string }>;
  url: string | null;
  listen(port?: number): Promise<string>;
  close(): Promise<void>;
  salon(salonId: number, opts?: SalonOptions): SalonData;
  owner(salonId: number): YcCompanyUser;
  addCompanyUser(salonId: number, user: { id: number; name?: string; phone?: string; email?: string }, opts?: { admin?: boolean }): void;
  wireRecords(salonId: number): YcRecord[];
  recordChanges(salonId?: number): RecordChange[];
  addRecord(salonId: number, input: NewRecord): YcRecord;
  changeRecord(salonId: number, recordId: number, patch: RecordPatch): YcRecord;
  deleteRecord(salonId: number, recordId: number): YcRecord;
  /** The record disappears without a trace (not even with_deleted), as records sometimes do. */
  vanishRecord(salonId: number, recordId: number): void;
  fail(salonId: number, status: number, opts?: { times?: number; path?: RegExp }): void;
  clearFailures(salonId?: number): void;
  setLatency(ms: number): void;
  setRateLimit(limits: { perSecond: number; perMinute: number } | false): void;
  installed(salonId: number): { status: string; webhookUrls: string[] } | undefined;
  /** The notification-channel protocol: operator requests, status callbacks, update_channel (./channel-routes.ts). */
  readonly channel: ChannelSandbox;
  /** The chat frame's install, new_message and toggle_highlight calls (fakes/yclients/chat-routes.ts). */
  readonly chat: ChatFrameRecorder;
}
