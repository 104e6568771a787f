/**
 * The owner's "delete this client's data" (the client asked, lib/outreach/client-requests.ts handed it over): the
 * chat's messages, conversation, read marks and outbox rows are removed (SQL `outreach_forget_chat`); the opt-out
 * stays, by hash only, so the salon never writes first to that number again. YClients and the records synced from
 * it are the salon's CRM and are not touched.
 *
 * Public API: `forgetClient(services, salonId, input)`, `ForgetError`.
 */
import { ChatKey } from "../identity/chats.js";
import { normalisePhone } from "../phone/index.js";
import { getSalon } from "../salons/store.js";
import type { Services } from "../services.js";
import { optOut } from "./opt-out.js";
import { outreachStore } from "./store.js";

export class ForgetError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ForgetError";
  }
}

/** `input` is the client's number as the owner typed it, or a chat key from the chat panel (a LID chat). */
export async function forgetClient(s: Pick<Services, "db" | "clock" | "log">, salonId: number, input: string): Promise<{ chat: string; messages: number }> {
  const trimmed = input.trim();
  const salon = await getSalon(s.db, salonId);
  const chat = trimmed.endsWith("@lid") && ChatKey.safeParse(trimmed).success ? trimmed : normalisePhone(trimmed, salon?.country);
  if (!chat) throw new ForgetError("Номер клиента: с кодом страны, например +7 916 123-45-67.");
  await optOut(s, salonId, chat, "cabinet");
  const messages = await outreachStore.forgetChat(s.db, salonId, chat);
  s.log.info({ salonId, messages }, "cabinet: a client's data removed at their request");
  return { chat, messages };
}
