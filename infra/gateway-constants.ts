/** Plain values about the gateway container that infra/gateway.ts and the Docker-less image check share. */

/** The port whatsapp-gateway listens on in the container (GATEWAY_PORT). */
export const GATEWAY_PORT = 8788;

/**
 * Fargate's ceiling: on SIGTERM (deploy, scale-in) the gateway hands its sessions over to the other tasks, flushes
 * auth state and exits within this; ECS kills it after.
 */
export const STOP_TIMEOUT_SECONDS = 120;

/**
 * How long a new task has before failing health checks counts: it registers, claims sessions and restores them in
 * waves first. Both the container check's start period and the service's grace period for the load balancer's.
 */
export const START_GRACE_SECONDS = 120;
