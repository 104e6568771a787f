/**
 * The sandbox's chat frame (issue 16), in YClients' wire formats (yclients-api reference / peer-products §2.3):
 *
 *   POST /marketplace/application/install_frame   {salon_id, application_id, type: "chat"|"waiting_list"|"task_tracker", url}
 *   POST /marketplace/application/new_message     {salon_id, application_id, phone_from, message, name}
 *   POST /marketplace/application/toggle_highlight {salon_id, application_id, phone_from}   (fields INFERRED)
 *
 * A `chat_url` in the install callback installs the frame too. One chat slot per salon: a later install replaces
 * the frame. Everything is recorded for tests: `frame(salonId)`, `alerts`, `highlighted(salonId)`.
 */
import type { Context, Hono } from "hono";
import type { Clock } from "../../lib/clock.js";

export const FRAME_TYPES = ["chat", "waiting_list", "task_tracker"] as const;

export interface ChatFrameRecorder {
  /** The chat panel URL installed for a salon (install_frame or the callback's chat_url), if any. */
  frame(salonId: number): string | undefined;
  /** Every accepted new_message and toggle_highlight call, in order. */
  readonly alerts: Array<{ kind: "new_message" | "toggle_highlight"; salonId: number; phone: string; message?: string; name?: string; at: Date }>;
  /** Phones whose chat the journal shows highlighted now. */
  highlighted(salonId: number): string[];
  /** The install callback passed `chat_url`. */
  installedByCallback(salonId: number, chatUrl: unknown): void;
}

const envelope = (c: Context, status: 200 | 403 | 404 | 422, data: unknown, message?: string, errors?: Record<string, string[]>) =>
  c.json(status === 200 ? { success: true, data, meta: [] } : { success: false, data: null, meta: { message, ...(errors ? { errors } : {}) } }, status);

export function mountChatRoutes(app: Hono, ctx: { applicationId: number; clock: Clock; installed(salonId: number): boolean }): ChatFrameRecorder {
  const frames = new Map<number, string>();
  const highlights = new Map<number, Set<string>>();
  const alerts: ChatFrameRecorder["alerts"] = [];

  /** The salon of a call, or an answer refusing it. */
  async function target(c: Context): Promise<{ salonId: number; b: Record<string, unknown> } | Response> {
    let b: Record<string, unknown>;
    try {
      b = JSON.parse(await c.req.text()) as Record<string, unknown>;
    } catch {
      return envelope(c, 422, null, "Некорректный JSON");
    }
    const salonId = Number(b.salon_id);
    if (!Number.isSafeInteger(salonId) || salonId <= 0) return envelope(c, 422, null, "An error has occurred.", { salon_id: ["required"] });
    if (Number(b.application_id) !== ctx.applicationId) return envelope(c, 403, null, "Нет доступа к приложению.");
    if (!ctx.installed(salonId)) return envelope(c, 404, null, "Приложение не установлено в салоне.");
    return { salonId, b };
  }
  const phoneOf = (v: unknown) => String(v ?? "").replace(/\D/g, "");

  app.post("/marketplace/application/install_frame", async (c) => {
    const t = await target(c);
    if (t instanceof Response) return t;
    if (!FRAME_TYPES.includes(t.b.type as (typeof FRAME_TYPES)[number])) return envelope(c, 422, null, "Неверный тип фрейма", { type: ["invalid"] });
    if (typeof t.b.url !== "string" || !/^https?:\/\//.test(t.b.url)) return envelope(c, 422, null, "Неверный адрес фрейма", { url: ["invalid"] });
    if (t.b.type === "chat") frames.set(t.salonId, t.b.url);
    return envelope(c, 200, null);
  });

  app.post("/marketplace/application/new_message", async (c) => {
    const t = await target(c);
    if (t instanceof Response) return t;
    const phone = phoneOf(t.b.phone_from);
    if (phone.length < 7 || typeof t.b.message !== "string") return envelope(c, 422, null, "An error has occurred.", { phone_from: ["required"], message: ["required"] });
    alerts.push({ kind: "new_message", salonId: t.salonId, phone, message: t.b.message, name: String(t.b.name ?? ""), at: ctx.clock.now() });
    let set = highlights.get(t.salonId);
    if (!set) highlights.set(t.salonId, (set = new Set()));
    set.add(phone);
    return envelope(c, 200, null);
  });

  app.post("/marketplace/application/toggle_highlight", async (c) => {
    const t = await target(c);
    if (t instanceof Response) return t;
    const phone = phoneOf(t.b.phone_from);
    if (phone.length < 7) return envelope(c, 422, null, "An error has occurred.", { phone_from: ["required"] });
    alerts.push({ kind: "toggle_highlight", salonId: t.salonId, phone, at: ctx.clock.now() });
    highlights.get(t.salonId)?.delete(phone);
    return envelope(c, 200, null);
  });

  return {
    frame: (salonId) => frames.get(salonId),
    alerts,
    highlighted: (salonId) => [...(highlights.get(salonId) ?? [])],
    installedByCallback(salonId, chatUrl) {
      if (typeof chatUrl === "string" && chatUrl !== "") frames.set(salonId, chatUrl);
    },
  };
}
