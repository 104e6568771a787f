/** YClients' wire format as the sandbox speaks it: the envelope, error bodies, list parameters, JSON bodies. */
import type { Context } from "hono";

export class YcHttpError extends Error {
  constructor(readonly status: number, message: string, readonly errors?: unknown) {
    super(message);
  }
}

export const MSG = {
  auth: "Необходима авторизация",
  rights: "Недостаточно прав",
  rate: "Превышен лимит запросов",
  server: "Внутренняя ошибка сервера",
  notFound: "Не найдено",
  record: "Запись не найдена",
  app: "Нет доступа к приложению.",
  notInstalled: "Приложение не установлено в салоне.",
};

export const digits = (s: string) => s.replace(/\D/g, "");
export const toMin = (hm: string) => Number(hm.slice(0, 2)) * 60 + Number(hm.slice(3, 5));
export const hhmm = (min: number) => `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;

export function ok(c: Context, data: unknown, meta: unknown = [], status: 200 | 201 = 200) {
  return c.json({ success: true, data, meta }, status);
}

export function queryList(c: Context, name: string): number[] {
  const raw = [...(c.req.queries(`${name}[]`) ?? []), ...(c.req.queries(name) ?? [])];
  return raw.flatMap((v) => v.split(",")).filter((v) => v !== "").map(Number).filter(Number.isFinite);
}

export async function body(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text === "") return {};
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new YcHttpError(400, "Некорректный JSON");
}
export const sid = (c: Context) => Number(c.req.param("cid"));
