/**
 * What an administrator may send from the panel: plain text, not empty, at most WhatsApp's 65,536 characters,
 * without control characters other than line breaks and tabs (they render as nothing, or break the client's view).
 */
export const MAX_ANSWER_CHARS = 65_536;

export type AnswerTextProblem = { code: "empty" | "too_long" | "control_chars"; message: string };

// C0 except \t \n \r, DEL, C1, and lone surrogates (not text at all).
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkAnswerText(text: string): AnswerTextProblem | null {
  if (text.trim() === "") return { code: "empty", message: "Сообщение пустое: напишите текст ответа." };
  if ([...text].length > MAX_ANSWER_CHARS) return { code: "too_long", message: `Слишком длинное сообщение: WhatsApp принимает не больше ${MAX_ANSWER_CHARS} символов.` };
  if (CONTROL.test(text)) return { code: "control_chars", message: "В тексте есть невидимые управляющие символы: уберите их и отправьте снова." };
  return null;
}
