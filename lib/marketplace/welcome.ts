/**
 * The first message the salon sees from the product, sent to its own WhatsApp number after activation
 * (original-system.md §1.2, kept word for word). Sent once per activation: the idempotency key is fixed per salon
 * and activation (a repeated activation of an active salon keeps its activation time), and the gateway returns the
 * first send's message id for a repeated key. A reinstall after an uninstall is a new activation and is welcomed.
 */
export function welcomeText(phoneDigits: string): string {
  return [
    "🎉 Поздравляем! Admin AI успешно подключен!",
    "",
    "Я готов помогать вашим клиентам:",
    "✅ Записывать на услуги",
    "✅ Отвечать на вопросы",
    "✅ Напоминать о визитах",
    "",
    "Для теста отправьте мне сообщение:",
    "\"Хочу записаться на стрижку\"",
    "",
    `📱 Ваш номер для клиентов: +${phoneDigits}`,
    "💡 Инструкция: https://ai-admin.app/guide",
  ].join("\n");
}

export const welcomeIdempotencyKey = (salonId: number, activatedAtMs: number) => `welcome:${salonId}:${activatedAtMs}`;
