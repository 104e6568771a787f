/**
 * The cabinet shows the notifications, outreach and campaigns settings as the decisions read them: an untouched
 * salon's form equals what the SQL functions the sends, quiet hours and caps call answer for it, a switch turned on
 * alone acts with the values the form showed, a change's history starts from the default the decisions used, and the
 * assistant's prompt names the review page the decisions send.
 */
import { describe, expect, it } from "vitest";
import { CampaignsPatch, reviewLink, storedReviewLink } from "../../lib/campaigns/settings.js";
import { OutreachPatch } from "../../lib/outreach/settings.js";
import { nextSalonId } from "../support/harness.js";
import { call, ownerSession, useCabinetWorld } from "./support.js";

// 10:00 in Moscow.
const w = useCabinetWorld("2026-11-23T07:00:00Z");

type Sections = Record<"notifications" | "outreach" | "campaigns", Record<string, unknown>>;

async function owner(salonId: number) {
  await w.activeSalon(salonId);
  return ownerSession(w, salonId);
}

async function shown(salonId: number, who: { cookie: string }): Promise<{ settings: Sections; history: Array<{ section: string; key: string; old: unknown; new: unknown }> }> {
  const res = await call(w, salonId, who, "/settings");
  expect(res.status).toBe(200);
  return res.json();
}

/** What the decisions read for the salon: the functions `notification_claim`, `outreach_claim` and `campaigns_plan` call. */
async function decided(salonId: number): Promise<Sections> {
  const db = w.db.db;
  const stored = await db.rpc<Record<string, unknown>>("salon_settings_read", { p_salon_id: salonId });
  return {
    notifications: await db.rpc("notification_settings", { p_settings: stored, p_default_delay_sec: w.services.config.bookingConfirmationDelaySec }),
    outreach: await db.rpc("outreach_settings", { p_settings: stored }),
    campaigns: await db.rpc("campaign_settings", { p_settings: stored }),
  };
}

describe("settings defaults", () => {
  it("an untouched salon's form shows every key with the value the decisions use", async () => {
    const salonId = nextSalonId();
    const who = await owner(salonId);
    const { settings } = await shown(salonId, who);
    const decisions = await decided(salonId);
    expect(settings.notifications).toEqual(decisions.notifications);
    expect(settings.outreach).toEqual(decisions.outreach);
    expect(settings.campaigns).toEqual(decisions.campaigns);
    // Every key a change may set has a default the decisions know.
    expect(Object.keys(decisions.outreach).sort()).toEqual(Object.keys(OutreachPatch.shape).sort());
    expect(Object.keys(decisions.campaigns).sort()).toEqual(Object.keys(CampaignsPatch.shape).sort());
    expect(settings.notifications.delaySec).toBe(w.services.config.bookingConfirmationDelaySec);
  });

  it("quiet hours switched on alone hold messages in exactly the window the form showed", async () => {
    const salonId = nextSalonId();
    const who = await owner(salonId);
    const { quietFrom, quietTo } = (await shown(salonId, who)).settings.notifications as { quietFrom: string; quietTo: string };
    const on = await call(w, salonId, who, "/settings", { section: "notifications", patch: { quietHours: true } });
    expect(on.status).toBe(200);

    // The claims' own test (`quiet_hours_end` over the salon's notification settings) at Moscow times of today.
    const moscow = (hhmm: string) => new Date(`2026-11-23T${hhmm}:00+03:00`);
    const holdsUntil = async (now: Date) => {
      const until = await w.db.db.rpc<string | null>("quiet_hours_end", {
        p_settings: (await decided(salonId)).notifications, p_tz: "Europe/Moscow", p_now: now.toISOString(),
      });
      return until === null ? null : new Date(new Date(until).getTime() + 3 * 3600_000).toISOString().slice(11, 16);
    };
    expect(await holdsUntil(new Date(moscow(quietFrom).getTime() - 60_000))).toBeNull();
    expect(await holdsUntil(moscow(quietFrom))).toBe(quietTo);
  });

  it("a change's history starts from the default the decisions used, and the decisions read the change", async () => {
    const salonId = nextSalonId();
    const who = await owner(salonId);
    const before = (await shown(salonId, who)).settings;
    const changes = [
      { section: "outreach", patch: { dailyCap: 40 } },
      { section: "campaigns", patch: { birthdayOffer: "Скидка 10% в день рождения" } },
      { section: "campaigns", patch: { review2gisUrl: "https://2gis.ru/firm/1" } },
      { section: "notifications", patch: { hoursBefore: 5 } },
    ] as const;
    for (const change of changes) expect((await call(w, salonId, who, "/settings", change)).status).toBe(200);

    const after = await shown(salonId, who);
    for (const { section, patch } of changes) {
      const [key, value] = Object.entries(patch)[0]!;
      expect(after.history).toContainEqual(expect.objectContaining({ section, key, old: before[section][key], new: value }));
    }
    expect(after.settings).toMatchObject(await decided(salonId));
    expect((await decided(salonId)).outreach.dailyCap).toBe(40);
    // The assistant's prompt (the salon's stored settings) names the review page the answer to a rating sends.
    const stored = await w.db.db.rpc<Record<string, unknown>>("salon_settings_read", { p_salon_id: salonId });
    expect(storedReviewLink(stored)).toBe("https://2gis.ru/firm/1");
    expect(reviewLink((await decided(salonId)).campaigns)).toBe("https://2gis.ru/firm/1");
  });

  it("names the stored review page in the prompt even when another stored campaign key breaks today's edit rules", () => {
    // A birthday hour saved before the 06:00–19:59 rule: the sends still use the page, so the prompt must too.
    const stored = { campaigns: { birthdayAt: "05:00", reviewGoogleUrl: "https://g.page/salon" } };
    expect(storedReviewLink(stored)).toBe("https://g.page/salon");
  });
});
