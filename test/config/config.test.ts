/**
 * The environment of the design's table: defaults, a bad value stopping with one line naming the variable, and
 * local secrets made once and kept.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { SignJWT } from "jose";
import { ConfigError, describeConfig, loadConfig } from "../../lib/config/index.js";
import { DEFAULT_GEMINI_MODEL } from "../../lib/config/env.js";
import { signServiceToken, verifyServiceToken } from "../../lib/contract/service-token.js";

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), "ai-admin-config-"));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ DATA_DIR: tempDir(), ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`expected a configuration error for ${JSON.stringify(env)}`);
}

const SUPABASE = {
  SUPABASE_URL: "https://abc.supabase.co",
  SUPABASE_SERVICE_ROLE_KEY: "service-role-key",
  GATEWAY_SECRET: "g".repeat(32),
  JWT_SECRET: "j".repeat(32),
};

describe("loadConfig", () => {
  it("runs on embedded defaults with nothing set", () => {
    const dataDir = tempDir();
    const c = loadConfig({ DATA_DIR: dataDir });
    expect(c).toMatchObject({
      publicUrl: "http://localhost:8787",
      port: 8787,
      gatewayUrl: "http://localhost:8788",
      gatewayPublicUrl: "http://localhost:8788",
      gatewayPort: 8788,
      yclients: { baseUrl: "https://api.yclients.com" },
      database: { kind: "embedded", dataDir, localDbPort: 54322 },
      dispatch: { kind: "local" },
      gemini: null,
      whatsappTransport: "baileys",
    });
    expect(describeConfig(c).join("\n")).toMatch(/embedded Postgres[\s\S]*local dispatcher[\s\S]*sandbox[\s\S]*Baileys/);
  });

  it("derives the local URLs from PORT and GATEWAY_PORT unless they are given", () => {
    const c = loadConfig({ DATA_DIR: tempDir(), PORT: "9100", GATEWAY_PORT: "9101" });
    expect(c.publicUrl).toBe("http://localhost:9100");
    expect(c.gatewayUrl).toBe("http://localhost:9101");
    const given = loadConfig({ DATA_DIR: tempDir(), PORT: "9100", PUBLIC_URL: "https://admin.example.com/" });
    expect(given.publicUrl).toBe("https://admin.example.com");
  });

  it("treats an empty string as absent", () => {
    const c = loadConfig({ DATA_DIR: tempDir(), PORT: "", SUPABASE_URL: "", QSTASH_TOKEN: "", GEMINI_API_KEY: "" });
    expect(c.port).toBe(8787);
    expect(c.database.kind).toBe("embedded");
    expect(c.dispatch.kind).toBe("local");
    expect(c.gemini).toBeNull();
  });

  it("stops on a malformed value, naming the variable", () => {
    expect(configError({ PORT: "abc" }).variable).toBe("PORT");
    expect(configError({ GATEWAY_PORT: "70000" }).variable).toBe("GATEWAY_PORT");
    expect(configError({ PUBLIC_URL: "ftp://x" }).variable).toBe("PUBLIC_URL");
    expect(configError({ WHATSAPP_TRANSPORT: "telegram" }).variable).toBe("WHATSAPP_TRANSPORT");
    expect(configError({ JWT_SECRET: "short" }).variable).toBe("JWT_SECRET");
    expect(configError({ GATEWAY_ALLOWED_ORIGINS: "https://ok.example, not an origin" }).variable).toBe("GATEWAY_ALLOWED_ORIGINS");
    expect(configError({ GATEWAY_MAX_SESSIONS: "0" }).variable).toBe("GATEWAY_MAX_SESSIONS");
    expect(configError({ GATEWAY_INTERNAL_URL: "10.0.0.5:8788" }).variable).toBe("GATEWAY_INTERNAL_URL");
  });

  it("takes a gateway's fleet capacity and internal address, defaulting to 500 and its own port", () => {
    const c = loadConfig({ DATA_DIR: tempDir() });
    expect([c.gatewayMaxSessions, c.gatewayInternalUrl]).toEqual([500, null]);
    const given = loadConfig({ DATA_DIR: tempDir(), GATEWAY_MAX_SESSIONS: "300", GATEWAY_INTERNAL_URL: "http://10.0.0.5:8788/" });
    expect([given.gatewayMaxSessions, given.gatewayInternalUrl]).toEqual([300, "http://10.0.0.5:8788"]);
  });

  it("takes GEMINI_MODEL as a comma-separated fallback list, defaulting to current models", () => {
    expect(loadConfig({ DATA_DIR: tempDir(), GEMINI_API_KEY: "k" }).gemini?.model).toBe(DEFAULT_GEMINI_MODEL);
    expect(loadConfig({ DATA_DIR: tempDir(), GEMINI_API_KEY: "k", GEMINI_MODEL: " gemini-3.8-flash , gemini-3.1-flash-lite, " }).gemini?.model).toBe(
      "gemini-3.8-flash,gemini-3.1-flash-lite",
    );
    expect(configError({ GEMINI_MODEL: "gemini 3 flash" }).variable).toBe("GEMINI_MODEL");
    expect(configError({ GEMINI_MODEL: " , " }).variable).toBe("GEMINI_MODEL");
  });

  it("takes a WhatsApp Web version override, and stops on one that is not a version", () => {
    expect(loadConfig({ DATA_DIR: tempDir() }).whatsappWebVersion).toBeNull();
    expect(loadConfig({ DATA_DIR: tempDir(), WHATSAPP_WEB_VERSION: "2.3000.1023456789" }).whatsappWebVersion).toEqual([2, 3000, 1023456789]);
    for (const bad of ["2.3000", "v2.3000.1", "2.3000.1023456789 ", "[2,3000,1]", "3.1.1"]) {
      const err = configError({ WHATSAPP_WEB_VERSION: bad });
      expect(err.message).toBe("WHATSAPP_WEB_VERSION: must be a WhatsApp Web version like 2.3000.1023456789");
    }
  });

  it("stops on a half-given pair, naming the missing one", () => {
    expect(configError({ SUPABASE_URL: "https://abc.supabase.co" }).variable).toBe("SUPABASE_SERVICE_ROLE_KEY");
    expect(configError({ QSTASH_TOKEN: "qstash-token" }).variable).toBe("QSTASH_CURRENT_SIGNING_KEY");
    expect(configError({ QSTASH_TOKEN: "t", QSTASH_CURRENT_SIGNING_KEY: "sig_a" }).variable).toBe("QSTASH_NEXT_SIGNING_KEY");
    expect(configError({ YCLIENTS_PARTNER_TOKEN: "partner" }).variable).toBe("YCLIENTS_APPLICATION_ID");
  });

  it("on Supabase, needs every secret given and writes nothing to DATA_DIR", () => {
    const { GATEWAY_SECRET: _g, ...noGatewaySecret } = SUPABASE;
    expect(configError(noGatewaySecret).variable).toBe("GATEWAY_SECRET");
    expect(configError({ ...SUPABASE }).variable).toBe("QSTASH_CURRENT_SIGNING_KEY");
    const dataDir = tempDir();
    const c = loadConfig({
      ...SUPABASE,
      DATA_DIR: dataDir,
      QSTASH_TOKEN: "qstash-token",
      QSTASH_CURRENT_SIGNING_KEY: "sig_current",
      QSTASH_NEXT_SIGNING_KEY: "sig_next",
    });
    expect(c.database).toEqual({ kind: "supabase", url: "https://abc.supabase.co", serviceRoleKey: "service-role-key" });
    expect(c.dispatch).toMatchObject({ kind: "qstash", url: "https://qstash.upstash.io", token: "qstash-token" });
    expect(() => statSync(join(dataDir, "local-secrets.json"))).toThrow();
  });

  it("generates local secrets once, keeps them in DATA_DIR and reuses them", () => {
    const dataDir = tempDir();
    const a = loadConfig({ DATA_DIR: dataDir });
    const file = join(dataDir, "local-secrets.json");
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const b = loadConfig({ DATA_DIR: dataDir });
    for (const c of [a, b]) expect(c.gatewaySecret.length).toBeGreaterThanOrEqual(32);
    expect(b.gatewaySecret).toBe(a.gatewaySecret);
    expect(b.jwtSecret).toBe(a.jwtSecret);
    expect(b.dispatch).toEqual(a.dispatch);
    expect(a.jwtSecret).not.toBe(a.gatewaySecret);
    // An explicit value wins over the kept one and does not overwrite it.
    const given = loadConfig({ DATA_DIR: dataDir, JWT_SECRET: "x".repeat(20) });
    expect(given.jwtSecret).toBe("x".repeat(20));
    expect(JSON.parse(readFileSync(file, "utf8")).jwtSecret).toBe(a.jwtSecret);
    expect(loadConfig({ DATA_DIR: tempDir() }).jwtSecret).not.toBe(a.jwtSecret);
  });
});

describe("npm start with a bad value", () => {
  it("exits 1 with one line naming the variable", async () => {
    const root = fileURLToPath(new URL("../../", import.meta.url));
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        join(root, "node_modules/.bin/tsx"),
        ["local/start.ts"],
        { cwd: root, env: { PATH: process.env.PATH, DATA_DIR: tempDir(), PORT: "abc" }, timeout: 30_000 },
        (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(code).toBe(1);
    expect(stdout).toBe("");
    const lines = stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^Configuration error: PORT: /);
  });
});

describe("the service token signed with GATEWAY_SECRET", () => {
  const secret = loadConfig({ DATA_DIR: tempDir() }).gatewaySecret;
  const mint = (claims: { iss?: string; aud?: string; iat: number; exp?: number }) => {
    let jwt = new SignJWT({}).setProtectedHeader({ alg: "HS256" }).setIssuer(claims.iss ?? "functions").setAudience(claims.aud ?? "gateway").setIssuedAt(claims.iat);
    if (claims.exp !== undefined) jwt = jwt.setExpirationTime(claims.exp);
    return jwt.sign(new TextEncoder().encode(secret));
  };
  const now = () => Math.floor(Date.now() / 1000);

  it("accepts its own tokens and refuses another secret's", async () => {
    const token = await signServiceToken(secret);
    expect(await verifyServiceToken(secret, token)).toBe(true);
    expect(await verifyServiceToken(`${secret}x`, token)).toBe(false);
  });

  it("refuses the wrong issuer or audience, no expiry, an expired token, and one valid for over 5 minutes", async () => {
    const t = now();
    expect(await verifyServiceToken(secret, await mint({ iat: t, exp: t + 300 }))).toBe(true);
    expect(await verifyServiceToken(secret, await mint({ iss: "gateway", iat: t, exp: t + 60 }))).toBe(false);
    expect(await verifyServiceToken(secret, await mint({ aud: "functions", iat: t, exp: t + 60 }))).toBe(false);
    expect(await verifyServiceToken(secret, await mint({ iat: t }))).toBe(false);
    expect(await verifyServiceToken(secret, await mint({ iat: t - 400, exp: t - 60 }))).toBe(false);
    expect(await verifyServiceToken(secret, await mint({ iat: t, exp: t + 3600 }))).toBe(false);
    // A future iat must not make a long-lived token look short.
    expect(await verifyServiceToken(secret, await mint({ iat: t + 3000, exp: t + 3200 }))).toBe(false);
  });
});
