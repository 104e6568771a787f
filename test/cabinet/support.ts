import { processRecordUpdates } from "../../lib/bookings/process-records.js";
import { cookieOf, fromAddress, ownerId, redirectUrl, userData } from "../marketplace/support.js";
import { openWorld, type World } from "../bookings/world.js";
import { useWorld } from "../support/use-world.js";

/** The bookings world with the marketplace configured as the sandbox's, so the real redirect signs owners in. */
export const openCabinetWorld = (start: string) =>
  openWorld(start, { YCLIENTS_PARTNER_TOKEN: "sandbox-partner-token", YCLIENTS_USER_TOKEN: "sandbox-user-token", YCLIENTS_APPLICATION_ID: "1" });

/** That world for a whole test file: opened before its tests, closed after them. */
export const useCabinetWorld = (start: string): World => useWorld(() => openCabinetWorld(start));

/** The owner arriving from YClients for these salons: the redirect's answer and the session cookie it set. */
export async function signIn(w: World, salonIds: number[], userId = ownerId(salonIds[0]!)) {
  const u = userData("sandbox-partner-token", { id: userId, name: "Владелец" });
  const params: Array<[string, string]> = salonIds.length === 1
    ? [["salon_id", String(salonIds[0])]]
    : salonIds.map((id, i) => [`salon_ids[${i}]`, String(id)]);
  const res = await w.app.request(redirectUrl([...params, ["user_data", u.user_data], ["user_data_sign", u.user_data_sign]]), {}, fromAddress());
  return { res, cookie: res.headers.get("set-cookie") ? cookieOf(res) : "" };
}

/** The page's CSRF token, as its script reads it from the embedded config. */
export async function cabinetConfig(w: World, salonId: number, cookie: string): Promise<{ csrf: string; salons: Array<{ id: number; href: string }> }> {
  const res = await w.app.request(`/cabinet/${salonId}`, { headers: { cookie } });
  if (res.status !== 200) throw new Error(`cabinet answered ${res.status}`);
  return JSON.parse(/<script type="application\/json" id="cabinet-config">([^<]*)<\/script>/.exec(await res.text())![1]!);
}

/** The salon's owner signed in through the redirect, with the CSRF token the page's changes send. */
export async function ownerSession(w: World, salonId: number): Promise<{ cookie: string; csrf: string }> {
  const { cookie } = await signIn(w, [salonId]);
  return { cookie, csrf: (await cabinetConfig(w, salonId, cookie)).csrf };
}

export function call(w: World, salonId: number, who: { cookie: string; csrf?: string }, path: string, body?: unknown) {
  return w.app.request(`/cabinet/api/${salonId}${path}`, body === undefined
    ? { headers: { cookie: who.cookie } }
    : { method: "POST", headers: { cookie: who.cookie, "content-type": "application/json", ...(who.csrf ? { "x-csrf-token": who.csrf } : {}) }, body: JSON.stringify(body) });
}

/** A visit booked long ago (no confirmation), known through the sync. */
export async function bookedEarlier(w: World, salonId: number, phone: string, at: string, name = "Мария Иванова") {
  const rec = w.sandbox.addRecord(salonId, { datetime: at, clientPhone: `+${phone}`, clientName: name });
  await processRecordUpdates(w.services, salonId, [{ ...rec, create_date: "2026-11-01T10:00:00+0300" }], { source: "sync" });
  return rec;
}
