// The salon's WhatsApp chats in YClients' chat frame. The page holds a short-lived panel token (never a cookie: the
// frame is cross-site) and sends it as a Bearer header; it polls every 2 s for new messages.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("panel-config").textContent);
  // The frame URL carries YClients' salon hash; keep it out of the address bar, history and any copy of it.
  history.replaceState(null, "", location.pathname);
  let token = config.token;
  const $ = (id) => document.getElementById(id);
  const POLL_MS = 2000;
  const state = { view: "list", chats: [], cursor: null, phone: null, lastId: 0, latest: 0, draftKey: null, sending: false };

  const KIND = {
    image: "📷 Фото", audio: "🎤 Голосовое сообщение", video: "🎬 Видео", document: "📎 Файл", sticker: "Стикер",
    location: "📍 Геопозиция", contact: "👤 Контакт", other: "Вложение",
  };
  const WHO = { in: "Клиент", out: "Бот", admin: "Администратор" };
  const SEND_STATUS = { queued: "в очереди", sending: "отправляется", sent: "отправлено", failed: "не доставлено", unknown: "статус неизвестен" };

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) e.setAttribute(k, v);
    for (const c of children) if (c !== null && c !== undefined) e.append(c);
    return e;
  }
  const time = (iso) => iso ? new Date(iso).toLocaleString("ru-RU", { timeZone: config.timeZone, day: "2-digit", month: "2-digit", hour: "2-digit", minute: "2-digit" }) : "";
  const who = (c) => c.name ? `${c.name} · +${c.phone}` : `+${c.phone}`;

  function expired(text) {
    $("expired").textContent = text || "Сессия чата истекла. Закройте и снова откройте чат в журнале YClients.";
    $("expired").hidden = false;
  }

  async function api(method, path, body) {
    const res = await fetch("/chat-panel/api/" + path, {
      method,
      headers: Object.assign({ authorization: "Bearer " + token }, body ? { "content-type": "application/json" } : {}),
      body: body ? JSON.stringify(body) : undefined,
      credentials: "omit",
    });
    const json = await res.json().catch(() => null);
    if (res.status === 401) expired(json && json.error && json.error.message);
    if (!res.ok) {
      const err = new Error((json && json.error && json.error.message) || "Ошибка " + res.status);
      err.status = res.status; err.code = json && json.error && json.error.code;
      throw err;
    }
    return json;
  }

  // ---- list ----
  function chatItem(c) {
    const last = c.last ? (c.last.kind === "text" ? c.last.text : (KIND[c.last.kind] || c.last.text || "Вложение")) : "";
    const marks = el("span", {},
      c.handed_over ? el("span", { class: "mark handover", "data-testid": "mark-handover" }, "передан вам") : null,
      !c.handed_over && c.paused_until ? el("span", { class: "mark paused", "data-testid": "mark-paused" }, "бот на паузе") : null,
      c.opted_out ? el("span", { class: "mark", "data-testid": "mark-opted-out", title: "Клиент отписался: бот не пишет ему первым" }, "отписан") : null,
      c.unread ? el("span", { class: "badge", "data-testid": "unread" }, c.unread >= 100 ? "99+" : String(c.unread)) : null);
    const li = el("li", { "data-testid": "chat-item", "data-phone": c.phone },
      el("div", { class: "row" }, el("span", { class: "name" }, who(c)), el("span", { class: "muted small" }, time(c.last_at))),
      el("div", { class: "row" }, el("span", { class: "preview" }, (c.last && c.last.direction !== "in" ? (WHO[c.last.direction] + ": ") : "") + last), marks));
    li.addEventListener("click", () => openChat(c.phone));
    return li;
  }

  async function loadList(more) {
    const q = more && state.cursor ? `?before_at=${encodeURIComponent(state.cursor.at)}&before_phone=${state.cursor.phone}` : "";
    const r = await api("GET", "conversations" + q);
    state.latest = Math.max(state.latest, r.latest);
    state.chats = more ? state.chats.concat(r.chats) : r.chats;
    const tail = r.chats[r.chats.length - 1];
    state.cursor = tail && tail.last_at ? { at: tail.last_at, phone: tail.phone } : null;
    $("chats").replaceChildren(...state.chats.map(chatItem));
    $("empty").hidden = state.chats.length > 0;
    $("more").hidden = r.chats.length < 30 || !state.cursor;
  }

  // ---- one chat ----
  function bubble(m) {
    const media = m.kind !== "text";
    const body = m.kind === "reaction"
      ? el("span", { class: "media" }, "Реакция " + (m.text || ""))
      : media ? el("span", { class: "media", "data-testid": "media-placeholder" }, (KIND[m.kind] || "Вложение") + (m.text && !/^\[.*\]$/.test(m.text) ? ": " + m.text : ""))
      : el("span", { class: "text" }, m.text || "—");
    const meta = [time(m.created_at)];
    if (m.direction !== "in" && m.send_status) meta.push(SEND_STATUS[m.send_status] || m.send_status);
    return el("li", { class: `msg ${m.direction}${m.send_status === "failed" ? " failed" : ""}`, "data-testid": "message", "data-direction": m.direction, "data-id": m.id },
      el("span", { class: "who" }, WHO[m.direction]), body, el("span", { class: "meta" }, meta.join(" · ")));
  }

  function showChatState(chat) {
    state.paused = Boolean(chat.pausedUntil);
    $("chat-name").textContent = who(chat);
    $("chat-state").textContent = (chat.handedOver ? "Бот передал чат вам" : chat.pausedUntil ? "Бот на паузе до " + time(chat.pausedUntil) : "Отвечает бот") + (chat.optedOut ? " · отписан от рассылок" : "");
    $("pause").textContent = chat.pausedUntil ? "Вернуть чат боту" : "Поставить бота на паузу";
  }

  async function openChat(phone) {
    state.view = "chat"; state.phone = phone; state.lastId = 0;
    $("list-view").hidden = true; $("chat-view").hidden = false;
    $("messages").replaceChildren(); $("answer-error").hidden = true;
    const r = await api("GET", "messages?phone=" + phone);
    showChatState(r.chat);
    $("messages").replaceChildren(...r.messages.map(bubble));
    $("older").hidden = r.messages.length < 50;
    afterAppend(r.messages);
    window.scrollTo(0, document.body.scrollHeight);
  }

  function afterAppend(messages) {
    if (!messages.length) return;
    state.lastId = Math.max(state.lastId, ...messages.map((m) => m.id));
    api("POST", "read", { phone: state.phone, throughId: state.lastId }).catch(() => {});
  }

  async function refreshChat() {
    const r = await api("GET", `messages?phone=${state.phone}` + (state.lastId ? `&after_id=${state.lastId}` : ""));
    showChatState(r.chat);
    const fresh = r.messages.filter((m) => m.id > state.lastId);
    // A pending bubble of ours is replaced by the stored message once it arrives.
    for (const m of fresh) document.querySelectorAll(".msg.pending").forEach((p) => { if (p.dataset.text === m.text && m.direction === "admin") p.remove(); });
    $("messages").append(...fresh.map(bubble));
    afterAppend(fresh);
  }

  $("older").addEventListener("click", async () => {
    const first = $("messages").querySelector("[data-id]");
    if (!first) return;
    const r = await api("GET", `messages?phone=${state.phone}&before_id=${first.dataset.id}`);
    $("messages").prepend(...r.messages.map(bubble));
    $("older").hidden = r.messages.length < 50;
  });

  $("back").addEventListener("click", () => {
    state.view = "list"; state.phone = null;
    $("chat-view").hidden = true; $("list-view").hidden = false;
    loadList(false).catch(() => {});
  });
  $("more").addEventListener("click", () => loadList(true).catch(() => {}));

  $("pause").addEventListener("click", async () => {
    try {
      await api("POST", "pause", { phone: state.phone, paused: !state.paused });
      await refreshChat();
    } catch (e) { showError(e.message); }
  });

  // YClients opens the client's card from a phone posted to its page.
  $("card").addEventListener("click", () => window.parent.postMessage({ action: "load_client", phone: state.phone }, "*"));
  window.addEventListener("message", (e) => {
    const d = e.data || {};
    if (e.source !== window.parent || (d.action !== "phone_change" && d.action !== "load_client")) return;
    const phone = String(d.phone || "").replace(/\D/g, "");
    if (/^[0-9]{7,15}$/.test(phone)) openChat(phone).catch(() => {});
  });

  // ---- answer ----
  function showError(text) { $("answer-error").textContent = text; $("answer-error").hidden = !text; }
  const newKey = () => Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  $("answer-text").addEventListener("input", () => { state.draftKey = null; showError(""); });

  $("answer").addEventListener("submit", async (e) => {
    e.preventDefault();
    if (state.sending) return;
    const text = $("answer-text").value;
    if (!text.trim()) { showError("Сообщение пустое: напишите текст ответа."); return; }
    // One key per draft: resending the same draft after an error can never send it twice.
    state.draftKey = state.draftKey || newKey();
    const pending = el("li", { class: "msg admin pending", "data-testid": "message-pending" }, el("span", { class: "who" }, "Администратор"), el("span", { class: "text" }, text), el("span", { class: "meta" }, "отправляется…"));
    pending.dataset.text = text;
    $("messages").append(pending);
    state.sending = true; $("send").disabled = true; showError("");
    try {
      await api("POST", "send", { phone: state.phone, text, key: state.draftKey });
      $("answer-text").value = ""; state.draftKey = null;
      pending.querySelector(".meta").textContent = "принято";
      await refreshChat();
    } catch (err) {
      pending.remove();
      showError(err.message);
    } finally {
      state.sending = false; $("send").disabled = false;
    }
  });

  // ---- live ----
  async function poll() {
    try {
      const r = await api("GET", "latest");
      if (r.latest !== state.latest) {
        state.latest = r.latest;
        if (state.view === "chat") await refreshChat(); else await loadList(false);
      }
    } catch (e) { if (e.status === 401) return; }
    setTimeout(poll, POLL_MS);
  }

  // Renew the token at half its life; YClients is asked about the user again each time.
  function scheduleRenew(expiresAt) {
    const wait = Math.max(10_000, (Date.parse(expiresAt) - Date.now()) / 2);
    setTimeout(async () => {
      try { const r = await api("POST", "renew"); token = r.token; scheduleRenew(r.expiresAt); } catch (e) { if (e.status !== 401) scheduleRenew(new Date(Date.now() + 60_000).toISOString()); }
    }, wait);
  }

  $("salon-title").textContent = config.title;
  scheduleRenew(config.expiresAt);
  (config.phone ? openChat(config.phone).catch(() => loadList(false)) : loadList(false)).finally(() => setTimeout(poll, POLL_MS));
})();
