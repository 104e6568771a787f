/** Turns the model's text into what WhatsApp shows well: plain text, a few messages at most, nothing leaked. */

const MAX_PARTS = 3;
const MAX_PART_CHARS = 1500;

export function cleanReply(text: string): string {
  return text
    .replace(/\[THINK\][\s\S]*?\[\/THINK\]/gi, "")
    .replace(/\[\/?RESPOND\]/gi, "")
    .replace(/\*\*(.+?)\*\*/g, "$1")
    .replace(/(^|\s)[*_~]{1,2}(\S[^*_~\n]*?)[*_~]{1,2}(?=\s|[.,!?]|$)/g, "$1$2")
    .replace(/^#{1,6}\s+/gm, "")
    .replace(/^[ \t]*[*•][ \t]+/gm, "— ")
    .replace(/[ \t]+\n/g, "\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Splits on blank lines into at most three messages, joining the tail so nothing is dropped. */
export function splitReply(text: string): string[] {
  const paragraphs = cleanReply(text).split(/\n\s*\n/).map((p) => p.trim()).filter(Boolean);
  if (paragraphs.length === 0) return [];
  const parts = paragraphs.length <= MAX_PARTS ? paragraphs : [...paragraphs.slice(0, MAX_PARTS - 1), paragraphs.slice(MAX_PARTS - 1).join("\n\n")];
  return parts.map((p) => (p.length > MAX_PART_CHARS ? `${p.slice(0, MAX_PART_CHARS - 1).trimEnd()}…` : p));
}

const CLAIMS = {
  create_booking: /(записал[аи]?\s+вас|вы\s+записаны|запись\s+(?:создана|оформлена|подтверждена))/iu,
  cancel_visit: /(отменил[аи]?\s+(?:вашу\s+)?запись|запись\s+отменена)/iu,
  reschedule_visit: /(перен[её]с(?:ла|ли)?\s+(?:вашу\s+)?запись|запись\s+перенесена)/iu,
} as const;

/** The actions a reply says were done that no successful tool call this turn backs. */
export function unbackedClaims(text: string, succeeded: ReadonlySet<string>): string[] {
  return Object.entries(CLAIMS)
    .filter(([tool, re]) => re.test(text) && !succeeded.has(tool))
    .map(([tool]) => tool);
}
