import { BufferJSON, proto } from "@whiskeysockets/baileys";
import type { CacheStore, SignalDataSet, SignalDataTypeMap, SignalKeyStore } from "@whiskeysockets/baileys";
import type { Clock } from "../lib/clock.js";
import { LeaseLostError, type AuthRow, type GatewayStore } from "./store.js";

/**
 * Baileys auth state in Postgres (never files): creds are key_type 'creds', key_id ''; every Signal key type
 * (pre-key, session, sender-key, sender-key-memory, app-state-sync-key, app-state-sync-version, lid-mapping,
 * device-list, tctoken, identity-key) is one row. Values are BufferJSON-encoded, exactly as Baileys' own file store
 * writes them. Each keys.set() batch is one RPC, one transaction, fenced by the salon's lease.
 */

const CREDS = "creds";

/** BufferJSON as a value (what the RPC sends as jsonb) and back. */
export function encodeValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, BufferJSON.replacer));
}
export function decodeValue<T>(value: unknown): T {
  return JSON.parse(JSON.stringify(value), BufferJSON.reviver) as T;
}

/**
 * One bounded LRU for the Signal keys of every session (Baileys' default is an unbounded cache per socket, which
 * grows without limit with hundreds of sockets). Each session sees it through a prefixed view.
 */
export class SharedKeyCache {
  private readonly map = new Map<string, unknown>();
  constructor(readonly maxEntries: number) {}

  get size(): number {
    return this.map.size;
  }

  view(salonId: number): CacheStore {
    const prefix = `${salonId}|`;
    return {
      get: <T>(key: string): T | undefined => {
        const k = prefix + key;
        if (!this.map.has(k)) return undefined;
        const v = this.map.get(k);
        this.map.delete(k);
        this.map.set(k, v);
        return v as T;
      },
      set: <T>(key: string, value: T): void => {
        const k = prefix + key;
        this.map.delete(k);
        this.map.set(k, value);
        while (this.map.size > this.maxEntries) {
          const oldest = this.map.keys().next().value as string;
          this.map.delete(oldest);
        }
      },
      del: (key: string): void => {
        this.map.delete(prefix + key);
      },
      flushAll: (): void => this.dropSalon(salonId),
    };
  }

  dropSalon(salonId: number): void {
    const prefix = `${salonId}|`;
    for (const k of this.map.keys()) if (k.startsWith(prefix)) this.map.delete(k);
  }
}

export interface Lease {
  holder: string;
  fence: number;
}

/**
 * A salon's auth state as this process may use it while it holds the lease. Writes run one after another in call
 * order; a creds save is coalesced (only the latest snapshot is written) because Baileys emits creds.update often.
 * When another gateway has taken the lease, writes fail with LeaseLostError and `onLeaseLost` is told once.
 */
export class SalonAuthState {
  private chain: Promise<void> = Promise.resolve();
  private pendingCreds: unknown | undefined;
  private lost = false;
  onLeaseLost: ((err: LeaseLostError) => void) | undefined;
  /** Told after a wipe, so caches in front of this store drop the salon's keys too. */
  onCleared: (() => void) | undefined;

  constructor(
    private readonly store: GatewayStore,
    readonly salonId: number,
    readonly lease: Lease,
    private readonly clock: Clock,
  ) {}

  /** The stored creds, after any queued write (a 515 reconnect reads what the pairing just wrote). */
  async readCreds<T>(): Promise<T | null> {
    await this.flush();
    const rows = await this.store.authGet(this.salonId, CREDS, [""]);
    return rows[""] === undefined ? null : decodeValue<T>(rows[""]);
  }

  /** Queues a save of the creds as they are now; resolves when it (or a later snapshot) is written. */
  saveCreds(creds: object): Promise<void> {
    const first = this.pendingCreds === undefined;
    this.pendingCreds = encodeValue(creds);
    if (!first) return this.chain;
    return this.enqueue(async () => {
      const value = this.pendingCreds;
      this.pendingCreds = undefined;
      if (value === undefined) return; // wiped (clear) after it was queued
      await this.store.authWrite(this.salonId, this.lease.holder, this.lease.fence, [{ type: CREDS, id: "", value }], [], this.clock.now());
    });
  }

  /** The raw Postgres key store (Baileys wraps it with makeCacheableSignalKeyStore). */
  readonly keys: SignalKeyStore = {
    get: async <T extends keyof SignalDataTypeMap>(type: T, ids: string[]) => {
      const out: { [id: string]: SignalDataTypeMap[T] } = {};
      if (ids.length === 0) return out;
      const rows = await this.store.authGet(this.salonId, type, ids);
      for (const [id, raw] of Object.entries(rows)) {
        let value = decodeValue<unknown>(raw);
        if (type === "app-state-sync-key" && value) value = proto.Message.AppStateSyncKeyData.fromObject(value as object);
        out[id] = value as SignalDataTypeMap[T];
      }
      return out;
    },
    set: (data: SignalDataSet) => {
      const upserts: AuthRow[] = [];
      const deletes: Array<{ type: string; id: string }> = [];
      for (const [type, entries] of Object.entries(data)) {
        for (const [id, value] of Object.entries(entries ?? {})) {
          if (value === null || value === undefined) deletes.push({ type, id });
          else upserts.push({ type, id, value: encodeValue(value) });
        }
      }
      if (upserts.length === 0 && deletes.length === 0) return Promise.resolve();
      return this.enqueue(() => this.store.authWrite(this.salonId, this.lease.holder, this.lease.fence, upserts, deletes, this.clock.now()));
    },
    clear: () => this.clear(),
  };

  /** Deletes every row of this salon (logged out, failed pairing). */
  clear(): Promise<void> {
    this.pendingCreds = undefined;
    return this.enqueue(async () => {
      await this.store.authClear(this.salonId, this.lease.holder, this.lease.fence);
      this.onCleared?.();
    });
  }

  /** Waits for every queued write (stop, hand-over). Errors were already reported to their callers. */
  async flush(): Promise<void> {
    await this.chain.catch(() => {});
  }

  private enqueue(write: () => Promise<void>): Promise<void> {
    const run = this.chain.catch(() => {}).then(async () => {
      if (this.lost) throw new LeaseLostError(this.salonId);
      try {
        await write();
      } catch (err) {
        if (err instanceof LeaseLostError && !this.lost) {
          this.lost = true;
          this.onLeaseLost?.(err);
        }
        throw err;
      }
    });
    this.chain = run;
    return run;
  }
}
