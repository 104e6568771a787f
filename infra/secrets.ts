import { SECRET_ENV, type SecretName } from "./secret-env";

export type Secrets = Record<SecretName, sst.Secret>;

/**
 * One sst.Secret per secret of the design's configuration table; values are set per stage with
 * `sst secret set <Name> <value> --stage <stage>` and never appear in this repository.
 */
export function createSecrets(): Secrets {
  return Object.fromEntries(
    SECRET_ENV.map((s) => [s.name, s.optional ? new sst.Secret(s.name, "") : new sst.Secret(s.name)]),
  ) as Secrets;
}

/** Picks the secrets a component may read: link the minimum. */
export function pick(secrets: Secrets, names: readonly SecretName[]): sst.Secret[] {
  return names.map((n) => secrets[n]);
}
