/**
 * The campaigns' charts in the cabinet's results: the visit ratings review requests got, by day in the salon's time
 * zone: how many 4–5 and how many 1–3.
 */
import type { Db } from "../db/client.js";
import { campaignsStore } from "./store.js";

export const CAMPAIGN_CHARTS: Array<{ title: string; unit: string; series: Array<[key: string, label: string]> }> = [
  { title: "Оценки визитов", unit: "", series: [["ratings_high", "4–5"], ["ratings_low", "1–3"]] },
];

/** Series by key, aligned with the cabinet's days (the same salon zone and window). */
export async function campaignSeries(db: Db, salonId: number, now: Date, days: number): Promise<Record<string, number[]>> {
  const r = await campaignsStore.ratingsDaily(db, salonId, now, days);
  if (!r) return {};
  return { ratings_high: r.high.map(Number), ratings_low: r.low.map(Number) };
}
