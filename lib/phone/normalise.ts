/**
 * The one phone rule. A number as a salon or a client wrote it → the digits WhatsApp addresses it by (E.164 without
 * "+"). The salon's country reads a number written without a country code; a number written with "+" or "00" is
 * taken as international. Sync, webhooks, the assistant and the gateway use this; web/phone.js mirrors it for the
 * onboarding page (test/phone/rule.test.ts checks they agree).
 */
import { phoneCountry } from "./countries.js";

const E164 = /^[1-9][0-9]{6,14}$/;

/** E.164 digits, or null when it cannot be a phone number. `country` is ISO 3166 alpha-2 (the salon's). */
export function normalisePhone(input: unknown, country: string | null | undefined): string | null {
  if (typeof input !== "string" && typeof input !== "number") return null;
  const text = String(input).trim();
  let d = text.replace(/\D/g, "");
  if (d === "") return null;
  if (text.startsWith("+")) return E164.test(d) ? d : null;
  if (d.startsWith("00")) {
    d = d.slice(2);
    return E164.test(d) ? d : null;
  }
  const c = phoneCountry(country);
  const local = c.trunk && d.startsWith(c.trunk) ? d.slice(c.trunk.length) : null;
  if (local !== null && c.national.includes(local.length)) d = c.code + local;
  else if (c.national.includes(d.length)) d = c.code + d;
  // Anything else is a number with its country code written without "+" (the salon's own, or a foreign one).
  return E164.test(d) ? d : null;
}

/** The same client when both read to the same number in the salon's country. */
export function samePhone(a: unknown, b: unknown, country: string | null | undefined): boolean {
  const x = normalisePhone(a, country);
  return x !== null && x === normalisePhone(b, country);
}

/** For people: "+7 916 123-45-67" for a number of code 7, "+<digits>" otherwise. */
export function formatPhone(digits: string): string {
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : `+${digits}`;
}
