/**
 * An emptied number field in the cabinet's settings is that key back at its default: the page sends it as null, the
 * stored settings drop the key (so a later change of the default applies), the history records the default as the
 * new value, and the settings answer shows the default again. Text that is no number, a negative or out-of-range
 * number is still a Russian 400 that changes nothing.
 */
import { describe, expect, it } from "vitest";
import { nextSalonId } from "../support/harness.js";
import { call, ownerSession, useCabinetWorld } from "./support.js";

// 10:00 in Moscow.
const w = useCabinetWorld("2026-11-23T07:00:00Z");

type Section = "notifications" | "assistant" | "outreach" | "campaigns";
type Shown = { settings: Record<Section, Record<string, unknown>>; history: Array<{ section: string; key: string; old: unknown; new: unknown }> };

/** Every number field of the form, with a value that is valid and not the default. */
const NUMBERS: Record<Section, Record<string, number>> = {
  notifications: { delaySec: 45, hoursBefore: 5 },
  assistant: { burst_wait_sec: 7, typing_wait_max_sec: 20, admin_pause_min: 30, handover_pause_min: 60 },
  outreach: { dailyCap: 40, spacingMinSec: 300, spacingMaxSec: 900 },
  campaigns: { reviewAfterHours: 6, winbackDays: 90 },
};

async function owner() {
  const salonId = nextSalonId();
  await w.activeSalon(salonId);
  return { salonId, who: await ownerSession(w, salonId) };
}

const stored = async (salonId: number) =>
  (await w.db.db.rpc<Record<string, Record<string, unknown> | undefined>>("salon_settings_read", { p_salon_id: salonId }));

describe("an emptied number field", () => {
  it("goes back to the default in every section: key dropped, default shown, history old → default", async () => {
    const { salonId, who } = await owner();
    const defaults = ((await (await call(w, salonId, who, "/settings")).json()) as Shown).settings;
    for (const [section, values] of Object.entries(NUMBERS) as Array<[Section, Record<string, number>]>) {
      expect((await call(w, salonId, who, "/settings", { section, patch: values })).status).toBe(200);
      const emptied = Object.fromEntries(Object.keys(values).map((k) => [k, null]));
      const res = await call(w, salonId, who, "/settings", { section, patch: emptied });
      expect(res.status, `${section}: ${await res.clone().text()}`).toBe(200);
      const { settings, history } = (await res.json()) as Shown;
      expect(settings[section]).toMatchObject(Object.fromEntries(Object.keys(values).map((k) => [k, defaults[section][k]])));
      const kept = (await stored(salonId))[section] ?? {};
      for (const [key, value] of Object.entries(values)) {
        expect(kept).not.toHaveProperty(key);
        expect(history).toContainEqual(expect.objectContaining({ section, key, old: value, new: defaults[section][key] }));
      }
    }
  });

  it("is checked with the default against the other fields: a default «до» below the owner's «от» is refused", async () => {
    const { salonId, who } = await owner();
    expect((await call(w, salonId, who, "/settings", { section: "outreach", patch: { spacingMinSec: 1000, spacingMaxSec: 2000 } })).status).toBe(200);
    const res = await call(w, salonId, who, "/settings", { section: "outreach", patch: { spacingMaxSec: null } });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("«от» не может быть больше «до»");
    expect((await stored(salonId)).outreach).toMatchObject({ spacingMinSec: 1000, spacingMaxSec: 2000 });
  });

  it("is the empty field only: text, a negative or an out-of-range number is still a Russian 400 that changes nothing", async () => {
    const { salonId, who } = await owner();
    expect((await call(w, salonId, who, "/settings", { section: "campaigns", patch: { winbackDays: 90 } })).status).toBe(200);
    const cases: Array<[unknown, string]> = [
      ["abc", "введите число"], ["", "введите число"], [-5, "не меньше 14"], [1000, "не больше 365"], [30.5, "введите целое число"],
    ];
    for (const [value, message] of cases) {
      const res = await call(w, salonId, who, "/settings", { section: "campaigns", patch: { winbackDays: value } });
      expect(res.status, JSON.stringify(value)).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(`Через сколько дней без визита писать «мы скучаем»: ${message}`);
    }
    const assistant = await call(w, salonId, who, "/settings", { section: "assistant", patch: { admin_pause_min: -1 } });
    expect(assistant.status).toBe(400);
    expect((await stored(salonId)).campaigns).toMatchObject({ winbackDays: 90 });
    const emptied = await call(w, salonId, who, "/settings", { section: "campaigns", patch: { winbackDays: null } });
    expect(emptied.status).toBe(200);
    const { winbackDays } = await w.db.db.rpc<{ winbackDays: number }>("campaign_settings", { p_settings: {} });
    expect(((await emptied.json()) as Shown).settings.campaigns.winbackDays).toBe(winbackDays);
  });
});
