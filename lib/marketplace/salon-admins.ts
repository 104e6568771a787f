import type { Logger } from "../log.js";
import type { YClientsClient } from "../yclients/client.js";
import { YClientsError } from "../yclients/errors.js";
import type { YcCompanyUser } from "../yclients/types.js";

/**
 * Is this YClients user an administrator of this salon right now? Asked of YClients itself, at every use:
 * `GET /api/v1/company_users/{salon_id}` with `Bearer <partner>, User <YCLIENTS_USER_TOKEN>` lists the salon's users
 * with ids and rights. `/user/permissions/{salon_id}` cannot answer it: it lists the rights of the token's own user
 * (our application's system user), not of the person in `user_data`.
 *
 * "Administrator" is `access.settings_access === true`: the right to the salon's settings section, where YClients
 * itself connects integrations; a receptionist or a master with journal rights only cannot link the salon's WhatsApp.
 */
export type SalonAdminCheck = "admin" | "not_member" | "not_admin" | "unconfirmed" | "unavailable";

export const ADMIN_RIGHT = "settings_access";

/** The owner is waiting on the redirect; YClients gets this long (retries included) per salon. */
export const ADMIN_CHECK_TIMEOUT_MS = 5000;

export function isSalonAdmin(users: YcCompanyUser[], userId: number): SalonAdminCheck {
  const user = users.find((u) => Number(u.id) === userId);
  if (!user) return "not_member";
  return user.access?.[ADMIN_RIGHT] === true ? "admin" : "not_admin";
}

export async function checkSalonAdmin(yc: YClientsClient, log: Logger, salonId: number, userId: number): Promise<SalonAdminCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const users = await Promise.race([
      yc.listCompanyUsers(salonId),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`YClients did not answer within ${ADMIN_CHECK_TIMEOUT_MS} ms`)), ADMIN_CHECK_TIMEOUT_MS);
      }),
    ]);
    return isSalonAdmin(users, userId);
  } catch (err) {
    // 401/403/404: YClients will not show us this salon's users (the app is not installed there, or our system user
    // lacks the users right there). Nothing is confirmed, so nothing opens; a 5xx or no answer may pass on retry.
    const refused = err instanceof YClientsError && err.status < 500 && err.status !== 429;
    log.warn({ salonId, userId, err: (err as Error).message }, "salon administrator check failed");
    return refused ? "unconfirmed" : "unavailable";
  } finally {
    clearTimeout(timer);
  }
}
