/**
 * Per-salon campaign settings: `salons.settings.campaigns` over the defaults of SQL `campaign_settings` (every
 * campaign off until the owner switches it on in the cabinet), which merges them for the decisions (`campaigns_plan`)
 * and for the cabinet; this module says what the keys mean and validates a change (lib/cabinet/settings.ts).
 */
import { z } from "zod";
import { intField } from "../cabinet/fields.js";

export interface CampaignSettings {
  /** Ask "Как вам визит?" reviewAfterHours after a visit the client attended. */
  reviewEnabled: boolean;
  reviewAfterHours: number;
  /** The salon's public review pages; a happy client (and anyone who asks) gets the first one set. */
  reviewYandexUrl: string;
  review2gisUrl: string;
  reviewGoogleUrl: string;
  /** "We miss you" to clients whose last visit is more than winbackDays ago. */
  winbackEnabled: boolean;
  winbackDays: number;
  /** A greeting on the client's birthday from birthdayAt (salon time); birthdayOffer makes it advertising. */
  birthdayEnabled: boolean;
  birthdayAt: string;
  birthdayOffer: string;
}

const url = (what: string) =>
  z.string().trim().max(500, `${what}: слишком длинная ссылка`)
    .refine((u) => u === "" || /^https:\/\/[^\s]+$/.test(u), `${what}: ссылка должна начинаться с https://, или оставьте пусто`);

export const CampaignsPatch = z.strictObject({
  reviewEnabled: z.boolean(),
  reviewAfterHours: intField(1, 72, "Через сколько часов после визита просить оценку"),
  reviewYandexUrl: url("Ссылка на Яндекс Карты"),
  review2gisUrl: url("Ссылка на 2ГИС"),
  reviewGoogleUrl: url("Ссылка на Google Карты"),
  winbackEnabled: z.boolean(),
  winbackDays: intField(14, 365, "Через сколько дней без визита писать «мы скучаем»"),
  birthdayEnabled: z.boolean(),
  // Morning to early evening only: SQL `campaigns_plan` stops deciding birthdays at 20:00.
  birthdayAt: z.string().regex(/^(0[6-9]|1\d):[0-5]\d$/, "Время поздравления: ЧЧ:ММ между 06:00 и 19:59, например 10:00"),
  birthdayOffer: z.string().trim().max(500, "Предложение ко дню рождения: не длиннее 500 символов"),
}).partial();

type ReviewPages = Pick<CampaignSettings, "reviewYandexUrl" | "review2gisUrl" | "reviewGoogleUrl">;

/** The review page a client is sent to: Yandex Maps first, then 2GIS, then Google; null when none is set. */
export function reviewLink(c: Partial<ReviewPages>): string | null {
  return [c.reviewYandexUrl, c.review2gisUrl, c.reviewGoogleUrl].find((u) => u) ?? null;
}

/** The review page from the salon's stored settings (unset keys are SQL's default, no page); null when none is set. */
export function storedReviewLink(settings: Record<string, unknown> | null | undefined): string | null {
  // Only the three links: another stored key that today's edit rules would refuse must not hide the page.
  const pages = CampaignsPatch.pick({ reviewYandexUrl: true, review2gisUrl: true, reviewGoogleUrl: true }).strip()
    .safeParse(settings?.campaigns ?? {});
  return pages.success ? reviewLink(pages.data) : null;
}
