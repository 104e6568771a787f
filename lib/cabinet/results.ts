/**
 * The cabinet's results: 30 days by day in the salon's time zone, counted by SQL `cabinet_results` from daily
 * counters the writes keep and index ranges (test chats never counted), grouped into the charts the page shows;
 * the campaigns' charts come from lib/campaigns/results.ts over the same days.
 *
 * Public API: `salonResults(db, clock, salonId)`, `CHARTS`.
 */
import type { Clock } from "../clock.js";
import type { Db } from "../db/client.js";
import { CAMPAIGN_CHARTS, campaignSeries } from "../campaigns/results.js";
import { cabinetStore } from "./store.js";

export const RESULT_DAYS = 30;

export interface ResultSeries {
  key: string;
  label: string;
  values: number[];
  total: number;
}

export interface Chart {
  title: string;
  unit: string;
  series: ResultSeries[];
}

export const CHARTS: Array<{ title: string; unit: string; series: Array<[key: string, label: string]> }> = [
  { title: "Сообщения", unit: "", series: [["messages_in", "от клиентов"], ["messages_out", "от бота"]] },
  { title: "Записи ассистента", unit: "", series: [["booked", "записал"], ["moved", "перенёс"], ["cancelled", "отменил"]] },
  { title: "Сумма записей ассистента", unit: "₽", series: [["booked_sum", "₽ по записям"]] },
  { title: "Подтверждения записи", unit: "", series: [["confirmations_sent", "отправлено"], ["confirmations_delivered", "доставлено"], ["confirmations_read", "прочитано"]] },
  { title: "Напоминания", unit: "", series: [["reminders_sent", "отправлено"], ["reminders_delivered", "доставлено"], ["reminders_read", "прочитано"], ["reminders_confirmed", "клиент подтвердил"]] },
  { title: "Визиты после напоминания", unit: "", series: [["came_after_reminder", "пришли"], ["missed_after_reminder", "не пришли"]] },
  { title: "Чаты, переданные администратору", unit: "", series: [["handovers", "передано"]] },
  ...CAMPAIGN_CHARTS,
];

export async function salonResults(db: Db, clock: Clock, salonId: number) {
  const [row, campaigns] = await Promise.all([cabinetStore.results(db, salonId, clock.now(), RESULT_DAYS), campaignSeries(db, salonId, clock.now(), RESULT_DAYS)]);
  const raw = { ...row?.series, ...campaigns };
  const series: ResultSeries[] = [];
  const charts: Chart[] = CHARTS.map((c) => ({
    title: c.title,
    unit: c.unit,
    series: c.series.map(([key, label]) => {
      const values = (raw[key] ?? []).map(Number);
      const s = { key, label, values, total: values.reduce((a, b) => a + b, 0) };
      series.push(s);
      return s;
    }),
  }));
  return { timezone: row?.timezone ?? null, days: row?.days ?? [], charts, series };
}
