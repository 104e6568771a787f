import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from "@whiskeysockets/baileys";
import type { Clock } from "../../lib/clock.js";
import type { Logger } from "../../lib/log.js";

/** Where the version a socket presents came from. */
export type WebVersionSource = "override" | "fetched" | "bundled";

/** For /health: the version in use, and since when WhatsApp refuses it (405), if it does. */
export interface WebVersionStatus {
  version: string;
  source: WebVersionSource;
  outdatedSince: string | null;
}

/** Asks WhatsApp which Web version it serves now; null when the answer has no version in it. */
export type FetchWebVersion = (signal: AbortSignal) => Promise<WAVersion | null>;

/** WhatsApp Web's service worker names the current client revision (Baileys' own lookup). */
export const fetchWhatsAppWebVersion: FetchWebVersion = async (signal) => {
  const r = await fetchLatestWaWebVersion({ signal });
  return r.isLatest ? r.version : null;
};

export interface WebVersionDeps {
  /** WHATSAPP_WEB_VERSION: used as is, never looked up. */
  override: WAVersion | null;
  /** null: never look up (tests and the transport's default), the bundled version is used. */
  fetch: FetchWebVersion | null;
  /** A lookup longer than this is abandoned for the bundled version, so no connect waits on it for long. */
  timeoutMs: number;
  clock: Clock;
  log: Logger;
  /** The version this Baileys release was built with. */
  bundled?: WAVersion;
}

/**
 * Which WhatsApp Web version the sockets present. Baileys presents the one it was built with, and when WhatsApp
 * stops accepting it every connect and every QR fails with 405 until a new Baileys ships. So the gateway asks
 * WhatsApp at start (in the background: a connect waits at most `timeoutMs` for the answer), prefers an operator's
 * override, falls back to the bundled version, and asks again after a 405.
 */
export class WebVersion {
  private resolved: { version: WAVersion; source: WebVersionSource };
  private pending: Promise<void> | null = null;
  private outdatedSince: Date | null = null;

  constructor(private readonly deps: WebVersionDeps) {
    this.resolved = deps.override
      ? { version: deps.override, source: "override" }
      : { version: deps.bundled ?? DEFAULT_CONNECTION_CONFIG.version, source: "bundled" };
  }

  /** Starts a lookup unless one is running or the version is overridden. */
  learn(): void {
    if (this.deps.override || !this.deps.fetch || this.pending) return;
    this.pending = this.lookUp(this.deps.fetch).finally(() => {
      this.pending = null;
    });
  }

  /** The version to present now: waits for a running lookup (bounded by its timeout). */
  async current(): Promise<WAVersion> {
    if (this.pending) await this.pending;
    return this.resolved.version;
  }

  /** WhatsApp refused the version (405): say so in /health and look again, for the next connect. */
  rejected(): void {
    if (!this.outdatedSince) {
      this.outdatedSince = this.deps.clock.now();
      this.deps.log.warn({ version: this.resolved.version.join("."), source: this.resolved.source },
        "outdated version: WhatsApp refuses this WhatsApp Web version (405); set WHATSAPP_WEB_VERSION or update Baileys");
    }
    this.learn();
  }

  /** A connection opened: the version in use is accepted. */
  accepted(): void {
    this.outdatedSince = null;
  }

  status(): WebVersionStatus {
    return { version: this.resolved.version.join("."), source: this.resolved.source, outdatedSince: this.outdatedSince?.toISOString() ?? null };
  }

  private async lookUp(fetch: FetchWebVersion): Promise<void> {
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(null);
      }, this.deps.timeoutMs);
      timer.unref();
    });
    let found: WAVersion | null = null;
    try {
      // Raced as well as aborted: a lookup that ignores its signal still cannot hold a connect up.
      found = await Promise.race([fetch(abort.signal), timeout]);
    } catch (err) {
      this.deps.log.warn({ err: (err as Error).message }, "WhatsApp Web version lookup failed");
    } finally {
      clearTimeout(timer);
    }
    // Without an answer the version stays what it was: the bundled one, or an earlier answer.
    if (found && found.length === 3 && found.every((n) => Number.isSafeInteger(n) && n >= 0)) {
      this.resolved = { version: found, source: "fetched" };
    }
    this.deps.log.info({ version: this.resolved.version.join("."), source: this.resolved.source }, "WhatsApp Web version");
  }
}
