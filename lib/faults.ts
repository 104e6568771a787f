/**
 * Deterministic crash points for the fault suite (test/faults): with AI_ADMIN_FAULT=<point>:<n> the process kills
 * itself with SIGKILL the n-th time it reaches `faultPoint(point)`, so the kill lands at the same step however busy
 * the machine is. Without the variable this is a no-op. Points: before-accept, after-accept, mid-send (a send marked
 * `sending`, not yet written to the socket), after-send (written, not yet marked `sent`), mid-sync, panel-after-accept
 * (a chat panel answer the gateway accepted, not yet stored as the administrator's), outreach-after-accept (a
 * proactive message the gateway accepted, not yet marked sent), channel-after-fail (a channel message marked failed,
 * its final status to YClients not yet queued), channel-status-after-post (a status YClients took, not yet marked
 * posted).
 */
const spec = /^([a-z-]+):(\d+)$/.exec(process.env.AI_ADMIN_FAULT ?? "");
let remaining = spec ? Number(spec[2]) : 0;

export function faultPoint(point: string): void {
  if (!spec || spec[1] !== point) return;
  remaining -= 1;
  if (remaining === 0) process.kill(process.pid, "SIGKILL");
}
