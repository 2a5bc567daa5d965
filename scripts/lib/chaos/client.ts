/** The harness's HTTP client: one exchange with a bound, never throwing (a network error is status 0). */
export interface Answer {
  status: number;
  body: Record<string, unknown> | null;
  ms: number;
  /** Why there was no HTTP answer (connection refused or reset, timeout). */
  error?: string;
}

export async function call(
  base: string,
  method: "GET" | "POST",
  path: string,
  opts: { apiKey?: string; body?: unknown; idempotencyKey?: string; timeoutMs?: number } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (opts.apiKey) headers.authorization = `Bearer ${opts.apiKey}`;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  if (opts.idempotencyKey) headers["idempotency-key"] = opts.idempotencyKey;
  const started = performance.now();
  try {
    const res = await fetch(base + path, {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: AbortSignal.timeout(opts.timeoutMs ?? 30_000),
    });
    const text = await res.text();
    let body: Record<string, unknown> | null = null;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = { raw: text.slice(0, 200) };
    }
    return { status: res.status, body, ms: performance.now() - started };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    return { status: 0, body: null, ms: performance.now() - started, error: e.cause?.code ?? e.name ?? String(err) };
  }
}

/** The problem `code` of an error answer (RFC 9457 body with the gateway's `code`). */
export function problemCode(a: Answer): string | undefined {
  const b = a.body as { code?: unknown; error?: { code?: unknown } } | null;
  if (typeof b?.code === "string") return b.code;
  if (typeof b?.error?.code === "string") return b.error.code;
  return undefined;
}

export function operationOf(a: Answer): { id: string; status: string } | undefined {
  const op = (a.body as { operation?: { id?: unknown; status?: unknown } } | null)?.operation;
  return typeof op?.id === "string" ? { id: op.id, status: String(op.status) } : undefined;
}

/** Runs `fn` over `items` with at most `n` at a time. */
export async function pool<T>(items: readonly T[], n: number, fn: (item: T, index: number) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}
