import type { YcCompany } from "../yclients/types.js";
import { registerSalon, type Salon } from "../salons/store.js";
import type { MarketplaceDeps } from "./deps.js";
import type { MarketplaceUser } from "./user-data.js";

/** The owner is waiting on the redirect: YClients gets this long (retries included) before the fallback name is used. */
export const COMPANY_LOOKUP_TIMEOUT_MS = 5000;

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`YClients did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** `timezone` is an hours offset in modern answers and the IANA name in older ones; keep only a name. */
function timezoneName(c: YcCompany): string | null {
  if (typeof c.timezone_name === "string" && c.timezone_name.includes("/")) return c.timezone_name;
  if (typeof c.timezone === "string" && c.timezone.includes("/")) return c.timezone;
  return null;
}

/**
 * One salon of the registration redirect: company data from YClients (or, when that call fails, the salon name the
 * marketplace sent, with the failure written into the event) and the upsert. Only for a user already verified as the
 * salon's administrator (lib/marketplace/salon-admins.ts).
 */
export async function registerOne(d: MarketplaceDeps, salonId: number, user: MarketplaceUser, rawUser: Record<string, unknown>): Promise<Salon> {
  let company: YcCompany | null = null;
  let companyError: string | null = null;
  try {
    company = await withTimeout(d.yclients.getCompany(salonId), COMPANY_LOOKUP_TIMEOUT_MS);
  } catch (err) {
    companyError = (err as Error).message;
    d.log.warn({ salonId, err: companyError }, "company lookup failed at registration; using the marketplace's salon name");
  }
  const title = company?.title ?? user.salonName ?? null;
  const salon = await registerSalon(d.db, d.clock, {
    salonId,
    title,
    address: company?.address ?? null,
    phone: company?.phone ?? null,
    timezone: company ? timezoneName(company) : null,
    company: company as Record<string, unknown> | null,
    marketplaceUser: rawUser,
    eventData: {
      title_source: company ? "yclients" : user.salonName ? "user_data" : "none",
      ...(companyError ? { company_error: companyError } : {}),
      user_id: user.id,
    },
  });
  return salon;
}
