import { normalisePhone } from "../phone/index.js";
import { parseYcDateTime } from "../yclients/time.js";
import type { YcRecord } from "../yclients/types.js";

/** Records whose `api_id` starts with this were created by the assistant (set it on `createRecord`). */
export const ASSISTANT_API_ID_PREFIX = "ai-admin";

/** A record as the `records` table stores it: what records_apply compares with the last seen state. */
export interface NormalisedRecord {
  record_id: number;
  client_id: number | null;
  client_phone: string | null;
  client_name: string | null;
  staff_id: number | null;
  staff_name: string | null;
  /** Sorted and unique: YClients returns services in any order, and order is not a change. */
  service_ids: number[];
  services: Array<{ id: number; title: string; cost: number | null; amount: number }>;
  starts_at: string;
  duration_sec: number;
  attendance: number;
  deleted: boolean;
  yc_created_at: string | null;
  yc_changed_at: string | null;
  api_id: string | null;
  raw: YcRecord;
  ours: boolean;
}

function isoOrNull(text: unknown, tz: string): string | null {
  if (typeof text !== "string" || text.trim() === "") return null;
  try {
    return parseYcDateTime(text, tz).toISOString();
  } catch {
    return null;
  }
}

/**
 * The YClients record as we store it; `tz` reads the offset-less fields (`date`) in the salon's zone, `country` the
 * client's number when written without a country code.
 */
export function normaliseRecord(raw: YcRecord, tz: string, country: string | null): NormalisedRecord {
  const startsAt = isoOrNull(raw.datetime, tz) ?? isoOrNull(raw.date, tz);
  if (startsAt === null) throw new Error(`record ${raw.id} has no readable datetime`);
  const services = (raw.services ?? []).map((s) => ({
    id: Number(s.id),
    title: String(s.title ?? ""),
    cost: typeof s.cost === "number" && Number.isFinite(s.cost) ? s.cost : null,
    amount: typeof s.amount === "number" && s.amount > 0 ? s.amount : 1,
  }));
  const apiId = typeof raw.api_id === "string" && raw.api_id !== "" ? raw.api_id : null;
  const client = raw.client ?? null;
  const clientName = client ? [client.name, client.surname].filter((x) => typeof x === "string" && x.trim() !== "").join(" ").trim() : "";
  return {
    record_id: Number(raw.id),
    client_id: client && typeof client.id === "number" && client.id > 0 ? client.id : null,
    client_phone: normalisePhone(client?.phone, country),
    client_name: clientName || (client?.display_name?.trim() || null),
    staff_id: typeof raw.staff_id === "number" && raw.staff_id > 0 ? raw.staff_id : (raw.staff?.id ?? null),
    staff_name: raw.staff?.name?.trim() || null,
    service_ids: [...new Set(services.map((s) => s.id))].sort((a, b) => a - b),
    services,
    starts_at: startsAt,
    duration_sec: Number(raw.seance_length ?? raw.length ?? 0) || 0,
    attendance: Number(raw.attendance ?? raw.visit_attendance ?? 0) || 0,
    deleted: raw.deleted === true,
    yc_created_at: isoOrNull(raw.create_date, tz),
    yc_changed_at: isoOrNull(raw.last_change_date, tz),
    api_id: apiId,
    raw,
    ours: apiId !== null && apiId.startsWith(ASSISTANT_API_ID_PREFIX),
  };
}
