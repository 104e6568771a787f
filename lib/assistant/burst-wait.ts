/**
 * When to answer a burst. With no sign of typing, a short quiet window after the client's last message (they may be
 * sending a second line); while WhatsApp says they are typing, keep looking every second, up to the salon's cap
 * after their last message, so the answer comes soon after they stop and a client who "types" forever is answered
 * at the cap. The gateway reports presence only while a reply is pending (whatsapp-gateway/sessions/typing-watch.ts).
 */
import { chatSettings } from "../conversations/settings.js";
import type { ReplyWaitState } from "./store.js";

/** How often a waiting reply looks again. */
export const RECHECK_SEC = 1;
/** A "typing" older than this is a report that never got its "paused" (a phone that went offline mid-sentence). */
export const TYPING_STALE_SEC = 10;

export type WaitDecision = { answer: true } | { answer: false; delaySec: number; reason: "quiet_window" | "typing" };

export function burstDecision(state: ReplyWaitState, now: Date): WaitDecision {
  if (state.newer) return { answer: true }; // the newest message's own job answers; this one only bows out
  const { burstWaitSec, typingWaitMaxSec } = chatSettings(state.settings);
  const ageSec = (now.getTime() - Date.parse(state.received_at)) / 1000;
  if (ageSec >= Math.max(burstWaitSec, typingWaitMaxSec)) return { answer: true };
  const typingAt = state.presence_at ? Date.parse(state.presence_at) : NaN;
  const typing =
    (state.presence === "composing" || state.presence === "recording") &&
    typingAt >= Date.parse(state.received_at) &&
    now.getTime() - typingAt < TYPING_STALE_SEC * 1000;
  if (typing && ageSec < typingWaitMaxSec) return { answer: false, delaySec: RECHECK_SEC, reason: "typing" };
  if (ageSec < burstWaitSec) return { answer: false, delaySec: Math.max(RECHECK_SEC, Math.ceil(burstWaitSec - ageSec)), reason: "quiet_window" };
  return { answer: true };
}
