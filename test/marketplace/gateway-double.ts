import { GatewayError, type GatewayClient, type SessionState, type SessionStatus } from "../../lib/gateway/client.js";

/**
 * The gateway's service API as the functions see it, held in memory: session state per salon that a test sets
 * (as a scan on the emulator would), and the sends it received, deduplicated by idempotency key like the gateway.
 */
export class GatewayDouble implements GatewayClient {
  readonly sessions = new Map<number, { state: SessionState; phone: string | null }>();
  readonly sends: Array<{ salonId: number; to: string; text: string; idempotencyKey: string; messageId: string }> = [];
  readonly logouts: number[] = [];
  down = false;

  connect(salonId: number, phone: string): void {
    this.sessions.set(salonId, { state: "connected", phone });
  }

  private check(): void {
    if (this.down) throw new GatewayError(0, "unreachable", "gateway unreachable: test says down");
  }

  async status(salonId: number): Promise<SessionStatus> {
    this.check();
    const s = this.sessions.get(salonId);
    return { salonId, state: s?.state ?? "none", phone: s?.phone ?? null };
  }
  async start(salonId: number): Promise<SessionStatus> {
    return this.status(salonId);
  }
  async logout(salonId: number): Promise<void> {
    this.check();
    this.logouts.push(salonId);
    this.sessions.set(salonId, { state: "logged_out", phone: null });
  }
  async sendText(salonId: number, msg: { to: string; text: string; idempotencyKey: string }): Promise<{ messageId: string }> {
    this.check();
    if (this.sessions.get(salonId)?.state !== "connected") throw new GatewayError(409, "session_down", "not connected");
    const previous = this.sends.find((x) => x.salonId === salonId && x.idempotencyKey === msg.idempotencyKey);
    if (previous) return { messageId: previous.messageId };
    const messageId = `msg-${this.sends.length + 1}`;
    this.sends.push({ salonId, ...msg, messageId });
    return { messageId };
  }
  async presence(): Promise<void> {}
  async health(): Promise<{ ok: boolean; detail: unknown }> {
    return { ok: !this.down, detail: null };
  }
}
