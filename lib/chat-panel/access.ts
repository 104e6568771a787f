import { checkSalonAdmin } from "../marketplace/salon-admins.js";
import type { Logger } from "../log.js";
import type { YClientsClient } from "../yclients/client.js";
import { cookieIsSecure } from "../web-session/index.js";

/**
 * Who may use the panel: any user YClients lists for the salon in `/company_users` right now, administrator or
 * not. The panel is where the front desk answers clients, and YClients itself only shows its chat frame to users
 * with chat rights; an id YClients does not list for the salon (a forged `user_id`) opens nothing.
 */
export type PanelRefusal = { status: 403 | 503; code: string; title: string; text: string };

export async function verifySalonUser(d: { yclients: YClientsClient; log: Logger }, salonId: number, userId: number): Promise<PanelRefusal | null> {
  const verdict = await checkSalonAdmin(d.yclients, d.log, salonId, userId);
  if (verdict === "admin" || verdict === "not_admin") return null;
  if (verdict === "unavailable") {
    return { status: 503, code: "yclients_unavailable", title: "YClients не ответил", text: "Не удалось проверить ваш доступ в YClients. Откройте чат заново через минуту." };
  }
  return { status: 403, code: "not_salon_user", title: "Нет доступа к чатам", text: "YClients не подтверждает, что вы сотрудник этого филиала, поэтому его чаты здесь не показываются." };
}

/**
 * Who may frame the panel: YClients' pages, and on `npm start` (plain http on loopback) any local page, so the
 * sandbox's stand-in journal and the browser test can frame it from another origin as YClients does.
 */
export function frameAncestors(publicUrl: string): string {
  const yclients = "https://yclients.com https://*.yclients.com";
  return cookieIsSecure(publicUrl) ? yclients : `${yclients} http://localhost:* http://127.0.0.1:*`;
}
