/**
 * The phone rule of lib/phone/normalise.ts, mirrored for the browser (the page is served as is, without a bundler);
 * test/phone/rule.test.ts checks both agree on a table of cases. `country` is the salon's {code, national, trunk},
 * which the page gets in its config: a number written without a country code is read as the salon's country's.
 * Returns E.164 digits, or null when it cannot be a phone number.
 */
export function normalizePhone(input, country) {
  const text = String(input ?? "").trim();
  let d = text.replace(/\D/g, "");
  if (d === "") return null;
  const e164 = (x) => (/^[1-9][0-9]{6,14}$/.test(x) ? x : null);
  if (text.startsWith("+")) return e164(d);
  if (d.startsWith("00")) return e164(d.slice(2));
  const local = country.trunk && d.startsWith(country.trunk) ? d.slice(country.trunk.length) : null;
  if (local !== null && country.national.includes(local.length)) d = country.code + local;
  else if (country.national.includes(d.length)) d = country.code + d;
  return e164(d);
}

/** +7 900 123-45-67 for numbers of code 7, +digits otherwise. */
export function formatPhone(digits) {
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : `+${digits}`;
}
