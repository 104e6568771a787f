/**
 * `npm run bench:fleet`: 600 emulated sessions over three gateway processes on a real PostgreSQL (started by
 * test/db/real-postgres/run.sh), the world of test/fleet/. Prints: balance after linking and after a rolling restart
 * (goal ±10 % of the mean), recovery after kill -9 of one gateway (goal: lease TTL + 10 s), the longest per-salon
 * gap during a rolling restart (a new process, then SIGTERM to an old one, one by one, from the emulator's record of
 * every connection, not only of the streamed salons), what was lost or doubled, memory per gateway
 * (RSS) and per emulated session, and the tasks 5,000 salons need at a real Baileys session's footprint.
 */
import { readFileSync } from "node:fs";
import { Fleet, Stream } from "../test/fleet/fleet.js";

const SESSIONS = Number(process.env.FLEET_SESSIONS ?? 600);
const LEASE_TTL_SEC = Number(process.env.FLEET_LEASE_TTL_SEC ?? 30);
/** `FLEET_PACING=production`: the gateways claim in production's waves (test/fleet/gateway-child.ts), not the test's. */
const PACING = process.env.FLEET_PACING === "production" ? "production claim waves (5 at a time, 0.5–2 s jitter, 2 s scans)" : "test claim waves (10 at a time, 0–50 ms jitter, 0.5 s scans)";
/** Salons under the steady stream of sends and inbound messages (all 600 would measure this machine, not the fleet). */
const STREAMED = 60;
/**
 * A real Baileys (WAHA "NOWEB") session: 500 sessions in 30 GB, about 60 MB each (WAHA, "WAHA Scaling - How To Handle
 * 500+ Sessions", 2024-08-14, https://waha.devlike.pro/blog/waha-scaling-how-to-handle-500-sessions/; also
 * /work/shared/reference/whatsapp-gateway-practice.md §5, and its 50–80 MB per idle session).
 */
const REAL_SESSION_MB = 60;
/** The task size the projection assumes, and the share of it sessions may use (the rest: Node, spikes, GC). */
const TASK_MB = 8192;
const USABLE = 0.8;
const SALONS = 5000;

const rssMb = (pid: number | undefined): number => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
};
const spread = (held: Record<string, number>): string => {
  const n = Object.values(held);
  const mean = n.reduce((a, b) => a + b, 0) / n.length;
  const worst = Math.max(...n.map((x) => Math.abs(x - mean) / mean));
  return `${n.join(" / ")} (worst ${(worst * 100).toFixed(1)} % from the mean)`;
};

/** Moves as the emulator saw them: how many, over how long, and how long their salons were closed (median, p90, p99, max). */
const drainSummary = (moves: Array<{ closedAt: number; gapMs: number | null }>): string => {
  const gaps = moves.map((m) => m.gapMs ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  const at = (q: number) => `${(gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))]! / 1000).toFixed(1)}`;
  const span = moves.length ? (moves.at(-1)!.closedAt - moves[0]!.closedAt) / 1000 : 0;
  return `${moves.length} closed over ${span.toFixed(1)} s, offline ${at(0.5)} / ${at(0.9)} / ${at(0.99)} / ${at(1)} s`;
};

const salons = Array.from({ length: SESSIONS }, (_, i) => 8_800_001 + i);
const fleet = await Fleet.open({ leaseTtlSec: LEASE_TTL_SEC, capacity: SESSIONS });
const rows: Array<[string, string]> = [];
try {
  await Promise.all([0, 1, 2].map((slot) => fleet.start(slot)));
  const idle = fleet.live().map((g) => rssMb(g.run.child.pid));
  let t0 = performance.now();
  await fleet.pair(salons);
  await fleet.allHeld(salons, 300_000);
  rows.push(["link 600 sessions through the balancer", `${((performance.now() - t0) / 1000).toFixed(1)} s`]);
  await new Promise((r) => setTimeout(r, 5000));
  rows.push(["balance after linking", spread(await fleet.held())]);
  const loaded = fleet.live().map((g) => rssMb(g.run.child.pid));
  const perGateway = loaded.map((mb, i) => mb - idle[i]!);
  const perSession = (perGateway.reduce((a, b) => a + b, 0) * 1024) / SESSIONS;
  rows.push(["RSS per gateway, idle → with its sessions", loaded.map((mb, i) => `${idle[i]!.toFixed(0)} → ${mb.toFixed(0)} MB`).join(", ")]);
  // Start-up garbage (tsx compiling) collected meanwhile can outweigh 200 emulated sessions: then this is ≤ 0.
  rows.push(["memory per emulated session", `${perSession.toFixed(0)} KB (RSS growth ÷ sessions; ≤ 0: below the noise)`]);

  const stream = new Stream(fleet, salons.slice(0, STREAMED), 500);
  stream.start();
  await new Promise((r) => setTimeout(r, 3000));
  const victim = fleet.live()[0]!;
  t0 = performance.now();
  await fleet.kill(victim);
  await fleet.allHeld(salons, 300_000);
  const recovery = (performance.now() - t0) / 1000;
  rows.push([`recovery after kill -9 (lease TTL ${LEASE_TTL_SEC} s; ${PACING})`,
    `${recovery.toFixed(1)} s for all 600 back on the other two (goal ≤ ${LEASE_TTL_SEC + 10} s); longest salon gap ${(stream.takeLongestGap() / 1000).toFixed(1)} s`]);

  await fleet.start(victim.slot);
  await new Promise((r) => setTimeout(r, 5000));
  stream.takeLongestGap();
  t0 = performance.now();
  const restartSince = Date.now();
  const drains: string[] = [];
  // As ECS rolls a deployment at 100 % minimum healthy: the new task starts and registers, then the old one stops.
  for (const old of fleet.live().slice(0, 3)) {
    await fleet.start(old.slot);
    const since = Date.now();
    await fleet.terminate(old);
    await fleet.allHeld(salons, 300_000);
    drains.push(drainSummary(fleet.handOvers(since, old.run.child.pid!)));
  }
  await new Promise((r) => setTimeout(r, 10_000));
  rows.push(["rolling restart of three (new task first, then SIGTERM to the old one; one by one)",
    `${((performance.now() - t0) / 1000).toFixed(1)} s; longest gap of a streamed salon ${(stream.takeLongestGap() / 1000).toFixed(1)} s`]);
  rows.push(["every salon moved during it (drains and rebalancing): offline median / p90 / p99 / max", drainSummary(fleet.handOvers(restartSince))]);
  rows.push(["each drain alone: offline median / p90 / p99 / max", drains.join("; ")]);
  await stream.stop();
  rows.push(["balance 10 s after the rolling restart", spread(await fleet.held())]);
  const counts = await fleet.count(stream, 60_000);
  rows.push(["lost / doubled / connected twice",
    `${counts.sendsLost + counts.inboundLost} / ${counts.sendsDuplicated} / ${counts.connectedTwice} of ${counts.sendsAccepted} sends and ${counts.inboundAcknowledged} inbound (${counts.sendsUnknown} cut off mid-send: unknown, never resent)`]);
  if (stream.failures.length > 0) rows.push(["refused for good", stream.failures.slice(0, 3).join("; ")]);

  const base = Math.max(...idle);
  const perTask = Math.floor((TASK_MB * USABLE - base) / REAL_SESSION_MB);
  const tasks = Math.ceil(SALONS / perTask) + 1;
  rows.push([`projection: ${SALONS} salons at ${REAL_SESSION_MB} MB per real session, ${TASK_MB / 1024} GB tasks`,
    `${perTask} sessions per task (${USABLE * 100} % of the task, ${base.toFixed(0)} MB base) → ${tasks} tasks (one spare, so a lost task's sessions fit on the rest)`]);
} finally {
  await fleet.close();
}
console.log("| measure | result |\n| --- | --- |");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
