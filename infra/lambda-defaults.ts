/**
 * What every Lambda of the functions shares: Node 22 (the runtime the design names), ESM so the entry can build its
 * services with top-level await during the init phase, and arm64 (the bundle is plain JS).
 */
export const LAMBDA_DEFAULTS = {
  runtime: "nodejs22.x",
  architecture: "arm64",
  memory: "1024 MB",
  nodejs: { format: "esm", minify: true },
  logging: { retention: "1 month", format: "json" },
} satisfies Partial<sst.aws.FunctionArgs>;
