/**
 * Phone numbers as the owner types them → WhatsApp digits. Russian habits first: 8XXXXXXXXXX → 7XXXXXXXXXX, and
 * ten digits (the number without the country code) get 7 in front. Anything else must already be 11–15 digits
 * with its country code. Returns null when it cannot be a phone number.
 */
export function normalizePhone(input) {
  const digits = String(input ?? "").replace(/\D/g, "");
  let d = digits;
  if (d.length === 11 && d.startsWith("8")) d = "7" + d.slice(1);
  else if (d.length === 10) d = "7" + d;
  return /^[1-9]\d{10,14}$/.test(d) ? d : null;
}

/** +7 900 123-45-67 for Russian numbers, +digits otherwise. */
export function formatPhone(digits) {
  const m = /^7(\d{3})(\d{3})(\d{2})(\d{2})$/.exec(digits);
  return m ? `+7 ${m[1]} ${m[2]}-${m[3]}-${m[4]}` : `+${digits}`;
}
