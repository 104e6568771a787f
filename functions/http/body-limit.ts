import { bodyLimit } from "hono/body-limit";
import { errorBody } from "./errors.js";

/** YClients and QStash bodies are small; anything over 1 MB is refused before it is read. */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * The refused body is never read, so the connection cannot carry another request: `Connection: close` makes the
 * server end it after the 413 and tells a keep-alive client to open a new one, instead of the socket being reset
 * under the client's next request.
 */
export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody("body_too_large", `Body exceeds ${MAX_BODY_BYTES} bytes`), 413, { connection: "close" }),
});
