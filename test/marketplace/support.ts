import { createHmac } from "node:crypto";
import type { TestFunctions } from "../support/harness.js";

export const PARTNER_TOKEN = "sandbox-partner-token-issue4";
export const APPLICATION_ID = 4404;

/** user_data as YClients sends it: URL-safe base64 with padding of compact JSON; the sign covers the JSON bytes. */
export function userData(partnerToken: string, data: Record<string, unknown>): { user_data: string; user_data_sign: string } {
  const json = JSON.stringify(data);
  const b64 = Buffer.from(json, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  return { user_data: b64, user_data_sign: createHmac("sha256", partnerToken).update(json).digest("hex") };
}

export function redirectUrl(params: Array<[string, string]>): string {
  return "/auth/yclients/redirect?" + params.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join("&");
}

/** Walks the registration redirect for one salon and returns the onboarding token it issued. */
export async function register(fx: TestFunctions, salonId: number, user: Record<string, unknown> = { id: 1, name: "Владелец", salon_name: "Салон из маркетплейса" }): Promise<string> {
  const u = userData(PARTNER_TOKEN, user);
  const res = await fx.app.request(redirectUrl([["salon_id", String(salonId)], ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]));
  if (res.status !== 302) throw new Error(`redirect answered ${res.status}: ${await res.text()}`);
  const location = res.headers.get("location")!;
  return new URL(location, "http://x").searchParams.get("token")!;
}

export function postJson(fx: TestFunctions, path: string, body: unknown): Promise<Response> {
  return Promise.resolve(fx.app.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }));
}

export const activate = (fx: TestFunctions, token: string) => postJson(fx, "/marketplace/activate", { token });
