/**
 * The original greeted on every message (§5.2): the prompt asked it not to, and the model did anyway. The prompt
 * still says whether a greeting is due; this guard makes sure a greeting that is not due never reaches the client.
 */
const WORDS = /^\s*(?:здравствуйте|здравствуй|добрый\s+(?:день|вечер)|доброе\s+утро|доброй\s+ночи|приветствую(?:\s+вас)?|привет|hello|hi)(?=[\s!.,)]|$)/iu;
/** ", Анна!" after the greeting: a capitalised word closed by punctuation, so "Добрый день, чем…" keeps "чем". */
const NAME = /^\s*,?\s*[А-ЯЁA-Z][а-яёa-z-]+\s*(?=[!.,)])/u;
const PUNCT = /^[\s!.,)]*/u;

function greetingLength(text: string): number {
  let pos = 0;
  for (;;) {
    const w = WORDS.exec(text.slice(pos));
    if (!w) return pos;
    pos += w[0].length;
    const n = NAME.exec(text.slice(pos));
    if (n) pos += n[0].length;
    pos += PUNCT.exec(text.slice(pos))![0].length;
  }
}

/** Removes a leading greeting ("Здравствуйте, Анна! …") and capitalises what remains. */
export function stripGreeting(text: string): string {
  const len = greetingLength(text);
  if (len === 0) return text;
  const rest = text.slice(len).trimStart();
  if (rest === "") return text;
  return rest.charAt(0).toUpperCase() + rest.slice(1);
}

export function startsWithGreeting(text: string): boolean {
  return greetingLength(text) > 0;
}
