import { describe, expect, it } from "vitest";
import { ModelError } from "../../lib/assistant/model.js";
import { DbError } from "../../lib/db/client.js";
import { GatewayError } from "../../lib/gateway/client.js";
import { RetryLater, errorOutcome } from "../../lib/jobs/outcome.js";
import { YClientsError, YClientsNetworkError, YClientsNotConfiguredError } from "../../lib/yclients/errors.js";

const kind = (err: unknown) => errorOutcome(err).kind;
const yc = (status: number) => new YClientsError(status, "refused", null, "GET", "/x", 1);

describe("what a job's error means: delivered again later, or never", () => {
  it("retries YClients' rate limit, its 5xx and no answer; gives up on any other refusal", () => {
    expect([429, 500, 503].map((s) => kind(yc(s)))).toEqual(["retry", "retry", "retry"]);
    expect(kind(new YClientsNetworkError("GET", "/x", 1, true, null))).toBe("retry");
    expect([400, 403, 404, 422].map((s) => kind(yc(s)))).toEqual(["permanent", "permanent", "permanent", "permanent"]);
    expect(kind(new YClientsNotConfiguredError())).toBe("permanent");
  });

  it("retries a gateway that is down, restoring or elsewhere; gives up on a refused message", () => {
    expect(kind(new GatewayError(503, "session_restoring", "x"))).toBe("retry");
    expect(kind(new GatewayError(0, "unreachable", "x"))).toBe("retry");
    expect(kind(new GatewayError(422, "not_on_whatsapp", "x"))).toBe("permanent");
    expect(errorOutcome(new GatewayError(410, "session_logged_out", "x"))).toMatchObject({ kind: "permanent", code: "session_logged_out" });
  });

  it("retries a model that timed out or is overloaded; gives up on a blocked prompt", () => {
    expect(kind(new ModelError("timeout", "x"))).toBe("retry");
    expect(kind(new ModelError("http", "x", 429))).toBe("retry");
    expect(kind(new ModelError("blocked", "x"))).toBe("permanent");
  });

  it("retries the database's connection and serialization trouble; gives up on arguments it can never take", () => {
    expect(kind(new DbError("f", 503, "08006", "x"))).toBe("retry");
    expect(kind(new DbError("f", 409, "40001", "x"))).toBe("retry");
    expect(kind(new DbError("f", 400, "22P02", "x"))).toBe("permanent");
  });

  it("retries what it does not know, and what a verb asked to have retried", () => {
    expect(kind(new Error("boom"))).toBe("retry");
    expect(kind(new RetryLater("turn held"))).toBe("retry");
  });
});
