/**
 * Recording stand-ins for the globals SST injects into sst.config.ts (`$config`, `$app`, `sst`, `aws`,
 * `$interpolate`, `$jsonParse`, …), so the real config can be evaluated here without AWS, Pulumi or a deploy.
 *
 * `new sst.aws.X(name, args)` records `{ type: "sst.aws.X", name, args }` and returns a stand-in whose properties
 * are placeholders naming where they came from: `api.url` is the string "<Api.url>", which is what a test sees
 * wherever the config passed it on. Method calls on a stand-in (`api.addEnvironment(...)`) are recorded too.
 */

export interface Recorded {
  type: string;
  name: string;
  args: Record<string, unknown>;
  calls: Array<{ method: string; args: unknown[] }>;
}

export interface SstConfig {
  app(input: { stage: string }): Record<string, unknown>;
  run(): Promise<Record<string, unknown>>;
}

const recordOf = new WeakMap<object, Recorded>();

/** The record behind a stand-in (a linked secret, a cluster passed to a service), or undefined for plain values. */
export function recordBehind(value: unknown): Recorded | undefined {
  return typeof value === "object" && value !== null ? recordOf.get(value) : undefined;
}

function standIn(record: Recorded): object {
  const target = {};
  const proxy: object = new Proxy(target, {
    get(_t, prop) {
      if (typeof prop === "symbol") return undefined;
      if (prop === "then") return undefined; // not a promise
      if (prop === "addEnvironment") {
        return (...args: unknown[]) => {
          record.calls.push({ method: prop, args });
          return {};
        };
      }
      return `<${record.name}.${prop}>`;
    },
  });
  recordOf.set(proxy, record);
  return proxy;
}

function namespace(path: string, records: Recorded[]): unknown {
  return new Proxy(function () {}, {
    get(_t, prop) {
      if (typeof prop === "symbol") return undefined;
      return namespace(`${path}.${prop}`, records);
    },
    construct(_t, argArray) {
      const [name, args] = argArray as [string, unknown];
      // sst.Secret(name, placeholder) takes a placeholder, not an args object.
      const record: Recorded = {
        type: path,
        name,
        args: path === "sst.Secret" ? { placeholder: args } : ((args ?? {}) as Record<string, unknown>),
        calls: [],
      };
      records.push(record);
      return standIn(record);
    },
  });
}

/** A resolved-value stand-in with Pulumi's `.apply`, enough for transforms that reshape JSON. */
function resolved<T>(value: T) {
  return { apply: <U>(fn: (v: T) => U) => fn(value) };
}

/**
 * Installs the stand-ins, imports sst.config.ts, and returns a function that evaluates it for a stage with the given
 * deploy-time environment. Each evaluation records from scratch.
 */
export async function loadSstConfig(configPath: string) {
  const g = globalThis as Record<string, unknown>;
  const records: Recorded[] = [];
  g.$config = (c: unknown) => c;
  g.$dev = false;
  g.$interpolate = (parts: TemplateStringsArray, ...values: unknown[]) =>
    parts.reduce((out, part, i) => out + part + (i < values.length ? String(values[i]) : ""), "");
  g.$jsonParse = (v: unknown) => resolved(JSON.parse(String(v)));
  g.$jsonStringify = (v: unknown) => JSON.stringify(v);
  g.sst = namespace("sst", records);
  g.aws = namespace("aws", records);

  const config = ((await import(configPath)) as { default: SstConfig }).default;

  return {
    config,
    async evaluate(stage: string, env: Record<string, string>, opts: { dev?: boolean } = {}) {
      records.length = 0;
      g.$dev = opts.dev ?? false;
      const app = config.app({ stage });
      g.$app = { name: app.name, stage, removal: app.removal, protect: app.protect };
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const outputs = await config.run();
        return { app, outputs, records: [...records] };
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    },
  };
}
