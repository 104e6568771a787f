import { bodyLimit } from "hono/body-limit";
import { errorBody } from "./errors.js";

/** YClients and QStash bodies are small; anything over 1 MB is refused before it is read. */
export const MAX_BODY_BYTES = 1024 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: (c) => c.json(errorBody("body_too_large", `Body exceeds ${MAX_BODY_BYTES} bytes`), 413),
});
