/** The one error a route throws for a client-visible refusal; onError turns it into `{error:{code,message}}`. */
export class ApiError extends Error {
  constructor(readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 503, readonly code: string, message: string) {
    super(message);
    this.name = "ApiError";
  }
}
