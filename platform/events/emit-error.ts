/**
 * The error a failed emit throws, on its own: the app factory recognises it in every
 * function, and importing it from emit.ts put the CloudEvents SDK and the HTTP sender
 * (~60 KiB minified) into every bundle, including those that never send an event.
 */

/** The sink refused the event or could not be reached. */
export class EmitError extends Error {
  constructor(
    message: string,
    /** HTTP status from the sink; undefined when it could not be reached. */
    readonly status: number | undefined,
  ) {
    super(message);
    this.name = 'EmitError';
  }

  /** Knative's rule: network errors, 404/408/409/429 and 5xx are worth another try. */
  get retryable(): boolean {
    const s = this.status;
    return s === undefined || s >= 500 || s === 404 || s === 408 || s === 409 || s === 429;
  }
}
