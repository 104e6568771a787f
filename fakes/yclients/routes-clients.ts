/** Client search, and the deprecated client listing (the one that shows birth dates). */
import type { Hono } from "hono";
import { clientFields } from "./data.js";
import type { SandboxState } from "./state.js";
import { YcHttpError, body, digits, ok, sid } from "./wire.js";

export function clientsRoutes(app: Hono, st: SandboxState): void {
  const { salon } = st;
  app.post("/api/v1/company/:cid/clients/search", async (c) => {
    const s = salon(sid(c));
    const b = await body(c);
    const page = Math.max(1, Number(b.page ?? 1));
    const pageSize = Math.min(200, Math.max(1, Number(b.page_size ?? 25)));
    const fields = Array.isArray(b.fields) && b.fields.length ? (b.fields as string[]) : ["id"];
    let list = s.clients;
    for (const f of (Array.isArray(b.filters) ? b.filters : []) as Array<{ type?: string; state?: { value?: unknown } }>) {
      if (f.type === "quick_search") {
        const v = String(f.state?.value ?? "").toLowerCase();
        const d = digits(v);
        list = list.filter((x) => (d.length >= 3 && digits(x.phone).includes(d)) || x.name.toLowerCase().includes(v));
      } else if (f.type === "id") {
        const ids = Array.isArray(f.state?.value) ? (f.state!.value as unknown[]).map(Number) : [];
        list = list.filter((x) => ids.includes(x.id));
      } else {
        throw new YcHttpError(400, "Недопустимое значение фильтра", { filters: ["Недопустимое значение состояния фильтра"] });
      }
    }
    const orderBy = String(b.order_by ?? "id");
    const desc = String(b.order_by_direction ?? "ASC").toUpperCase() === "DESC";
    if (orderBy !== "id") {
      list = [...list].sort((a, z) => {
        const av = (a as unknown as Record<string, unknown>)[orderBy] ?? "";
        const zv = (z as unknown as Record<string, unknown>)[orderBy] ?? "";
        return av < zv ? -1 : av > zv ? 1 : a.id - z.id;
      });
    }
    if (desc) list = [...list].reverse();
    const items = list.slice((page - 1) * pageSize, page * pageSize).map((x) => clientFields(x, fields));
    return ok(c, items, { total_count: list.length });
  });
  app.get("/api/v1/clients/:cid", (c) => {
    const s = salon(sid(c));
    const page = Math.max(1, Number(c.req.query("page") ?? 1));
    const count = Math.min(200, Math.max(1, Number(c.req.query("count") ?? 20)));
    const items = s.clients.slice((page - 1) * count, page * count).map((x) => ({
      id: x.id, name: x.name, phone: x.phone, email: x.email, birth_date: x.birth_date ?? "", spent: x.sold_amount, visits: x.visits_count,
    }));
    return ok(c, items, { page, total_count: s.clients.length });
  });
}
