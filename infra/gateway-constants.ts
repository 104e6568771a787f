/** Plain values about the gateway container that infra/gateway.ts and the Docker-less image check share. */

/** The port whatsapp-gateway listens on in the container (GATEWAY_PORT). */
export const GATEWAY_PORT = 8788;

/** Fargate's ceiling; the gateway closes its sockets and flushes auth state on SIGTERM within this. */
export const STOP_TIMEOUT_SECONDS = 120;
