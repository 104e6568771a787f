/** The marketplace: install callbacks, payments, application status, uninstall, salons list. */
import type { Hono } from "hono";
import { isoWithOffset } from "../../lib/yclients/time.js";
import type { ChatFrameRecorder } from "./chat-routes.js";
import type { SandboxState } from "./state.js";
import { MSG, YcHttpError, body, ok, sid } from "./wire.js";

export function marketplaceRoutes(app: Hono, st: SandboxState, chat: ChatFrameRecorder): void {
  const { salon, clock, installs, partnerCallbacks, applicationId } = st;
  function requireApp(b: Record<string, unknown>): number {
    const salonId = Number(b.salon_id);
    if (!Number.isSafeInteger(salonId) || salonId <= 0) throw new YcHttpError(422, "An error has occurred.", { salon_id: ["required"] });
    if (Number(b.application_id) !== applicationId) throw new YcHttpError(403, MSG.app);
    return salonId;
  }

  function install(salonId: number, b: Record<string, unknown>): void {
    const prev = installs.get(salonId);
    const now = clock.now();
    const urls = Array.isArray(b.webhook_urls) ? b.webhook_urls.map(String) : [];
    const at = isoWithOffset(now, "Europe/Moscow").replace("T", " ").slice(0, 19);
    installs.set(salonId, {
      status: "active", createdAt: prev?.createdAt ?? now, webhookUrls: urls, apiKey: b.api_key, payments: prev?.payments ?? [],
      logs: [...(prev?.logs ?? []), { changed_at: at, status_from: prev?.status ?? null, status_to: "active", source: "partner" }],
    });
    chat.installedByCallback(salonId, b.chat_url);
  }

  app.post("/marketplace/partner/callback/redirect", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    install(salonId, b);
    partnerCallbacks.push({ kind: "callback_redirect", salonId, body: b, at: clock.now() });
    return c.body(null, 301, { location: `https://yclients.com/appstore/${salonId}/applications/${applicationId}/settings` });
  });

  app.post("/marketplace/partner/callback", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    install(salonId, b);
    partnerCallbacks.push({ kind: "callback", salonId, body: b, at: clock.now() });
    return ok(c, null, [], 201);
  });

  app.post("/marketplace/partner/payment", async (c) => {
    const b = await body(c);
    const salonId = requireApp(b);
    const missing = ["payment_sum", "currency_iso", "payment_date", "period_from", "period_to"].filter((k) => b[k] === undefined);
    if (missing.length) throw new YcHttpError(422, "An error has occurred.", Object.fromEntries(missing.map((k) => [k, ["required"]])));
    const inst = installs.get(salonId);
    if (!inst) throw new YcHttpError(404, MSG.notInstalled);
    const id = ++st.paymentSeq;
    inst.payments.push({
      id, payment_sum: Number(b.payment_sum), currency_iso: String(b.currency_iso), payment_date: String(b.payment_date),
      is_refunded: false, period_from: String(b.period_from), period_to: String(b.period_to),
    });
    partnerCallbacks.push({ kind: "payment", salonId, body: b, at: clock.now() });
    return ok(c, { id });
  });

  app.get("/marketplace/salon/:cid/application/:app", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const inst = installs.get(sid(c));
    if (!inst) throw new YcHttpError(404, MSG.notInstalled);
    return ok(c, {
      logs: inst.logs, payments: inst.payments,
      connection_status: { status: inst.status, created_at: isoWithOffset(inst.createdAt, "Europe/Moscow") },
    });
  });

  app.post("/marketplace/salon/:cid/application/:app/uninstall", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const salonId = sid(c);
    const inst = installs.get(salonId);
    if (!inst || inst.status === "uninstalled") throw new YcHttpError(404, MSG.notInstalled);
    inst.logs.push({ changed_at: isoWithOffset(clock.now(), "Europe/Moscow").replace("T", " ").slice(0, 19), status_from: inst.status, status_to: "uninstalled", source: "partner" });
    inst.status = "uninstalled";
    partnerCallbacks.push({ kind: "uninstall", salonId, body: {}, at: clock.now() });
    return c.json({ success: true, data: null, meta: {} }, 200);
  });

  app.get("/marketplace/application/:app/salons", (c) => {
    if (Number(c.req.param("app")) !== applicationId) throw new YcHttpError(403, MSG.app);
    const page = Math.max(1, Number(c.req.query("page") ?? 0));
    const count = Math.min(1000, Number(c.req.query("count") ?? 0));
    if (!count) throw new YcHttpError(422, "An error has occurred.", { count: ["required"] });
    const ids = [...installs.entries()].filter(([, i]) => i.status === "active").map(([id]) => id).sort((a, z) => a - z);
    return ok(c, ids.slice((page - 1) * count, page * count).map((id) => salon(id).company), {});
  });
}
