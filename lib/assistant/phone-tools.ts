/**
 * The client's number in a chat WhatsApp knows only by a LID. A number the client types is remembered (once) for a
 * new booking in it; the client's existing visits are shown, cancelled or moved only by a number WhatsApp confirmed,
 * so nobody reaches someone else's visits by typing their number.
 */
import { z } from "zod";
import { bookingsStore } from "../bookings/store.js";
import { confirmedPhone, isTestChat, rememberTypedPhone } from "../identity/chats.js";
import { normalisePhone } from "../phone/index.js";
import { fail, tool, type ToolResult, type ToolState } from "./tool-kit.js";

/** The number a new booking is made in: WhatsApp's, else the one the client typed; null when neither is known. */
export const bookingPhone = (state: ToolState): string | null =>
  confirmedPhone(state.phone) ?? state.typedPhone ?? (isTestChat(state.phone) ? state.phone : null);

/** The refusal for a tool that reads or changes existing visits in a chat without a confirmed number, else null. */
export function needsConfirmedPhone(state: ToolState): ToolResult | null {
  if (confirmedPhone(state.phone)) return null;
  return state.typedPhone
    ? fail("phone_unconfirmed", "WhatsApp не подтвердил номер клиента: существующие записи по написанному номеру показать, отменить или перенести нельзя. Новую запись сделать можно; с остальным поможет администратор (handover)")
    : fail("phone_required", "WhatsApp скрыл номер: спроси номер телефона клиента (один раз) и сохрани его через remember_phone");
}

export const REMEMBER_PHONE = tool({
  name: "remember_phone",
  description: "Запомнить номер телефона, который написал клиент, когда WhatsApp скрыл его номер. Нужен для новой записи.",
  schema: z.object({ phone: z.string().trim().min(5).max(30) }),
  async run(state, { phone }) {
    const known = confirmedPhone(state.phone);
    if (known) return { ok: true, phone: known, note: "Номер клиента уже известен из WhatsApp" };
    const salon = await bookingsStore.salon(state.db, state.salonId);
    const digits = normalisePhone(phone, salon?.country);
    if (!digits) return fail("invalid_phone", "Это не похоже на номер телефона: попроси написать номер полностью, с кодом страны");
    await rememberTypedPhone(state.db, state.salonId, state.phone, digits);
    state.typedPhone = digits;
    return { ok: true, phone: digits, note: "Номер сохранён для новой записи; существующие записи по нему не показываются, пока WhatsApp не подтвердит номер" };
  },
});
