/**
 * The sandbox's side of the "SMS and chat-bots" operator protocol (shared/reference/peer-products.md §2.1–2.2):
 * YClients posting a salon's notifications to an app's url_operator (single or batched, retried when the app does
 * not answer or answers 5xx), taking the delivery statuses the app posts back, and `update_channel`.
 *
 * Control (on `sandbox.channel`):
 *   callbackUrl()                     the delivery_callback_url YClients hands out (ends in the partner token)
 *   request(id, phone, text, opts?)   one operator request as YClients builds it
 *   postOperator(to, bearer, body)    POSTs a request or a batch to the app; retries like YClients is assumed to
 *   statusCallbacks                   every status post received: {id, status, at}
 *   channelUpdates                    every update_channel received: {salonId, channel, available, at}
 */
import type { Hono } from "hono";
import type { Clock } from "../../lib/clock.js";

export interface OperatorRequestBody {
  destination_params: unknown;
  from?: string;
  text: string;
  channel?: string;
  dispatch_type?: string;
  delivery_callback_url?: string;
  [key: string]: unknown;
}

export interface OperatorTarget {
  url: string;
  fetch?: typeof fetch;
}

export interface ChannelSandbox {
  readonly statusCallbacks: Array<{ id: string; status: number; at: Date }>;
  readonly channelUpdates: Array<{ salonId: number; channel: string; available: boolean; at: Date }>;
  callbackUrl(): string;
  request(id: string, phone: string, text: string, opts?: { dispatchType?: "service" | "adds"; from?: string }): OperatorRequestBody;
  postOperator(
    to: OperatorTarget,
    bearer: string,
    body: OperatorRequestBody | OperatorRequestBody[],
    opts?: { retries?: number; backoffMs?: number },
  ): Promise<{ status: number; body: unknown; attempts: number }>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function mountChannelRoutes(
  app: Hono,
  ctx: { partnerToken: string; applicationId: number; clock: Clock; baseUrl: () => string },
): ChannelSandbox {
  const statusCallbacks: ChannelSandbox["statusCallbacks"] = [];
  const channelUpdates: ChannelSandbox["channelUpdates"] = [];
  const fail = (message: string, status: 401 | 403 | 422) => ({ body: { success: false, data: null, meta: { message } }, status });

  app.post("/marketplace/application/update_channel", async (c) => {
    const b = (await c.req.json().catch(() => null)) as Record<string, unknown> | null;
    const salonId = Number(b?.salon_id);
    if (!b || !Number.isSafeInteger(salonId) || salonId <= 0 || !["sms", "whatsapp"].includes(String(b.channel_slug)) || typeof b.is_available !== "boolean") {
      const f = fail("An error has occurred.", 422);
      return c.json(f.body, f.status);
    }
    if (Number(b.application_id) !== ctx.applicationId) {
      const f = fail("Нет доступа к приложению.", 403);
      return c.json(f.body, f.status);
    }
    channelUpdates.push({ salonId, channel: String(b.channel_slug), available: b.is_available, at: ctx.clock.now() });
    return c.json({ success: true, data: null, meta: { message: "Канал отправки для салона обновлен" } });
  });

  app.post("/smsprovider/status/callback/:token", async (c) => {
    if (c.req.param("token") !== ctx.partnerToken) {
      const f = fail("Необходима авторизация", 401);
      return c.json(f.body, f.status);
    }
    const b = (await c.req.json().catch(() => null)) as unknown;
    const items = Array.isArray(b) ? (b as Array<Record<string, unknown>>) : [];
    if (items.length === 0 || items.some((i) => typeof i?.id !== "string" || typeof i.status !== "number")) {
      const f = fail("An error has occurred.", 422);
      return c.json(f.body, f.status);
    }
    for (const i of items) statusCallbacks.push({ id: i.id as string, status: i.status as number, at: ctx.clock.now() });
    return c.json({ success: true, data: null, meta: [] });
  });

  const channel: ChannelSandbox = {
    statusCallbacks,
    channelUpdates,
    callbackUrl: () => `${ctx.baseUrl()}/smsprovider/status/callback/${ctx.partnerToken}`,
    request: (id, phone, text, opts = {}) => ({
      destination_params: { id, phone }, from: opts.from ?? "Salon", text, channel: "whatsapp",
      dispatch_type: opts.dispatchType ?? "service", delivery_callback_url: channel.callbackUrl(),
    }),
    async postOperator(to, bearer, body, opts = {}) {
      const retries = opts.retries ?? 3;
      const doFetch = to.fetch ?? fetch;
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await doFetch(to.url, {
            method: "POST",
            headers: { accept: "application/vnd.yclients.v2+json", "content-type": "application/json", authorization: `Bearer ${bearer}` },
            body: JSON.stringify(body),
          });
          const answer = { status: res.status, body: await res.json().catch(() => null), attempts: attempt };
          if (res.status < 500 || attempt > retries) return answer;
        } catch (err) {
          if (attempt > retries) throw err;
        }
        await sleep((opts.backoffMs ?? 50) * 2 ** (attempt - 1));
      }
    },
  };
  return channel;
}
