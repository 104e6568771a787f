/**
 * How many gateway tasks a stage runs and how many WhatsApp sessions each may hold: deploy-time settings read from
 * the shell or `.env.<stage>` (README "Deploying"). Plain data, no SST globals, so the test reads it as it is.
 *
 * | variable | meaning | production | other stages |
 * | --- | --- | --- | --- |
 * | `GATEWAY_TASKS_MIN` | tasks always running (and the count a deploy starts with) | 2 | 1 |
 * | `GATEWAY_TASKS_MAX` | the most autoscaling may run | 6 | 2 |
 * | `GATEWAY_MAX_SESSIONS` | sessions one task holds at most (the gateway reads the same variable) | 100 | 100 |
 *
 * A live Baileys session costs about 60 MB under load (WAHA: 500 sessions in 30 GB,
 * https://waha.devlike.pro/blog/waha-scaling-how-to-handle-500-sessions/); our emulated sessions cost far less, so
 * the real figure sizes the task: 100 sessions use ~6 GB of the task's 8 GB, leaving the runtime and a burst room.
 */
/** The task size the default capacity is computed for (infra/gateway.ts). */
export const GATEWAY_TASK_SIZE = { cpu: "1 vCPU", memory: "8 GB", heapMb: 7168 } as const;

export interface GatewayFleet {
  minTasks: number;
  maxTasks: number;
  sessionsPerTask: number;
}

/** Autoscaling targets within min..max: memory is what a session costs, CPU what a burst of sends costs. */
export const GATEWAY_SCALING_TARGETS = {
  cpuUtilization: 60,
  memoryUtilization: 70,
  // Scaling in hands sessions over (each salon offline for a few seconds): slow to shrink, quick to grow.
  scaleInCooldown: "10 minutes",
  scaleOutCooldown: "2 minutes",
} as const;

const LIMITS = { tasks: 100, sessions: 1000 };

export function readGatewayFleet(stage: string, env: Record<string, string | undefined>): GatewayFleet {
  const production = stage === "production";
  const int = (name: string, fallback: number, max: number): number => {
    const raw = env[name]?.trim();
    if (!raw) return fallback;
    if (!/^[1-9]\d*$/.test(raw) || Number(raw) > max) throw new Error(`${name} must be a whole number from 1 to ${max}, got "${raw}"`);
    return Number(raw);
  };
  const minTasks = int("GATEWAY_TASKS_MIN", production ? 2 : 1, LIMITS.tasks);
  const maxTasks = int("GATEWAY_TASKS_MAX", Math.max(minTasks, production ? 6 : 2), LIMITS.tasks);
  if (maxTasks < minTasks) throw new Error(`GATEWAY_TASKS_MAX (${maxTasks}) is below GATEWAY_TASKS_MIN (${minTasks})`);
  return { minTasks, maxTasks, sessionsPerTask: int("GATEWAY_MAX_SESSIONS", 100, LIMITS.sessions) };
}
