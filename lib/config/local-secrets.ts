import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { keepPrivate } from "./private-dir.js";

/** Keys the local stack generates once and keeps in DATA_DIR, so tokens and signatures survive a restart. */
export interface LocalSecrets {
  gatewaySecret: string;
  jwtSecret: string;
  qstashCurrentSigningKey: string;
  qstashNextSigningKey: string;
}

export function loadLocalSecrets(dataDir: string): LocalSecrets {
  keepPrivate(dataDir);
  const file = join(dataDir, "local-secrets.json");
  let stored: Partial<LocalSecrets> = {};
  try {
    stored = JSON.parse(readFileSync(file, "utf8")) as Partial<LocalSecrets>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const make = (prefix = "") => prefix + randomBytes(32).toString("base64url");
  const secrets: LocalSecrets = {
    gatewaySecret: stored.gatewaySecret ?? make(),
    jwtSecret: stored.jwtSecret ?? make(),
    qstashCurrentSigningKey: stored.qstashCurrentSigningKey ?? make("sig_"),
    qstashNextSigningKey: stored.qstashNextSigningKey ?? make("sig_"),
  };
  if (JSON.stringify(secrets) !== JSON.stringify(stored)) {
    writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  }
  return secrets;
}
