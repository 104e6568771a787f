/**
 * Per-salon chat settings, kept in `salons.settings.assistant` (all optional):
 * `burst_wait_sec` — the quiet window: how long after a client's last message, with no sign of typing, before
 * answering (default 1);
 * `typing_wait_max_sec` — while WhatsApp says the client is typing, wait for the rest up to this long after their
 * last message (default 8; a client who "types" forever is answered then);
 * `admin_pause_min` — how long the assistant stays quiet after the administrator writes (default 120);
 * `handover_pause_min` — how long after a handover to a human (default 240);
 * `enabled` — the owner's switch (default on; off: every chat gets the fixed reply and goes to the salon's people);
 * `handover_phone` — where handover notices go (default: the salon's own WhatsApp number).
 */
export interface ChatSettings {
  burstWaitSec: number;
  typingWaitMaxSec: number;
  adminPauseMin: number;
  handoverPauseMin: number;
  enabled: boolean;
  handoverPhone: string | null;
}

export const DEFAULT_CHAT_SETTINGS: ChatSettings = { burstWaitSec: 1, typingWaitMaxSec: 8, adminPauseMin: 120, handoverPauseMin: 240, enabled: true, handoverPhone: null };

function num(v: unknown, min: number, max: number, fallback: number): number {
  const n = typeof v === "number" ? v : typeof v === "string" && v.trim() !== "" ? Number(v) : NaN;
  return Number.isFinite(n) && n >= min && n <= max ? n : fallback;
}

export function chatSettings(settings: Record<string, unknown> | null | undefined): ChatSettings {
  const a = (settings?.assistant ?? {}) as Record<string, unknown>;
  return {
    burstWaitSec: num(a.burst_wait_sec, 0, 60, DEFAULT_CHAT_SETTINGS.burstWaitSec),
    typingWaitMaxSec: num(a.typing_wait_max_sec, 0, 30, DEFAULT_CHAT_SETTINGS.typingWaitMaxSec),
    adminPauseMin: num(a.admin_pause_min, 0, 7 * 24 * 60, DEFAULT_CHAT_SETTINGS.adminPauseMin),
    handoverPauseMin: num(a.handover_pause_min, 0, 7 * 24 * 60, DEFAULT_CHAT_SETTINGS.handoverPauseMin),
    enabled: a.enabled !== false,
    handoverPhone: typeof a.handover_phone === "string" && /^\d{10,15}$/.test(a.handover_phone) ? a.handover_phone : null,
  };
}
