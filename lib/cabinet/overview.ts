/**
 * The cabinet's overview: WhatsApp as the gateway sees it now (GET /v1/sessions/:id through the gateway client),
 * the last sync and its counts, and what needs the owner, each with what to do, in Russian.
 *
 * Public API: `salonOverview(deps, salonId)`, `cabinetSalons(db, ids)`.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import type { SessionStatus } from "../contract/service-api.js";
import type { GatewayClient } from "../gateway/client.js";
import { outreachStatus } from "../outreach/offer.js";
import { cabinetStore } from "./store.js";

export type WhatsAppView = "connected" | "restoring" | "linking" | "logged_out" | "restricted" | "not_linked" | "unknown";

interface OverviewRow {
  salon: { salon_id: number; title: string | null; status: string; timezone: string; whatsapp_phone: string | null; whatsapp_state: string };
  last_sync: { status: string; counts: Record<string, number>; started_at: string; finished_at: string | null; error: string | null } | null;
  sync_block: { status: number; reason: string; retry_at: string } | null;
  waiting_chats: number;
  restricted_at: string | null;
  pending_notifications: number;
}

export interface Attention {
  code: string;
  text: string;
}

/** A 463 this recent is still worth showing: WhatsApp's restrictions last hours to days. */
const RESTRICTION_SHOWN_MS = 3 * 24 * 3600_000;

const formatPhone = (digits: string | null) => (digits ? `+${digits}` : null);

function whatsapp(status: SessionStatus | null, row: OverviewRow, now: Date): { view: WhatsAppView; phone: string | null; text: string } {
  const phone = formatPhone(status?.phone ?? row.salon.whatsapp_phone);
  if (row.restricted_at && now.getTime() - Date.parse(row.restricted_at) < RESTRICTION_SHOWN_MS && status?.state !== "logged_out") {
    return { view: "restricted", phone, text: "WhatsApp ограничил отправку с этого номера (ошибка 463). Бот не пишет первым, пока ограничение не снимут; отвечать клиентам он продолжает." };
  }
  switch (status?.state) {
    case "connected": return { view: "connected", phone, text: `Подключён как ${phone ?? "номер салона"}` };
    case "connecting":
    case "stopped": return status.phone || row.salon.whatsapp_phone
      ? { view: "restoring", phone, text: "Соединение с WhatsApp восстанавливается. Обычно это минута; сообщения дождутся." }
      : { view: "not_linked", phone: null, text: "WhatsApp не подключён." };
    case "qr":
    case "pairing": return { view: "linking", phone, text: "Идёт подключение: отсканируйте QR-код или введите код на телефоне." };
    case "logged_out": return { view: "logged_out", phone, text: "WhatsApp отключил это устройство. Подключите номер заново по QR-коду или коду." };
    case "forbidden": return { view: "restricted", phone, text: "WhatsApp заблокировал вход с этого номера. Проверьте номер в приложении WhatsApp и подключите заново." };
    case "none": return { view: "not_linked", phone: null, text: "WhatsApp не подключён. Подключите номер салона по QR-коду или коду." };
    default: return { view: "unknown", phone, text: "Сервер WhatsApp сейчас не отвечает. Обновите страницу через минуту." };
  }
}

export async function salonOverview(d: { db: Db; gateway: GatewayClient; clock: Clock; modelConfigured: boolean }, salonId: number) {
  const now = d.clock.now();
  const [row, status, outreach] = await Promise.all([
    cabinetStore.overview<OverviewRow>(d.db, salonId, now),
    d.gateway.status(salonId).catch(() => null),
    outreachStatus(d, salonId),
  ]);
  if (!row) return null;
  const wa = whatsapp(status, row, now);
  const attention: Attention[] = [];
  if (wa.view === "logged_out" || wa.view === "not_linked" || wa.view === "restricted") attention.push({ code: `whatsapp_${wa.view}`, text: wa.text });
  if (outreach?.stopped_at) {
    attention.push({ code: "outreach_stopped", text: "Сообщения первыми (отзывы, «давно не были», поздравления, реклама) остановлены: WhatsApp ограничил номер (ошибка 463). Ответы клиентам и напоминания о записях идут как прежде. Когда ограничение снимут, нажмите «Возобновить» в настройках рассылок." });
  }
  if (row.sync_block) {
    attention.push({ code: "sync_blocked", text: `YClients не даёт читать данные салона (${row.sync_block.status}). Проверьте, что приложение Admin AI включено и оплачено в YClients.` });
  }
  if (!d.modelConfigured) {
    attention.push({ code: "assistant_off", text: "Ассистент выключен: не задан ключ языковой модели. Клиенты получают вежливый ответ, а чат передаётся администратору." });
  }
  if (row.waiting_chats > 0) {
    attention.push({ code: "chats_waiting", text: `Чатов ждут ответа человека: ${row.waiting_chats}. Ответьте клиентам в WhatsApp салона.` });
  }
  if (row.salon.status === "frozen") {
    attention.push({ code: "frozen", text: "Приложение заморожено в YClients: бот не пишет клиентам. Продлите оплату приложения в маркетплейсе YClients." });
  }
  return {
    salon: { id: row.salon.salon_id, title: row.salon.title ?? `Салон ${row.salon.salon_id}`, status: row.salon.status, timezone: row.salon.timezone },
    whatsapp: wa,
    lastSync: row.last_sync,
    pendingNotifications: row.pending_notifications,
    outreach: outreach && { stoppedAt: outreach.stopped_at, queued: outreach.queued, sentToday: outreach.sent_today, optedOut: outreach.opted_out },
    attention,
  };
}

export const cabinetSalons = (db: Db, ids: number[]) => cabinetStore.salons(db, ids);
