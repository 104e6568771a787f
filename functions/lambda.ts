import { handle } from "hono/aws-lambda";
import { createApp } from "./app.js";
import { lambdaServices } from "./lambda-services.js";

/**
 * The functions app behind its Lambda Function URL: the same createApp the local stack serves, built once per cold
 * start (top-level await runs in Lambda's init phase, so a bad configuration fails the cold start with its message).
 * Routes, webhooks and the /jobs/* QStash calls all arrive here.
 */
const app = createApp(await lambdaServices());

export const handler = handle(app);
