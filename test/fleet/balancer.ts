/**
 * GATEWAY_URL in front of the fleet test's gateways, as a load balancer would be: each request goes to the next live
 * gateway in turn, and to the one after when a gateway does not answer (a target the health check has not yet
 * taken out). Plain HTTP only; the onboarding WebSocket is not what the fleet test drives.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface Balancer {
  url: string;
  close(): Promise<void>;
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startBalancer(targets: () => string[]): Promise<Balancer> {
  let turn = 0;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const payload = await body(req);
      const live = targets();
      for (let i = 0; i < live.length; i++) {
        const target = live[(turn + i) % live.length]!;
        try {
          const answer = await fetch(target + (req.url ?? "/"), {
            method: req.method,
            headers: Object.fromEntries(Object.entries(req.headers).filter(([k]) => k === "authorization" || k === "content-type")) as Record<string, string>,
            body: req.method === "GET" || req.method === "HEAD" ? undefined : new Uint8Array(payload),
          });
          turn += 1;
          res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
          res.end(Buffer.from(await answer.arrayBuffer()));
          return;
        } catch {
          // Not answering: the next one.
        }
      }
      res.writeHead(502).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
