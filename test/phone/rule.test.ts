/**
 * One phone rule: lib/phone (sync, webhooks, the assistant, the gateway), web/phone.js (the onboarding page) and the
 * SQL that normalised stored rows read every number of this table the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PHONE_COUNTRIES, formatPhone, normalisePhone, phoneCountry } from "../../lib/phone/index.js";
import { normalizePhone as pageRule } from "../../web/phone.js";
import { openTestDatabase, type TestDatabase } from "../support/harness.js";

const CASES: Array<[input: string, country: string | null, expected: string | null]> = [
  ["8 (916) 123-45-67", "RU", "79161234567"],
  ["+7 916 123-45-67", "RU", "79161234567"],
  ["9161234567", "RU", "79161234567"],
  ["79161234567", "RU", "79161234567"],
  ["8-916-123-45-67", "KZ", "79161234567"],
  ["+375 29 123-45-67", "RU", "375291234567"],
  ["375291234567", "RU", "375291234567"],
  ["8 029 123-45-67", "BY", "375291234567"],
  ["29 123 45 67", "BY", "375291234567"],
  ["+7 916 123-45-67", "BY", "79161234567"],
  ["067 123 4567", "UA", "380671234567"],
  ["0049 151 1234 5678", "RU", "4915112345678"],
  ["+49 151 1234 5678", "UA", "4915112345678"],
  ["90 123 45 67", "UZ", "998901234567"],
  ["5123 4567", "EE", "37251234567"],
  ["9161234567", null, "79161234567"],
  ["9161234567", "ZZ", "79161234567"],
  ["12345", "RU", null],
  ["", "RU", null],
  ["+0 916", "RU", null],
  ["не указан", "RU", null],
];

let db: TestDatabase;
beforeAll(async () => {
  db = await openTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

describe("one phone rule", () => {
  it.each(CASES)("%s in %s → %s", async (input, country, expected) => {
    expect(normalisePhone(input, country)).toBe(expected);
    expect(pageRule(input, phoneCountry(country))).toBe(expected);
    const { rows: [row] } = await db.sql.query<{ p: string | null }>("select phone_normalise($1, $2) as p", [input, country]);
    expect(row!.p).toBe(expected);
  });

  it("has one country table: the SQL one lists the same codes, lengths and trunk prefixes", async () => {
    const { rows } = await db.sql.query<{ iso: string; code: string; national: number[]; trunk: string | null }>(
      "select iso, code, national_len as national, trunk from phone_countries() order by iso",
    );
    const ts = [...PHONE_COUNTRIES].sort((a, b) => a.iso.localeCompare(b.iso)).map(({ iso, code, national, trunk }) => ({ iso, code, national, trunk }));
    expect(rows).toEqual(ts);
  });

  it("takes the salon's country from YClients' company data", async () => {
    const cases: Array<[unknown, string | null]> = [
      [{ country_id: 1, country: "Россия" }, "RU"],
      [{ country: "Беларусь" }, "BY"],
      [{ country: "Казахстан", phone: "+7 727 000-00-00" }, "KZ"],
      [{ country_id: 1 }, "RU"],
      [{ country: "Atlantis", phone: "+375 17 000-00-00" }, "BY"],
      [{ country: "Atlantis", phone: "8 017 000-00-00" }, null],
      [{}, null],
    ];
    for (const [company, iso] of cases) {
      const { rows: [row] } = await db.sql.query<{ c: string | null }>("select phone_country_of_company($1::jsonb) as c", [JSON.stringify(company)]);
      expect(row!.c, JSON.stringify(company)).toBe(iso);
    }
  });

  it("writes a number for people", () => {
    expect(formatPhone("79161234567")).toBe("+7 916 123-45-67");
    expect(formatPhone("375291234567")).toBe("+375291234567");
  });
});
