import { signUserData } from "../../lib/marketplace/user-data.js";
import type { YcCompanyUser } from "../../lib/yclients/types.js";

export interface MarketplaceUserData {
  id: number;
  name: string;
  phone: string;
  email: string;
  is_approved: boolean;
  salon_name: string;
}

/**
 * The URL YClients' marketplace sends a salon owner to when they install the app: URL-safe base64 (with padding)
 * of the user JSON, signed (hex HMAC-SHA256 of the JSON itself) with the partner token.
 */
export function marketplaceRedirectUrl(publicUrl: string, partnerToken: string, salonId: number, user: MarketplaceUserData): string {
  const json = JSON.stringify(user);
  const userData = Buffer.from(json, "utf8").toString("base64").replace(/\+/g, "-").replace(/\//g, "_");
  const q = new URLSearchParams({ salon_id: String(salonId), user_data: userData, user_data_sign: signUserData(partnerToken, json) });
  return `${publicUrl}/auth/yclients/redirect?${q}`;
}

/** user_data for a user the sandbox lists in `company_users` (its `owner(salonId)`, for one). */
export function demoOwner(user: YcCompanyUser, salonName = "Демо-салон"): MarketplaceUserData {
  return { id: user.id, name: user.firstname ?? "Владелец", phone: user.phone ?? "", email: user.email ?? "", is_approved: true, salon_name: salonName };
}
