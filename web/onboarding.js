/**
 * The onboarding page's behaviour. Talks to the gateway's onboarding WebSocket (design.md "Onboarding WebSocket"):
 * the first frame is {type:"auth", token}; the token never goes into the socket URL. Keeps the socket up for as long
 * as the owner is on the page (reconnecting with backoff), asks for a new QR whenever the shown one has run out,
 * and on `connected` calls POST /marketplace/activate. Every state and error is shown in plain Russian.
 */
import { formatPhone, normalizePhone } from "./phone.js";

const config = JSON.parse(document.getElementById("onboarding-config").textContent);
const $ = (id) => document.getElementById(id);
const page = $("onboarding-page");

const state = {
  socket: null,
  authed: false,
  mode: "qr",
  attempt: 0,
  reconnectTimer: 0,
  qrTimer: 0,
  pairingTimer: 0,
  finished: false,
  activating: false,
  retry: null,
  phone: null,
};

const GATEWAY_ERRORS = {
  unauthorized: "Ссылка для подключения недействительна. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  token_invalid: "Ссылка для подключения недействительна. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  token_expired: "Ссылка для подключения устарела (она действует час). Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  invalid_phone: "WhatsApp не принял этот номер. Проверьте его и попробуйте снова.",
  pairing_failed: "Не удалось получить код. Попробуйте ещё раз или воспользуйтесь QR-кодом.",
  rate_limited: "Слишком много попыток подряд. Подождите минуту и попробуйте снова.",
  forbidden: "WhatsApp запретил подключение этого номера. Проверьте, что номер не заблокирован, и попробуйте снова.",
  connect_failed: "Не удалось связаться с WhatsApp. Проверьте интернет на телефоне и попробуйте ещё раз через минуту.",
  outdated_version: "WhatsApp сейчас не принимает подключения нашего сервиса. Мы уже знаем об этом; попробуйте ещё раз позже.",
  already_connected: "WhatsApp уже подключён. Обновите страницу, чтобы завершить подключение.",
  session_elsewhere: "Сервис WhatsApp сейчас перезапускается. Попробуйте ещё раз через минуту.",
  stopping: "Сервис WhatsApp сейчас перезапускается. Попробуйте ещё раз через минуту.",
  link_replaced: "Подключение этого салона открыли заново в другом окне. Продолжайте там или откройте приложение в маркетплейсе YClients ещё раз.",
  internal: "Что-то пошло не так на нашей стороне. Попробуйте ещё раз.",
};
const FATAL_GATEWAY_ERRORS = new Set(["unauthorized", "token_invalid", "token_expired", "link_replaced", "auth_failed", "forbidden_origin"]);

const ACTIVATION_ERRORS = {
  token_expired: "Ссылка для подключения устарела. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  token_invalid: "Ссылка для подключения недействительна. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  registration_expired: "С начала подключения прошло больше часа. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  not_registered: "Мы не нашли подключение этого салона. Откройте приложение в маркетплейсе YClients и нажмите «Подключить».",
  not_allowed: "Приложение для этого салона сейчас приостановлено или отключено в YClients.",
  whatsapp_not_connected: "WhatsApp ещё не подключился до конца. Подождите несколько секунд и нажмите «Попробовать ещё раз».",
  gateway_unavailable: "Сервис WhatsApp не ответил. Нажмите «Попробовать ещё раз» через минуту.",
  activation_failed: "YClients не подтвердил подключение. Нажмите «Попробовать ещё раз»; если не поможет — напишите в поддержку.",
  link_replaced: "Подключение этого салона открыли заново в другом окне. Продолжайте там или откройте приложение в маркетплейсе YClients ещё раз.",
  not_signed_in: "Вход из YClients истёк. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  salon_not_allowed: "Вы вошли из YClients для другого филиала. Откройте приложение в маркетплейсе YClients и нажмите «Подключить» ещё раз.",
  csrf_failed: "Страница устарела. Обновите её и попробуйте снова.",
  not_salon_admin: "YClients не подтвердил, что вы администратор этого филиала (нужен доступ к разделу «Настройки»).",
  yclients_unavailable: "YClients не ответил на проверку прав. Нажмите «Попробовать ещё раз» через минуту.",
};
const FINAL_ACTIVATION_ERRORS = new Set(["token_expired", "token_invalid", "registration_expired", "not_registered", "not_allowed",
  "link_replaced", "not_signed_in", "salon_not_allowed", "not_salon_admin"]);

function setState(s) {
  page.dataset.state = s;
}
function setStep(id, status) {
  $(id).dataset.status = status;
}
function show(id, visible) {
  $(id).hidden = !visible;
}
function text(id, value) {
  $(id).textContent = value;
}

function showError(message, retry) {
  text("error-text", message);
  state.retry = retry;
  show("retry-button", Boolean(retry));
  show("error-box", true);
}
function clearError() {
  show("error-box", false);
  state.retry = null;
}

// ---- socket ---------------------------------------------------------------------------------------------------

function send(msg) {
  if (state.authed && state.socket && state.socket.readyState === WebSocket.OPEN) state.socket.send(JSON.stringify(msg));
}

function onAuthenticated() {
  state.authed = true;
  text("socket-status", "Соединение установлено.");
  if (page.dataset.state === "connecting") setState("waiting");
  if (state.mode === "qr") requestQr();
  else text("pairing-status", state.phone ? "Соединение восстановлено. Если код не пришёл, запросите его снова." : "");
}

function connect() {
  if (state.finished) return;
  clearTimeout(state.reconnectTimer);
  text("socket-status", state.attempt === 0 ? "Соединяемся с сервисом WhatsApp…" : "Восстанавливаем соединение…");
  let ws;
  try {
    ws = new WebSocket(config.socketUrl);
  } catch {
    scheduleReconnect();
    return;
  }
  state.socket = ws;
  state.authed = false;
  ws.addEventListener("open", () => {
    // Nothing else may be sent until the gateway has checked the token: its first answer is a `status`.
    ws.send(JSON.stringify({ type: "auth", token: config.token }));
    state.attempt = 0;
    text("socket-status", "Проверяем ссылку…");
  });
  ws.addEventListener("message", (ev) => {
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch {
      return;
    }
    onMessage(msg);
  });
  ws.addEventListener("close", () => {
    if (state.socket !== ws) return;
    state.socket = null;
    if (!state.finished) scheduleReconnect();
  });
  ws.addEventListener("error", () => {
    // A close event always follows; reconnection is decided there.
  });
}

function scheduleReconnect() {
  if (state.finished) return;
  state.attempt += 1;
  const delay = Math.min(15000, 1000 * 2 ** Math.min(state.attempt - 1, 4));
  text("socket-status", `Связь с сервисом WhatsApp прервалась. Переподключаемся через ${Math.round(delay / 1000)} с…`);
  state.reconnectTimer = setTimeout(connect, delay);
}

function onMessage(msg) {
  if (!state.authed && (msg.type === "status" || msg.type === "connected")) onAuthenticated();
  switch (msg.type) {
    case "qr":
      return showQr(msg);
    case "pairing_code":
      return showPairingCode(msg);
    case "connected":
      return onConnected(msg.phone);
    case "status":
      return onStatus(msg.status);
    case "error":
      return onGatewayError(msg);
  }
}

function onStatus(status) {
  const lines = {
    connecting: "Подключаемся к WhatsApp…",
    qr: "Ждём сканирования QR-кода.",
    pairing: "Ждём ввода кода на телефоне.",
    logged_out: "Телефон отключил WhatsApp. Привяжите его заново.",
    forbidden: "WhatsApp запретил подключение этого номера.",
  };
  if (status === "connected") return; // the `connected` message carries the phone
  if (lines[status]) text("socket-status", lines[status]);
}

function onGatewayError(msg) {
  // WhatsApp stops issuing codes after a while without a scan; the owner is still here, so ask for a fresh one.
  if (msg.code === "qr_expired" && state.mode === "qr") {
    text("qr-status", "QR-код устарел. Получаем новый…");
    state.qrTimer = setTimeout(requestQr, 1000);
    return;
  }
  const message = GATEWAY_ERRORS[msg.code] || `Ошибка сервиса WhatsApp${msg.message ? `: ${msg.message}` : ""}. Попробуйте ещё раз.`;
  if (FATAL_GATEWAY_ERRORS.has(msg.code)) {
    state.finished = true;
    setState("fatal");
    setStep("step-connect", "failed");
    showError(message, null);
    if (state.socket) state.socket.close();
    return;
  }
  if (state.mode === "pairing") {
    text("pairing-status", "");
    $("phone-submit").disabled = false;
    text("phone-error", message);
    show("phone-error", true);
  } else {
    showError(message, () => {
      clearError();
      requestQr();
    });
  }
}

// ---- QR ---------------------------------------------------------------------------------------------------------

function requestQr() {
  clearTimeout(state.qrTimer);
  text("qr-status", "Получаем QR-код…");
  send({ type: "request_qr" });
  // If nothing arrives, ask again; this never gives up while the owner is on the page.
  state.qrTimer = setTimeout(() => state.mode === "qr" && !state.finished && requestQr(), 20000);
}

function showQr(msg) {
  clearTimeout(state.qrTimer);
  const img = $("qr-image");
  img.src = msg.dataUrl;
  img.dataset.qr = msg.qr;
  show("qr-image", true);
  show("qr-placeholder", false);
  setState("linking");
  let left = Math.max(1, Number(msg.expiresInSec) || 20);
  const tick = () => {
    if (left > 0) {
      text("qr-status", `Отсканируйте QR-код в WhatsApp. Код обновится через ${left} с.`);
      left -= 1;
      state.qrTimer = setTimeout(tick, 1000);
    } else {
      text("qr-status", "Обновляем QR-код…");
      state.qrTimer = setTimeout(() => state.mode === "qr" && !state.finished && requestQr(), 5000);
    }
  };
  tick();
}

// ---- pairing code -----------------------------------------------------------------------------------------------

function submitPhone(ev) {
  ev.preventDefault();
  show("phone-error", false);
  const phone = normalizePhone($("phone-input").value, config.phoneCountry);
  if (!phone) {
    text("phone-error", "Введите номер WhatsApp салона полностью, например +7 900 123-45-67.");
    show("phone-error", true);
    return;
  }
  if (!state.authed || !state.socket || state.socket.readyState !== WebSocket.OPEN) {
    text("phone-error", "Нет связи с сервисом WhatsApp. Подождите, мы переподключаемся, и попробуйте снова.");
    show("phone-error", true);
    return;
  }
  state.phone = phone;
  $("phone-input").value = formatPhone(phone);
  $("phone-submit").disabled = true;
  show("pairing-code", false);
  text("pairing-status", "Запрашиваем код…");
  // With "+": the gateway reads it as international, whatever country it would assume for a bare number.
  send({ type: "request_pairing_code", phone: `+${phone}` });
}

function showPairingCode(msg) {
  clearInterval(state.pairingTimer);
  const code = String(msg.code || "");
  text("pairing-code", code.length === 8 && !code.includes("-") ? `${code.slice(0, 4)}-${code.slice(4)}` : code);
  show("pairing-code", true);
  setState("linking");
  $("phone-submit").disabled = false;
  $("phone-submit").textContent = "Получить новый код";
  let left = Math.max(1, Number(msg.expiresInSec) || 60);
  const tick = () => {
    text("pairing-status", left > 0
      ? `Введите этот код в WhatsApp на телефоне ${formatPhone(state.phone || "")}. Код действует ещё ${left} с.`
      : "Код истёк. Нажмите «Получить новый код».");
    if (left <= 0) clearInterval(state.pairingTimer);
    left -= 1;
  };
  tick();
  state.pairingTimer = setInterval(tick, 1000);
}

function selectTab(mode) {
  state.mode = mode;
  $("tab-qr").setAttribute("aria-selected", String(mode === "qr"));
  $("tab-pairing").setAttribute("aria-selected", String(mode === "pairing"));
  show("panel-qr", mode === "qr");
  show("panel-pairing", mode === "pairing");
  clearError();
  if (mode === "qr") requestQr();
  else {
    clearTimeout(state.qrTimer);
    $("phone-input").focus();
  }
}

// ---- connected → activation -------------------------------------------------------------------------------------

function onConnected(phone) {
  if (state.activating || page.dataset.state === "done") return;
  clearTimeout(state.qrTimer);
  clearInterval(state.pairingTimer);
  if (phone) state.phone = String(phone);
  setStep("step-connect", "done");
  setStep("step-setup", "current");
  show("link-section", false);
  text("socket-status", "WhatsApp подключён.");
  activate(0);
}

async function activate(autoRetries) {
  clearError();
  state.activating = true;
  setState("activating");
  setStep("step-setup", "current");
  text("socket-status", "WhatsApp подключён. Настраиваем Admin AI…");
  let res;
  let body = null;
  try {
    res = await fetch(config.activateUrl, {
      method: "POST",
      headers: { "content-type": "application/json", "x-csrf-token": config.csrf },
      body: JSON.stringify({ token: config.token }),
    });
    body = await res.json().catch(() => null);
  } catch {
    res = null;
  }
  state.activating = false;
  if (res && res.ok) return finish(body);
  const code = body && body.error ? body.error.code : res ? "activation_failed" : "network";
  // The gateway may report `connected` a moment before its status does; give it a few seconds.
  if (code === "whatsapp_not_connected" && autoRetries < 5) {
    setTimeout(() => activate(autoRetries + 1), 2000);
    return;
  }
  setState("failed");
  setStep("step-setup", "failed");
  const message = code === "network"
    ? "Нет связи с сервером. Проверьте интернет и нажмите «Попробовать ещё раз»."
    : ACTIVATION_ERRORS[code] || "Не удалось завершить подключение. Нажмите «Попробовать ещё раз».";
  // YClients' own words (e.g. «Агрегатор не найден») help support find the cause.
  const detail = code === "activation_failed" && body && body.error && body.error.message ? ` Ответ YClients: ${body.error.message}` : "";
  showError(message + detail, FINAL_ACTIVATION_ERRORS.has(code) ? null : () => activate(0));
}

function finish(body) {
  state.finished = true;
  clearTimeout(state.reconnectTimer);
  if (state.socket) state.socket.close();
  setState("done");
  setStep("step-connect", "done");
  setStep("step-setup", "done");
  setStep("step-done", "done");
  show("link-section", false);
  show("relink-note", false);
  const phone = (body && body.whatsappPhone) || state.phone;
  text("done-phone", phone ? formatPhone(phone) : "номер салона");
  text("socket-status", "");
  show("done-panel", true);
}

// ---- start ------------------------------------------------------------------------------------------------------

$("tab-qr").addEventListener("click", () => selectTab("qr"));
$("tab-pairing").addEventListener("click", () => selectTab("pairing"));
$("qr-refresh").addEventListener("click", () => requestQr());
$("pairing-form").addEventListener("submit", submitPhone);
$("retry-button").addEventListener("click", () => state.retry && state.retry());
if (config.status === "active") show("relink-note", true);
connect();
