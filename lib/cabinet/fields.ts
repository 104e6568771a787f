/**
 * Validation of the cabinet's form fields that several settings sections share, with the Russian message the owner
 * sees next to the field (lib/cabinet/settings.ts and the sections it gathers: outreach, campaigns).
 */
import { z } from "zod";

/**
 * A whole number from min to max; `what` names the field in the message. Null is the owner's emptied field: the key
 * goes back to its default (SQL `salon_settings_change` drops it, so a later change of the default applies too).
 */
export const intField = (min: number, max: number, what: string) =>
  z.number({ error: `${what}: введите число` }).int(`${what}: введите целое число`).min(min, `${what}: не меньше ${min}`).max(max, `${what}: не больше ${max}`)
    .nullable();
