// The salon's cabinet: tabs over the JSON API of functions/routes/cabinet/index.ts. Changes carry the session's
// CSRF token as X-CSRF-Token; every error the server sends is Russian and says what to do, and is shown as is.
const config = JSON.parse(document.getElementById("cabinet-config").textContent);
const $ = (id) => document.getElementById(id);

async function api(path, body) {
  const res = await fetch(config.api + path, body === undefined
    ? { credentials: "same-origin" }
    : { method: "POST", credentials: "same-origin", headers: { "content-type": "application/json", "x-csrf-token": config.csrf }, body: JSON.stringify(body) });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(json?.error?.message ?? "Сервер не ответил. Обновите страницу через минуту.");
  return json;
}

function say(el, text, kind) {
  el.textContent = text;
  el.dataset.kind = kind;
}

// ---- salons and tabs ----
if (config.salons.length > 1) {
  const sw = $("salon-switch");
  for (const s of config.salons) sw.append(new Option(s.title, s.href, false, s.id === config.salonId));
  sw.hidden = false;
  sw.addEventListener("change", () => { location.href = sw.value; });
}
const loaded = new Set();
function show(name) {
  for (const tab of document.querySelectorAll("[role=tab]")) {
    const on = tab.dataset.panel === name;
    tab.setAttribute("aria-selected", String(on));
    $("panel-" + tab.dataset.panel).hidden = !on;
  }
  if (!loaded.has(name)) {
    loaded.add(name);
    ({ overview: loadOverview, settings: loadSettings, texts: loadTexts, results: loadResults, chat: loadChat })[name]?.();
  }
}
for (const tab of document.querySelectorAll("[role=tab]")) tab.addEventListener("click", () => show(tab.dataset.panel));

// ---- overview ----
const when = (iso) => (iso ? new Date(iso).toLocaleString("ru-RU", { dateStyle: "short", timeStyle: "short" }) : "—");
async function loadOverview() {
  try {
    const o = await api("/overview");
    $("wa-state").textContent = o.whatsapp.text;
    $("wa-state").dataset.view = o.whatsapp.view;
    $("wa-relink").href = config.onboardingUrl;
    const sync = o.lastSync;
    $("last-sync").textContent = sync
      ? `${sync.status === "ok" ? "Последняя" : sync.status === "running" ? "Идёт сейчас" : "Не удалась"}: ${when(sync.finished_at ?? sync.started_at)}. `
        + Object.entries(sync.counts ?? {}).map(([k, v]) => `${({ services: "услуг", staff: "мастеров", clients: "клиентов", records: "записей", schedules: "графиков", company: "салон" })[k] ?? k}: ${v}`).join(", ")
      : "Ещё не было.";
    const out = o.outreach;
    $("outreach-summary").textContent = out
      ? `${out.stoppedAt ? "Остановлены." : `Сегодня отправлено ${out.sentToday}, в очереди ${out.queued}.`} Отписались от сообщений первыми: ${out.optedOut}.`
      : "—";
    const list = $("attention");
    list.replaceChildren(...(o.attention.length ? o.attention : [{ code: "none", text: "Всё в порядке." }]).map((a) => {
      const li = document.createElement("li");
      li.dataset.code = a.code;
      li.textContent = a.text;
      return li;
    }));
  } catch (err) {
    $("wa-state").textContent = err.message;
  }
}

// ---- settings ----
const SECTIONS = {
  notifications: ["bookingCreated", "bookingChanged", "bookingCancelled", "delaySec", "reminderDayBefore", "dayBeforeFrom", "dayBeforeTo", "reminderHoursBefore", "hoursBefore", "bookingTexts", "quietHours", "quietFrom", "quietTo"],
  assistant: ["enabled", "handover_phone", "burst_wait_sec", "typing_wait_max_sec", "admin_pause_min", "handover_pause_min", "facts"],
  outreach: ["enabled", "dailyCap", "spacingMinSec", "spacingMaxSec", "stopOn463"],
  campaigns: ["reviewEnabled", "reviewAfterHours", "reviewYandexUrl", "review2gisUrl", "reviewGoogleUrl", "winbackEnabled", "winbackDays", "birthdayEnabled", "birthdayAt", "birthdayOffer"],
};
// The outreach keys share names with others ("enabled"): their fields and history names carry the section.
const field = (section, key) => form.elements[section === "outreach" ? `outreach_${key}` : key];
const NAMES = {
  bookingCreated: "подтверждение записи", bookingChanged: "уведомление об изменении", bookingCancelled: "уведомление об отмене",
  delaySec: "задержка подтверждения", reminderDayBefore: "напоминание накануне", dayBeforeFrom: "напоминание накануне с",
  dayBeforeTo: "напоминание накануне до", reminderHoursBefore: "напоминание за часы", hoursBefore: "за сколько часов",
  enabled: "ассистент включён", handover_phone: "телефон для передачи чатов", quietHours: "тихие часы", quietFrom: "тихие часы с", quietTo: "тихие часы до", burst_wait_sec: "ожидание продолжения", typing_wait_max_sec: "ожидание, пока клиент печатает",
  bookingTexts: "кто отправляет тексты о записях",
  admin_pause_min: "пауза после администратора", handover_pause_min: "пауза после передачи", facts: "сведения о салоне",
  "outreach.enabled": "сообщения первыми", "outreach.dailyCap": "сообщений в день", "outreach.spacingMinSec": "пауза между сообщениями от",
  "outreach.spacingMaxSec": "пауза между сообщениями до", "outreach.stopOn463": "остановка при ограничении WhatsApp",
  reviewEnabled: "запрос оценки после визита", reviewAfterHours: "оценка через часов", reviewYandexUrl: "ссылка Яндекс Карт",
  review2gisUrl: "ссылка 2ГИС", reviewGoogleUrl: "ссылка Google Карт", winbackEnabled: "«мы скучаем»", winbackDays: "дней без визита",
  birthdayEnabled: "поздравления с днём рождения", birthdayAt: "время поздравления", birthdayOffer: "предложение ко дню рождения",
};
let current = null;
const form = $("settings-form");
function fill(settings) {
  current = settings;
  for (const [section, keys] of Object.entries(SECTIONS)) {
    for (const key of keys) {
      const input = field(section, key);
      const v = settings[section][key];
      if (input.type === "checkbox") input.checked = Boolean(v); else input.value = v ?? "";
    }
  }
}
const show1 = (v) => (v === true ? "вкл." : v === false ? "выкл." : v === null || v === undefined || v === "" ? "по умолчанию" : typeof v === "string" && v.length > 40 ? `«${v.slice(0, 40)}…»` : String(v));
function history(entries) {
  $("history").replaceChildren(...entries.map((h) => {
    const li = document.createElement("li");
    const what = h.section === "texts" ? `текст «${h.label}»` : h.section === "chat_panel" ? "чаты в журнале YClients" : NAMES[`${h.section}.${h.key}`] ?? NAMES[h.key] ?? h.key;
    li.textContent = `${when(h.at)} · пользователь ${h.user_id}: ${what}: ${h.section === "texts" ? (h.new === null ? "возвращён стандартный" : "изменён") : `${show1(h.old)} → ${show1(h.new)}`}`;
    return li;
  }));
}
async function loadSettings() {
  try {
    const [r, panel] = await Promise.all([api("/settings"), api("/chat-panel")]);
    fill(r.settings);
    history(r.history);
    showPanelSwitch(panel.enabled);
  } catch (err) {
    say($("settings-status"), err.message, "error");
  }
}

// ---- the chat panel in the YClients journal (its own switch: it also reinstalls the frame) ----
function showPanelSwitch(enabled) {
  $("chat-panel-state").textContent = enabled ? "Включены: администраторы видят чаты и отвечают клиентам прямо в журнале." : "Выключены владельцем.";
  $("chat-panel-state").dataset.enabled = String(enabled);
  $("chat-panel-toggle").textContent = enabled ? "Выключить чаты в журнале" : "Включить чаты в журнале";
  $("chat-panel-toggle").hidden = false;
}
$("chat-panel-toggle").addEventListener("click", async () => {
  const next = $("chat-panel-state").dataset.enabled !== "true";
  say($("chat-panel-status"), "Сохраняем…", "");
  try {
    const r = await api("/chat-panel", { enabled: next });
    showPanelSwitch(r.enabled);
    history(r.history);
    say($("chat-panel-status"), r.enabled ? "Включено. Окно чата вернётся в журнал YClients в течение минуты." : "Выключено. Действует сразу.", "ok");
  } catch (err) {
    say($("chat-panel-status"), err.message, "error");
  }
});
// An emptied number field is null: that key goes back to its default. Text that is no number reads as "" (the
// browser hides it), so it is sent as that text and the server says what to enter rather than resetting the key.
const numberOf = (input) => (input.validity.badInput ? input.value : input.value === "" ? null : Number(input.value));
form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const status = $("settings-status");
  say(status, "Сохраняем…", "");
  try {
    let last = null;
    for (const [section, keys] of Object.entries(SECTIONS)) {
      const patch = {};
      for (const key of keys) {
        const input = field(section, key);
        const v = input.type === "checkbox" ? input.checked : input.type === "number" ? numberOf(input) : input.value;
        if (v !== current[section][key]) patch[key] = v;
      }
      if (Object.keys(patch).length) last = await api("/settings", { section, patch });
    }
    if (!last) return say(status, "Изменений нет.", "ok");
    fill(last.settings);
    history(last.history);
    say(status, "Сохранено. Действует сразу.", "ok");
  } catch (err) {
    say(status, err.message, "error");
  }
});

$("outreach-resume").addEventListener("click", async () => {
  try {
    await api("/outreach/resume", {});
    say($("outreach-status"), "Сообщения первыми возобновлены.", "ok");
    void loadOverview();
  } catch (err) {
    say($("outreach-status"), err.message, "error");
  }
});
$("forget").addEventListener("click", async () => {
  try {
    const r = await api("/clients/forget", { phone: $("forget-phone").value });
    say($("outreach-status"), `Данные клиента удалены (сообщений: ${r.messages}). Писать ему первыми бот не будет.`, "ok");
  } catch (err) {
    say($("outreach-status"), err.message, "error");
  }
});

// ---- texts ----
let texts = null;
const kindSel = $("text-kind");
const editor = $("text-editor");
function pick() {
  const t = texts.texts.find((x) => x.kind === kindSel.value);
  editor.value = t.own ?? t.default;
  $("text-placeholders").textContent = `Подстановки (до ${texts.limit} символов): ` + Object.entries(t.placeholders).map(([k, v]) => `{${k}} — ${v}`).join("; ");
  $("text-preview").hidden = true;
  say($("text-status"), t.own ? "Свой текст салона." : "Стандартный текст.", "");
}
async function loadTexts() {
  try {
    texts = await api("/texts");
    const keep = kindSel.value;
    kindSel.replaceChildren(...texts.texts.map((t) => new Option(t.title, t.kind)));
    if (keep) kindSel.value = keep;
    pick();
  } catch (err) {
    say($("text-status"), err.message, "error");
  }
}
kindSel.addEventListener("change", pick);
$("text-preview-button").addEventListener("click", async () => {
  try {
    const p = await api("/texts/preview", { kind: kindSel.value, text: editor.value });
    $("text-preview").textContent = p.text;
    $("text-preview").hidden = false;
    say($("text-status"), p.sample ? "Так выглядит сообщение (пример: у салона нет предстоящих записей)." : "Так клиент увидит сообщение о ближайшей записи салона.", "ok");
  } catch (err) {
    say($("text-status"), err.message, "error");
  }
});
async function saveText(text) {
  try {
    texts = await api("/texts", { kind: kindSel.value, text });
    pick();
    say($("text-status"), text === null ? "Вернули стандартный текст." : "Сохранено. Следующие сообщения уйдут с этим текстом.", "ok");
  } catch (err) {
    say($("text-status"), err.message, "error");
  }
}
$("text-save").addEventListener("click", () => saveText(editor.value));
$("text-reset").addEventListener("click", () => saveText(null));

show("overview");

// ---- results: SVG drawn by the server (lib/cabinet/charts-svg.ts) ----
async function loadResults() {
  try {
    const r = await api("/results");
    // The fragments are built and escaped on the server from numbers and fixed labels.
    $("results").innerHTML = r.charts.map((c) => c.html).join("");
  } catch (err) {
    say($("results-status"), err.message, "error");
  }
}

// ---- test chat ----
function chatLine(direction, text, note = false) {
  const li = document.createElement("li");
  li.dataset.direction = direction;
  if (note) li.className = "note";
  li.textContent = text;
  $("chat-log").append(li);
  li.scrollIntoView({ block: "nearest" });
  return li;
}
async function loadChat() {
  try {
    const chat = await api("/test-chat");
    for (const m of chat.messages) chatLine(m.direction, m.text);
    if (!chat.enabled) {
      say($("chat-status"), "Ассистент выключен: не задан ключ языковой модели (GEMINI_API_KEY). Тестовый чат заработает, когда ключ будет задан.", "error");
      $("chat-send").disabled = true;
    }
  } catch (err) {
    say($("chat-status"), err.message, "error");
  }
}
$("chat-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("chat-input").value.trim();
  if (!text) return;
  $("chat-send").disabled = true;
  chatLine("in", text);
  $("chat-input").value = "";
  say($("chat-status"), "Ассистент печатает…", "");
  try {
    const a = await api("/test-chat", { text });
    for (const t of a.replies) chatLine("out", t);
    for (const b of a.checked) {
      chatLine("note", `Проверено в YClients: ${b.service}, ${b.date_human} в ${b.time}, мастер ${b.staff_name} — время свободно. В тестовом чате запись не создаётся.`, true).dataset.testid = "chat-checked";
    }
    if (a.handover) chatLine("note", `В настоящем чате здесь бот передал бы разговор администратору (${a.handover}).`, true);
    say($("chat-status"), "", "");
  } catch (err) {
    say($("chat-status"), err.message, "error");
  } finally {
    $("chat-send").disabled = false;
  }
});
