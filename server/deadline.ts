/** The error a deadline raises; its name matches what `AbortSignal.timeout` raises, so callers test `name`. */
export class DeadlineError extends Error {
  override readonly name = "TimeoutError";
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

/**
 * Runs `work` (an outbound HTTP exchange) with a hard deadline and an optional stop signal. Not
 * `AbortSignal.any([AbortSignal.timeout(ms), stop])`: on Node 20 undici follows a fetch's signal through weak
 * references, and after a garbage collection the timeout can be lost, leaving the request waiting on the peer.
 * Here the timer holds the controller strongly, and the race settles at the deadline even if the abort is missed.
 */
export async function withDeadline<T>(
  ms: number,
  stop: AbortSignal | undefined,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const onStop = () => controller.abort(stop?.reason);
  if (stop?.aborted) onStop();
  else stop?.addEventListener("abort", onStop, { once: true });
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const err = new DeadlineError(ms);
      controller.abort(err);
      reject(err);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
    stop?.removeEventListener("abort", onStop);
  }
}
