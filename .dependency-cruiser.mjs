/**
 * `npm run lint`: who may import whom (ARCHITECTURE.md, "Layers"). dependency-cruiser resolves every import,
 * type-only ones included, and checks it against path rules and for cycles; it needs no type information, so the
 * whole tree takes seconds.
 */

/**
 * The part of lib/ the gateway may import: the contract between the two deployables and the shared
 * infrastructure. Everything else in lib/ is domain. These modules import only each other (`infra-stays-infra`),
 * so the gateway cannot reach a domain module through them.
 */
export const GATEWAY_MAY_IMPORT = [
  "^lib/contract/",
  "^lib/config/",
  "^lib/log[.]ts$",
  "^lib/clock[.]ts$",
  "^lib/db/",
  "^lib/dispatch/",
  "^lib/text/",
  "^lib/http/",
  "^lib/phone/",
  "^lib/faults[^/]*$",
  "^lib/stop-on-signals[.]ts$",
];

/** @type {import("dependency-cruiser").IConfiguration} */
export default {
  forbidden: [
    {
      name: "lib-imports-no-app",
      comment: "lib/ is the core; the deployables (functions/, whatsapp-gateway/) import it, never the reverse.",
      severity: "error",
      from: { path: "^lib/" },
      to: { path: "^(functions|whatsapp-gateway)/" },
    },
    {
      name: "gateway-imports-no-functions",
      comment: "The gateway and the functions are separate deployables; they share only lib/contract.",
      severity: "error",
      from: { path: "^whatsapp-gateway/" },
      to: { path: "^functions/" },
    },
    {
      name: "gateway-imports-contract-only",
      comment: "From lib/ the gateway imports the contract and shared infrastructure (GATEWAY_MAY_IMPORT), no domain module.",
      severity: "error",
      from: { path: "^whatsapp-gateway/" },
      to: { path: "^lib/", pathNot: GATEWAY_MAY_IMPORT },
    },
    {
      name: "infra-stays-infra",
      comment: "The contract and shared infrastructure import no domain module, so the gateway reaches none through them.",
      severity: "error",
      from: { path: GATEWAY_MAY_IMPORT },
      to: { path: "^lib/", pathNot: GATEWAY_MAY_IMPORT },
    },
    {
      name: "no-cycle",
      comment: "Import cycles, type-only ones included, tie modules together so neither can change or move alone.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)node_modules/" },
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports are dependencies too: `import type { Services }` ties lib/ to functions/ all the same.
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      extensions: [".ts", ".mjs", ".js", ".json"],
      exportsFields: ["exports"],
      conditionNames: ["import", "types", "node", "default"],
    },
    // Re-reads only files whose content changed since the last run (a fresh checkout cruises everything).
    cache: { folder: "node_modules/.cache/dependency-cruiser", strategy: "content" },
  },
};
