/**
 * The salon's `outreach` settings (cabinet section): proactive messages on or off, the daily cap, the spacing window
 * (each proactive message waits a random time inside it after the previous one), and whether a 463 stops them until
 * the owner resumes. The defaults are the SQL function `outreach_settings`'s, which the decision (`outreach_claim`) and
 * the cabinet's form both read.
 */
import { z } from "zod";
import { intField } from "../cabinet/fields.js";

export interface OutreachSettings {
  enabled: boolean;
  dailyCap: number;
  spacingMinSec: number;
  spacingMaxSec: number;
  stopOn463: boolean;
}

/**
 * A number linked in the last 14 days sends at most this many a day: WhatsApp restricts new numbers after 15–20
 * messages a day to contacts who have not saved them (reference/peer-products.md §3).
 */
export const WARMUP_DAILY_CAP = 15;

export const OutreachPatch = z.strictObject({
  enabled: z.boolean({ error: "Сообщения первыми: включены или выключены" }),
  dailyCap: intField(0, 1000, "Не больше сообщений в день"),
  spacingMinSec: intField(30, 3600, "Пауза между сообщениями, от (секунды)"),
  spacingMaxSec: intField(30, 3 * 3600, "Пауза между сообщениями, до (секунды)"),
  stopOn463: z.boolean({ error: "Остановка при ограничении WhatsApp: да или нет" }),
}).partial();
