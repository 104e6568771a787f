/**
 * The campaigns' charts in the cabinet's results, by day in the salon's time zone: for each campaign what lib/outreach
 * counts of its messages (sent, delivered, read, replied and booked within 7 days, on the day it was sent), and the
 * visit ratings review requests got (how many 4–5, how many 1–3).
 */
import type { Db } from "../db/client.js";
import { outreachResults } from "../outreach/offer.js";
import type { CampaignKind } from "./store.js";
import { campaignsStore } from "./store.js";

const COUNTS = [["sent", "отправлено"], ["delivered", "доставлено"], ["read", "прочитано"], ["replied", "ответили"], ["booked", "записались за 7 дней"]] as const;
const KINDS: Array<[CampaignKind, string]> = [["review_request", "Запросы оценки визита"], ["winback", "«Мы скучаем»"], ["birthday", "Поздравления с днём рождения"]];

export const CAMPAIGN_CHARTS: Array<{ title: string; unit: string; series: Array<[key: string, label: string]> }> = [
  ...KINDS.map(([kind, title]) => ({ title, unit: "", series: COUNTS.map(([c, label]): [string, string] => [`${kind}_${c}`, label]) })),
  { title: "Оценки визитов", unit: "", series: [["ratings_high", "4–5"], ["ratings_low", "1–3"]] },
];

/** Series by key, aligned with the cabinet's days (the same salon zone and window). */
export async function campaignSeries(db: Db, salonId: number, now: Date, days: number): Promise<Record<string, number[]>> {
  const r = await campaignsStore.ratingsDaily(db, salonId, now, days);
  if (!r) return {};
  // A day's start is at most 14 h from UTC midnight: a window a day wider, cut by the day list.
  const from = new Date(Date.parse(`${r.days[0]}T00:00:00Z`) - 86_400_000);
  const sent = await outreachResults({ db }, salonId, from, now);
  const index = new Map(r.days.map((d, i) => [d, i]));
  const out: Record<string, number[]> = { ratings_high: r.high.map(Number), ratings_low: r.low.map(Number) };
  for (const [kind] of KINDS) for (const [c] of COUNTS) out[`${kind}_${c}`] = r.days.map(() => 0);
  for (const row of sent) {
    const i = index.get(row.day);
    if (i === undefined || !KINDS.some(([k]) => k === row.kind)) continue;
    for (const [c] of COUNTS) out[`${row.kind}_${c}`]![i] = Number(row[c]);
  }
  return out;
}
