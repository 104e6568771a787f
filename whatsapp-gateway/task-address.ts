/**
 * The address other gateway tasks and the functions reach this task at (GATEWAY_INTERNAL_URL). On ECS the task
 * definition is the same for every task, so it cannot carry a task's own address: a Fargate task reads its private
 * IP from the ECS task metadata endpoint (`ECS_CONTAINER_METADATA_URI_V4`, set by Fargate platform 1.4+ in every
 * container; the container path answers `{"Networks": [{"NetworkMode": "awsvpc", "IPv4Addresses": ["10.0.x.y"]}]}`).
 *
 * Public API: `taskInternalUrl(env, port, fetchImpl?)` → the URL, or null when neither an explicit
 * GATEWAY_INTERNAL_URL nor ECS metadata is there (a local run: the caller uses its own default).
 */

/** How long the metadata endpoint (link-local, answered by the ECS agent) may take at start. */
const METADATA_TIMEOUT_MS = 2000;

export async function taskInternalUrl(
  env: Record<string, string | undefined>,
  port: number,
  fetchImpl: typeof fetch = fetch,
): Promise<string | null> {
  const explicit = env.GATEWAY_INTERNAL_URL?.trim();
  if (explicit) return explicit;
  const metadataUri = env.ECS_CONTAINER_METADATA_URI_V4?.trim();
  if (!metadataUri) return null;
  const res = await fetchImpl(metadataUri, { signal: AbortSignal.timeout(METADATA_TIMEOUT_MS) });
  if (!res.ok) throw new Error(`ECS task metadata answered ${res.status}: cannot learn this task's private address`);
  const ip = privateIpOf(await res.json());
  if (!ip) throw new Error("ECS task metadata lists no awsvpc IPv4 address: cannot learn this task's private address");
  return `http://${ip}:${port}`;
}

function privateIpOf(metadata: unknown): string | undefined {
  const networks = (metadata as { Networks?: unknown } | null)?.Networks;
  if (!Array.isArray(networks)) return undefined;
  for (const n of networks as Array<{ NetworkMode?: unknown; IPv4Addresses?: unknown }>) {
    if (n?.NetworkMode !== "awsvpc" || !Array.isArray(n.IPv4Addresses)) continue;
    const ip = n.IPv4Addresses.find((a): a is string => typeof a === "string" && /^\d{1,3}(\.\d{1,3}){3}$/.test(a));
    if (ip) return ip;
  }
  return undefined;
}
