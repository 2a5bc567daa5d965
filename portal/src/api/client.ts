import createClient from "openapi-fetch";
import type { Middleware } from "openapi-fetch";
import type { components, paths } from "./schema";

export type Problem = components["schemas"]["Problem"];
export type Operation = components["schemas"]["Operation"];
export type Me = components["schemas"]["Me"];

const CSRF_KEY = "sda.csrf";

/** The session's CSRF token (from sign-in), kept for this tab only: the cookie itself is HttpOnly. */
export const csrf = {
  get: (): string | null => sessionStorage.getItem(CSRF_KEY),
  set: (token: string) => sessionStorage.setItem(CSRF_KEY, token),
  clear: () => sessionStorage.removeItem(CSRF_KEY),
};

/** A write made with the session cookie carries the session's CSRF token. */
function withCsrf(request: Request): Request {
  const token = csrf.get();
  if (request.method !== "GET" && token) request.headers.set("X-CSRF-Token", token);
  return request;
}
const csrfHeader: Middleware = { onRequest: ({ request }) => withCsrf(request) };

/** The gateway's public API, typed from its OpenAPI document; the session travels as the HttpOnly cookie. */
export const api = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
api.use(csrfHeader);

/** An API refusal (RFC 9457 problem details) carried as an exception. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly problem: Partial<Problem>,
  ) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
  }
  get code(): string | undefined {
    return this.problem.code;
  }
  /** Field-level messages by the field's last path segment (VALIDATION_FAILED). */
  fieldErrors(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const e of this.problem.errors ?? []) {
      const field = e.path.split(/[./]/).filter(Boolean).pop() ?? e.path;
      out[field] ??= e.message;
    }
    return out;
  }
}

/** The data of an openapi-fetch answer, or the problem it carries thrown. */
export function ok<T>(r: { data?: T; error?: unknown; response: Response }): T {
  if (r.error !== undefined || r.data === undefined) {
    const body = (typeof r.error === "object" && r.error !== null ? r.error : {}) as Partial<Problem>;
    throw new ApiProblem(r.response.status, body);
  }
  return r.data;
}

const STAFF_KEY = "sda.staffKey";

/** A staff member's API key, kept for this browser tab only (sessionStorage), never in localStorage or a cookie. */
export const staffKey = {
  get: (): string | null => sessionStorage.getItem(STAFF_KEY),
  set: (key: string) => sessionStorage.setItem(STAFF_KEY, key),
  clear: () => sessionStorage.removeItem(STAFF_KEY),
};

/**
 * The same API for the staff consoles: the API key as bearer token; without one, the session of a staff wallet (the
 * cookie, with the CSRF token on writes). The gateway takes the key first when both travel.
 */
export const staffApi = createClient<paths>({ baseUrl: location.origin, credentials: "same-origin" });
staffApi.use({
  onRequest({ request }) {
    const key = staffKey.get();
    if (key) request.headers.set("Authorization", `Bearer ${key}`);
    else withCsrf(request);
    return request;
  },
});
