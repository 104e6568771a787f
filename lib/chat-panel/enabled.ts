/**
 * Whether the owner has the panel on (salons.settings.chat_panel.enabled, on unless switched off in the cabinet).
 * Read at every use: the frame page, each panel API call, each journal alert and frame install, so a switch is in
 * force at once. YClients documents no call that removes an installed frame: "off" means our frame stays in the
 * journal saying so, shows no chats, takes no answers, and the journal is no longer told about new messages.
 */
export function panelEnabled(settings: Record<string, unknown> | null | undefined): boolean {
  const section = settings?.chat_panel;
  return !(section && typeof section === "object" && (section as { enabled?: unknown }).enabled === false);
}

export const PANEL_OFF = {
  code: "panel_off",
  title: "Чаты выключены",
  text: "Владелец салона выключил чаты Admin AI в журнале YClients: здесь не показываются переписки и нельзя ответить. Включить их снова можно в кабинете Admin AI, раздел «Настройки».",
} as const;
