/**
 * "Stop means stop": a client who says stop gets nothing proactive from the salon any more (campaigns and the
 * channel's advertising; messages about their own bookings still go). Kept per salon, by a hash of the chat so it
 * outlives the removal of the client's data.
 *
 * `stopRequest(text)` is the fast literal match the inbound flow applies before the assistant (which also has the
 * `opt_out` tool for paraphrases); `dataRemovalRequest(text)` tells "delete my data" apart, which only the salon's
 * administrator may carry out (from the cabinet).
 *
 * Public API: `isOptedOut`, `optOut`, `optIn`, `optedOutAmong`, `stopRequest`, `dataRemovalRequest`,
 * `OPT_OUT_CONFIRMATION`.
 */
import type { Services } from "../services.js";
import { outreachStore, type OptOutSource } from "./store.js";

export const OPT_OUT_CONFIRMATION = "Хорошо, больше не будем писать вам первыми. Сообщения о ваших записях будут приходить как прежде.";

export const isOptedOut = (s: Pick<Services, "db">, salonId: number, chat: string) => outreachStore.optedOut(s.db, salonId, chat);

/** True when the chat was not opted out before; drops what is queued for it. */
export const optOut = (s: Pick<Services, "db" | "clock">, salonId: number, chat: string, source: OptOutSource) =>
  outreachStore.optSet(s.db, salonId, chat, true, source, s.clock.now());

/** True when the chat was opted out before. */
export const optIn = (s: Pick<Services, "db" | "clock">, salonId: number, chat: string) =>
  outreachStore.optSet(s.db, salonId, chat, false, "cabinet", s.clock.now());

/** Of these chats, the set that opted out (the chat panel's mark). */
export async function optedOutAmong(s: Pick<Services, "db">, salonId: number, chats: string[]): Promise<Set<string>> {
  return chats.length ? new Set(await outreachStore.optedOutAmong(s.db, salonId, chats)) : new Set();
}

const normalize = (text: string) =>
  text.toLowerCase().replace(/ё/g, "е").replace(/[^\p{L}\p{N}\s]/gu, " ").replace(/\s+/g, " ").trim();

/**
 * The whole message is a stop request: short and made of a stop phrase (with "пожалуйста", "больше" and the like
 * around it). A longer message that merely contains "стоп" ("стоп, перенесите на 5") is left to the assistant.
 */
const STOP = /^(?:(?:пожалуйста|больше|мне|нам|сюда|вы|уже|и|все|всё|спасибо|хватит|не надо|не нужно) )*(?:стоп|stop|отписаться|отпишите(?: меня)?|отписка|unsubscribe|не пишите(?: мне)?|не присылайте(?: мне)?(?: рассылки| сообщения| рекламу)?|хватит писать|не беспокойте(?: меня)?|прекратите рассылку|уберите (?:меня )?из рассылки|без рассылок)(?: (?:пожалуйста|больше|мне|сюда|спасибо))*$/;

export const stopRequest = (text: string): boolean => STOP.test(normalize(text));

const REMOVE_DATA = /(удалите|удалить|сотрите|стереть|уберите) (?:(?:все|всю|пожалуйста|мои|мою|мой|меня|обо мне|из) )*(данные|персональные данные|информацию|базы|контакт|номер)/;

export const dataRemovalRequest = (text: string): boolean => REMOVE_DATA.test(normalize(text));

/** What a client asking to delete their data hears, and the reason the administrator's handover notice gives. */
export const DATA_REMOVAL = {
  reply: "Передала вашу просьбу администратору салона: он удалит ваши данные и сообщит вам здесь. Писать вам первыми мы больше не будем.",
  reason: "Клиент просит удалить его данные. Удалите их в кабинете: «Клиенты» → «Удалить данные клиента»",
};
