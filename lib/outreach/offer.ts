/**
 * Offering a proactive message: everything the bot writes first that is not about the client's own booking (review
 * requests, "we miss you", birthdays, the notification channel's advertising) enters here and nowhere else. The
 * message is stored in the outbox (`outreach_messages`) and leaves later through the paced sender (sender.ts), once
 * per `dedupeKey` per salon, even across crashes.
 *
 * Results: "queued"; "duplicate" (this key was offered before, whatever became of it); "opted_out" (the client said
 * stop: nothing proactive, advertising or not); "off" (the salon turned proactive messages off, or is not working).
 *
 * Counting (for the campaigns' charts): `outreachResults(services, salonId, from, to)` gives per kind and local day
 * the messages sent, delivered, read (WhatsApp's receipts), replied (the client wrote back within 7 days, before any
 * later proactive message to them: each answer counts for the one message it answers, a reaction is no answer, a
 * bare rating is one) and booked (a visit of that client created within 7 days); `outreachStatus` gives the
 * cabinet's summary.
 *
 * Public API: `offerProactive`, `ProactiveMessage`, `outreachResults`, `outreachStatus`, `resumeOutreach`.
 */
import type { Services } from "../services.js";
import { acceptsWork, getSalon } from "../salons/store.js";
import { outreachStore, type OfferResult, type OutreachKind } from "./store.js";

export type { OfferResult, OutreachKind };

export interface ProactiveMessage {
  salonId: number;
  /** The chat key (lib/identity/chats.ts). */
  chat: string;
  kind: OutreachKind;
  text: string;
  /** Once per salon and key, ever: e.g. `review:<record id>`, `winback:<client>:<month>`, `channel:<yc id>`. */
  dedupeKey: string;
  /** Dropped instead of sent when the cap or quiet hours hold it past this (a birthday that has passed). */
  notAfter?: Date;
  /** Advertising in the sense of the law (an offer, a promotion): counted apart; opt-outs cover it too. */
  advertising: boolean;
}

export async function offerProactive(s: Pick<Services, "db" | "clock">, msg: ProactiveMessage): Promise<OfferResult> {
  if (!acceptsWork(await getSalon(s.db, msg.salonId), "send")) return "off";
  return outreachStore.offer(s.db, { ...msg, notAfter: msg.notAfter ?? null }, s.clock.now());
}

export const outreachResults = (s: Pick<Services, "db">, salonId: number, from: Date, to: Date) => outreachStore.results(s.db, salonId, from, to);

export const outreachStatus = (s: Pick<Services, "db" | "clock">, salonId: number) => outreachStore.status(s.db, salonId, s.clock.now());

/** The owner has seen WhatsApp's restriction (463) and resumes proactive messages. */
export const resumeOutreach = (s: Pick<Services, "db">, salonId: number) => outreachStore.resume(s.db, salonId);
