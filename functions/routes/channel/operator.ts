import type { Hono } from "hono";
import { z } from "zod";
import { handleOperatorPost } from "../../../lib/channel/operator.js";
import { OPERATOR_ERRORS } from "../../../lib/channel/request.js";
import { ApiError } from "../../../lib/http/api-error.js";
import { readJson } from "../../http/json-body.js";
import type { Services } from "../../../lib/services.js";

/** Where YClients' notification module posts the salon's messages (register it as the app's url_operator). */
export const OPERATOR_PATH = "/channel/yclients/operator";

/**
 * YClients hands us a notification to deliver over the salon's WhatsApp (lib/channel/operator.ts decides). The
 * answer is the protocol's array even for a body we cannot read, so YClients sees an error code it knows.
 */
export function registerOperatorRoute(app: Hono, s: Services): void {
  app.post(OPERATOR_PATH, async (c) => {
    let body: unknown;
    try {
      body = await readJson(c, z.unknown());
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return c.json([{ id: null, error_code: OPERATOR_ERRORS.validationMissing, error_message: err.message }], err.status as 400);
    }
    const answer = await handleOperatorPost(s, c.req.header("authorization"), body);
    return c.json(answer.body, answer.status);
  });
}
