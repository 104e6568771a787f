/**
 * Countries where YClients salons work, as their phone numbers are written there: the calling code, how many digits
 * a number has without it, and the trunk prefix people dial inside the country ("8 916 …" in Russia, "0 67 …" in
 * Ukraine, "8 029 …" in Belarus). The salon's country is decided in SQL from YClients' company object
 * (supabase/migrations/20261130500000_one_phone_rule.sql, which holds the same table to normalise stored rows);
 * test/phone/rule.test.ts checks that both agree.
 */
export interface PhoneCountry {
  iso: string;
  code: string;
  national: number[];
  trunk: string | null;
}

export const PHONE_COUNTRIES: readonly PhoneCountry[] = [
  { iso: "RU", code: "7", national: [10], trunk: "8" },
  { iso: "KZ", code: "7", national: [10], trunk: "8" },
  { iso: "BY", code: "375", national: [9], trunk: "80" },
  { iso: "UA", code: "380", national: [9], trunk: "0" },
  { iso: "UZ", code: "998", national: [9], trunk: null },
  { iso: "KG", code: "996", national: [9], trunk: "0" },
  { iso: "AM", code: "374", national: [8], trunk: "0" },
  { iso: "GE", code: "995", national: [9], trunk: null },
  { iso: "AZ", code: "994", national: [9], trunk: "0" },
  { iso: "MD", code: "373", national: [8], trunk: "0" },
  { iso: "TJ", code: "992", national: [9], trunk: null },
  { iso: "LV", code: "371", national: [8], trunk: null },
  { iso: "LT", code: "370", national: [8], trunk: "8" },
  { iso: "EE", code: "372", national: [7, 8], trunk: null },
  { iso: "AE", code: "971", national: [9], trunk: "0" },
];

/**
 * When a salon row has no country yet (registered before its first company sync, or YClients named a country this
 * table lacks), numbers are read as Russian: YClients' home market and what every number stored so far assumed.
 */
export const FALLBACK_COUNTRY = "RU";

export function phoneCountry(iso: string | null | undefined): PhoneCountry {
  return PHONE_COUNTRIES.find((c) => c.iso === iso) ?? PHONE_COUNTRIES.find((c) => c.iso === FALLBACK_COUNTRY)!;
}
