import { randomBytes } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import type { Clock } from "../../lib/clock.js";
import { lidKey } from "../../lib/contract/events.js";
import type { SalonAuthState } from "../auth-state.js";
import { QR_REFS_ENDED } from "../sessions/policy.js";
import { phoneFromJid, SendRefused, type ChatPresence, type OpenOptions, type Transport, type TransportEvents, type TransportSession } from "./types.js";

/**
 * WhatsApp without WhatsApp (WHATSAPP_TRANSPORT=emulator): the same transport interface as Baileys, driven by the
 * control routes in http/emulator-routes.ts. It keeps its "creds" in the same Postgres auth state (so restore after
 * a restart and the logged-out wipe behave as with Baileys) and acts out Baileys' sequences: an unpaired session
 * shows a QR; a scan writes the creds and closes with 515 (restart required), after which the reconnect opens.
 */

interface EmulatedCreds {
  emulated: true;
  me?: { id: string; name?: string };
  registered: boolean;
}

export interface SentMessage {
  id: string;
  to: string;
  /** The text, or a reaction's emoji. */
  text: string;
  at: string;
  /** A reaction: the id of the message it was put on. */
  reactTo?: string;
}

export type ScriptedRefusal = "not_on_whatsapp" | "restricted_463";

const newId = () => "EMU" + randomBytes(8).toString("hex").toUpperCase();

export class EmulatorWorld implements Transport {
  readonly kind = "emulator" as const;
  private readonly sessions = new Map<number, EmulatedSession>();
  private readonly sent = new Map<number, SentMessage[]>();
  private readonly refusals = new Map<string, ScriptedRefusal>();
  /** Baileys' LID store: `salon|lid` → phone, filled by the lid-mapping control route. */
  private readonly lidPhones = new Map<string, string>();

  /**
   * With `outboxFile` (local/stack.ts puts it in DATA_DIR) every message "delivered" is appended to that file before
   * the send returns, and read back at start: the outbox then survives a crash of the process, as a client's phone
   * would, so the fault suite counts what really reached clients.
   */
  /**
   * With `connectionsFile` every connection WhatsApp would see (a session opening, and closing) is appended there as
   * `{salonId, event: "open"|"close", at, pid}`: processes sharing one file show whether a salon was ever connected
   * through two of them at once (test/fleet/).
   */
  constructor(private readonly clock: Clock, private readonly outboxFile?: string, private readonly connectionsFile?: string) {
    if (!outboxFile || !existsSync(outboxFile)) return;
    for (const line of readFileSync(outboxFile, "utf8").split("\n")) {
      if (!line) continue;
      const { salonId, ...m } = JSON.parse(line) as SentMessage & { salonId: number };
      this.push(salonId, m);
    }
  }

  async open(opts: OpenOptions): Promise<TransportSession> {
    this.sessions.get(opts.salonId)?.kill();
    const s = new EmulatedSession(this, opts.salonId, opts.auth, opts.events, this.clock);
    this.sessions.set(opts.salonId, s);
    await s.boot();
    return s;
  }

  session(salonId: number): EmulatedSession | undefined {
    const s = this.sessions.get(salonId);
    return s && s.state !== "closed" ? s : undefined;
  }

  /** Messages the bot sent from this salon's number, oldest first. */
  outbox(salonId: number): SentMessage[] {
    return this.sent.get(salonId) ?? [];
  }

  /** Makes sends from this salon to this JID fail as WhatsApp would refuse them. */
  refuse(salonId: number, jid: string, code: ScriptedRefusal | null): void {
    if (code) this.refusals.set(`${salonId}|${jid}`, code);
    else this.refusals.delete(`${salonId}|${jid}`);
  }

  /** @internal */
  record(salonId: number, m: SentMessage): void {
    if (this.outboxFile) appendFileSync(this.outboxFile, JSON.stringify({ salonId, ...m }) + "\n");
    this.push(salonId, m);
  }

  private push(salonId: number, m: SentMessage): void {
    let list = this.sent.get(salonId);
    if (!list) this.sent.set(salonId, (list = []));
    list.push(m);
  }

  /** @internal */
  mapLid(salonId: number, lid: string, phone: string): void {
    this.lidPhones.set(`${salonId}|${lid}`, phone);
  }

  /** @internal */
  phoneForLid(salonId: number, lid: string | null): string | null {
    return lid ? this.lidPhones.get(`${salonId}|${lid}`) ?? null : null;
  }

  /** @internal */
  refusal(salonId: number, jid: string): ScriptedRefusal | undefined {
    return this.refusals.get(`${salonId}|${jid}`);
  }

  /** @internal */
  connection(salonId: number, event: "open" | "close"): void {
    if (this.connectionsFile) {
      appendFileSync(this.connectionsFile, JSON.stringify({ salonId, event, at: this.clock.now().getTime(), pid: process.pid }) + "\n");
    }
  }

  /** @internal */
  forget(salonId: number, s: EmulatedSession): void {
    if (this.sessions.get(salonId) === s) this.sessions.delete(salonId);
  }
}

export class EmulatedSession implements TransportSession {
  state: "qr" | "open" | "closed" = "qr";
  private creds: EmulatedCreds = { emulated: true, registered: false };
  private qrCount = 0;

  constructor(
    private readonly world: EmulatorWorld,
    readonly salonId: number,
    private readonly auth: SalonAuthState,
    private readonly events: TransportEvents,
    private readonly clock: Clock,
  ) {}

  async boot(): Promise<void> {
    this.creds = (await this.auth.readCreds<EmulatedCreds>()) ?? { emulated: true, registered: false };
    const phone = this.creds.registered ? phoneFromJid(this.creds.me?.id) : null;
    // Like Baileys, the outcome arrives as events after the socket exists.
    setImmediate(() => {
      if (this.state === "closed") return;
      if (phone) {
        this.state = "open";
        this.world.connection(this.salonId, "open");
        this.events.open(phone);
      } else {
        this.showQr();
      }
    });
  }

  private showQr(): void {
    this.qrCount += 1;
    const ref = `EMU${this.salonId}R${this.qrCount}${randomBytes(4).toString("hex")}`;
    const field = () => randomBytes(32).toString("base64");
    this.events.qr(`https://wa.me/settings/linked_devices#${ref},${field()},${field()},${field()},1`, { refreshed: false });
  }

  /** The phone scanned the QR (or entered the pairing code) as `phone`. */
  async scan(phone: string): Promise<void> {
    if (this.state !== "qr") throw new Error(`session is ${this.state}, not waiting for a scan`);
    this.creds = { emulated: true, me: { id: `${phone}@s.whatsapp.net`, name: "Salon" }, registered: true };
    await this.auth.saveCreds(this.creds);
    this.close(515, "Stream Errored (restart required)");
  }

  /**
   * A client writes to the salon. From a LID, `altJid` (or `phoneAlt`, its digits) plays the key's remoteJidAlt;
   * without it the phone comes from a mapping told earlier, as Baileys' LID store would give it. With `reactTo` it
   * puts the emoji `text` on that message of ours.
   */
  async inbound(m: { from: string; text: string; pushName?: string; id?: string; altJid?: string; phoneAlt?: string; reactTo?: string }): Promise<string> {
    this.assertOpen();
    const jid = /^\d+$/.test(m.from) ? `${m.from}@s.whatsapp.net` : m.from;
    const altJid = m.altJid ?? (m.phoneAlt ? `${m.phoneAlt}@s.whatsapp.net` : null);
    const messageId = m.id ?? newId();
    const phone = phoneFromJid(jid) ?? phoneFromJid(altJid) ?? this.world.phoneForLid(this.salonId, lidKey(jid));
    await this.events.message({
      type: "message.received",
      messageId,
      from: { phone, jid, altJid },
      pushName: m.pushName ?? null,
      timestamp: this.clock.now().toISOString(),
      kind: m.reactTo ? "reaction" : "text",
      text: m.text,
      refMessageId: m.reactTo ?? null,
    });
    return messageId;
  }

  /** WhatsApp tells the session which phone a LID stands for (Baileys' lid-mapping.update). */
  async lidMapping(lid: string, phone: string): Promise<void> {
    this.assertOpen();
    this.world.mapLid(this.salonId, lid, phone);
    await this.events.lidMapping(lid, phone);
  }

  /** The salon types to a client from its own phone. */
  async adminMessage(m: { to: string; text: string }): Promise<string> {
    this.assertOpen();
    const jid = /^\d+$/.test(m.to) ? `${m.to}@s.whatsapp.net` : m.to;
    const messageId = newId();
    await this.events.message({
      type: "message.from_admin",
      messageId,
      to: { phone: phoneFromJid(jid), jid, altJid: null },
      timestamp: this.clock.now().toISOString(),
      text: m.text,
    });
    return messageId;
  }

  /** The client's phone acknowledged one of our messages (delivered) or the client opened it (read). */
  receipt(messageId: string, status: "delivered" | "read"): void {
    this.assertOpen();
    this.events.receipt(messageId, status);
  }

  /** WhatsApp closes the connection with this code (in the QR state, 408 means the QR refs ran out). */
  disconnect(code: number, message?: string): void {
    if (this.state === "closed") throw new Error("session is closed");
    const text = message ?? (code === 408 && this.state === "qr" ? QR_REFS_ENDED : `Emulated disconnect ${code}`);
    this.close(code, text);
  }

  async requestPairingCode(phone: string): Promise<string> {
    if (this.state !== "qr") throw new Error("not ready for a pairing code");
    // As Baileys does: creds.me is written before WhatsApp has accepted anything.
    this.creds = { emulated: true, me: { id: `${phone}@s.whatsapp.net`, name: "~" }, registered: false };
    await this.auth.saveCreds(this.creds);
    return randomBytes(4).toString("hex").toUpperCase();
  }

  async sendText(to: string, text: string, id: string): Promise<{ messageId: string }> {
    if (this.state !== "open") throw new SendRefused("session_down", "not connected");
    const refusal = this.world.refusal(this.salonId, to);
    if (refusal === "not_on_whatsapp") throw new SendRefused(refusal, `${to} is not on WhatsApp`);
    if (refusal === "restricted_463") throw new SendRefused(refusal, "WhatsApp refused the message with 463");
    this.world.record(this.salonId, { id, to, text, at: this.clock.now().toISOString() });
    return { messageId: id };
  }

  async react(to: string, target: string, emoji: string, id: string): Promise<void> {
    if (this.state !== "open") throw new SendRefused("session_down", "not connected");
    this.world.record(this.salonId, { id, to, text: emoji, at: this.clock.now().toISOString(), reactTo: target });
  }

  async presence(): Promise<void> {
    if (this.state !== "open") throw new SendRefused("session_down", "not connected");
  }

  /** Shown online to WhatsApp (what the salon's phone would notice: its notifications go quiet meanwhile). */
  available = false;
  /** Chats whose presence we asked for. */
  readonly watched = new Set<string>();

  async watchPresence(jid: string): Promise<void> {
    if (this.state !== "open") throw new SendRefused("session_down", "not connected");
    this.watched.add(jid);
  }

  async setAvailable(available: boolean): Promise<void> {
    if (this.state !== "open") throw new SendRefused("session_down", "not connected");
    this.available = available;
  }

  /**
   * A client types (or stops). As WhatsApp: delivered only to a device that subscribed to the chat and is available;
   * answers whether it was delivered.
   */
  clientPresence(m: { from: string; state: ChatPresence }): boolean {
    this.assertOpen();
    const jid = /^\d+$/.test(m.from) ? `${m.from}@s.whatsapp.net` : m.from;
    if (!this.available || !this.watched.has(jid)) return false;
    this.events.presence?.(jid, m.state);
    return true;
  }

  async logout(): Promise<void> {
    this.kill();
  }

  async end(): Promise<void> {
    this.kill();
  }

  /** @internal Dead without a close event (ended by us). */
  kill(): void {
    if (this.state === "open") this.world.connection(this.salonId, "close");
    this.state = "closed";
    this.world.forget(this.salonId, this);
  }

  private close(code: number, message: string): void {
    this.kill();
    this.events.close(code, message);
  }

  private assertOpen(): void {
    if (this.state !== "open") throw new Error(`session is ${this.state}, not connected`);
  }
}
