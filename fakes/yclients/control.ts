/** The in-process control surface tests drive: what a salon admin would do in YClients, forced failures, tuning. */
import { serve, type ServerType } from "@hono/node-server";
import type { Hono } from "hono";
import { parseYcDateTime } from "../../lib/yclients/time.js";
import { recordWire, userAccess, type FakeRecord, type SalonData } from "./data.js";
import type { ChannelSandbox } from "./channel-routes.js";
import type { ChatFrameRecorder } from "./chat-routes.js";
import type { SandboxState } from "./state.js";
import type { YClientsSandbox } from "./types.js";

export function controlSurface(app: Hono, st: SandboxState, channel: ChannelSandbox, chat: ChatFrameRecorder): YClientsSandbox {
  const { salon, clock, staffOf, bookable, clientByPhone, lengthOf, emit } = st;
  let server: ServerType | undefined;

  function resolveStart(s: SalonData, datetime: string): Date {
    return parseYcDateTime(datetime, s.timezone);
  }

  const sandbox: YClientsSandbox = {
    app,
    partnerToken: st.partnerToken,
    applicationId: st.applicationId,
    userToken: st.options.userToken,
    partnerCallbacks: st.partnerCallbacks,
    requests: st.requests,
    webhooksSent: st.webhooksSent,
    channel,
    chat,
    url: null,
    async listen(port = 0) {
      const s = await new Promise<ServerType>((resolve, reject) => {
        const srv = serve({ fetch: app.fetch, port, hostname: "127.0.0.1" }, () => resolve(srv));
        srv.once("error", reject);
      });
      server = s;
      const addr = s.address();
      const p = typeof addr === "object" && addr ? addr.port : port;
      sandbox.url = `http://127.0.0.1:${p}`;
      return sandbox.url;
    },
    close() {
      const s = server;
      server = undefined;
      if (!s) return Promise.resolve();
      return new Promise<void>((resolve) => {
        s.close(() => resolve());
        (s as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
      });
    },
    salon,
    owner: (salonId) => salon(salonId).users[0]!,
    addCompanyUser(salonId, user, opts = {}) {
      const s = salon(salonId);
      s.users = s.users.filter((u) => u.id !== user.id);
      s.users.push({
        id: user.id, firstname: user.name ?? "Пользователь", login: user.phone ?? "", email: user.email ?? "", phone: user.phone ?? "",
        access: userAccess(opts.admin ?? true),
      });
    },
    wireRecords: (salonId) => {
      const s = salon(salonId);
      return s.records.map((r) => recordWire(s, r));
    },
    recordChanges: (salonId) => (salonId === undefined ? [...st.changes] : st.changes.filter((x) => x.salonId === salonId)),
    addRecord(salonId, input) {
      const s = salon(salonId);
      const staff = input.staffId ? staffOf(s, input.staffId)?.staff : s.staff.find(bookable);
      if (!staff) throw new Error(`no staff ${input.staffId} in salon ${salonId}`);
      const serviceIds = input.serviceIds ?? [staff.services_links![0]!.service_id];
      const cl = clientByPhone(s, input.clientPhone ?? s.clients[0]?.phone ?? "79000000000", input.clientName ?? "Клиент");
      const now = clock.now();
      const rec: FakeRecord = {
        id: s.nextRecordId++, staffId: staff.id, serviceIds, clientId: cl.id, start: resolveStart(s, input.datetime),
        lengthSec: lengthOf(s, serviceIds), attendance: input.attendance ?? 0, deleted: false, comment: input.comment ?? "",
        online: input.online ?? false, apiId: input.apiId ?? "", createdAt: now, changedAt: now, recordHash: null, visitId: 0,
      };
      rec.visitId = rec.id + 7_000_000;
      s.records.push(rec);
      return emit(s, rec, "create", "control");
    },
    changeRecord(salonId, recordId, patch) {
      const s = salon(salonId);
      const rec = s.records.find((r) => r.id === recordId);
      if (!rec) throw new Error(`no record ${recordId} in salon ${salonId}`);
      if (patch.datetime !== undefined) rec.start = resolveStart(s, patch.datetime);
      if (patch.staffId !== undefined) rec.staffId = patch.staffId;
      if (patch.serviceIds !== undefined) {
        rec.serviceIds = patch.serviceIds;
        rec.lengthSec = lengthOf(s, patch.serviceIds);
      }
      if (patch.lengthSec !== undefined) rec.lengthSec = patch.lengthSec;
      if (patch.attendance !== undefined) rec.attendance = patch.attendance;
      if (patch.comment !== undefined) rec.comment = patch.comment;
      if (patch.deleted !== undefined) rec.deleted = patch.deleted;
      rec.changedAt = clock.now();
      return emit(s, rec, patch.deleted ? "delete" : "update", "control");
    },
    deleteRecord(salonId, recordId) {
      return sandbox.changeRecord(salonId, recordId, { deleted: true });
    },
    vanishRecord(salonId, recordId) {
      const s = salon(salonId);
      const i = s.records.findIndex((r) => r.id === recordId);
      if (i < 0) throw new Error(`no record ${recordId} in salon ${salonId}`);
      s.records.splice(i, 1);
    },
    fail(salonId, status, opts = {}) {
      const list = st.failures.get(salonId) ?? [];
      list.push({ status, remaining: opts.times ?? Infinity, path: opts.path });
      st.failures.set(salonId, list);
    },
    clearFailures(salonId) {
      if (salonId === undefined) st.failures.clear();
      else st.failures.delete(salonId);
    },
    setLatency(ms) {
      st.latencyMs = ms;
    },
    setRateLimit(limits) {
      st.rateLimit = limits;
      st.arrivals.length = 0;
    },
    installed(salonId) {
      const i = st.installs.get(salonId);
      return i ? { status: i.status, webhookUrls: [...i.webhookUrls] } : undefined;
    },
  };
  return sandbox;
}
