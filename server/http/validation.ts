/**
 * Edge validation shared by every route: what a value must be before any service, database or chain sees it.
 * Text is well-formed Unicode (a lone UTF-16 surrogate would be encoded as invalid UTF-8 on chain and poison every
 * reader of the event) without control characters (PostgreSQL refuses NUL); identifiers follow their own rule;
 * JSON is bounded in depth before anything recurses into it.
 */
import { z } from "./openapi";
import { isValidIdentificationNumber } from "../domain/identification-number";

/** Nesting deeper than this is refused before any recursive code (canonical JSON, hashing) runs. */
export const MAX_JSON_DEPTH = 32;

// C0 controls and DEL; a free text may still hold tab, line feed and carriage return.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_OR_BREAK = /[\u0000-\u001f\u007f]/;

export const WELL_FORMED = "must be well-formed Unicode (no lone UTF-16 surrogates)";

/** A free text (may span lines) of `min`..`max` characters; when required (min > 0), not blank. */
export function Text(max: number, min = 0) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((v) => v.isWellFormed(), WELL_FORMED)
    .refine((v) => !CONTROL.test(v), "must not contain control characters other than tab and line breaks")
    .refine((v) => min === 0 || v.trim().length >= min, "must not be blank");
}

/** A one-line text (a name, a reason, a reference) of `min`..`max` characters; when required (min > 0), not blank. */
export function Line(max: number, min = 0) {
  return z
    .string()
    .min(min)
    .max(max)
    .refine((v) => v.isWellFormed(), WELL_FORMED)
    .refine((v) => !CONTROL_OR_BREAK.test(v), "must be one line without control characters")
    .refine((v) => min === 0 || v.trim().length >= min, "must not be blank");
}

/** The largest value of the database's `integer` columns (PostgreSQL int4): a larger one would fail in SQL. */
export const INT4_MAX = 2_147_483_647;

/** A non-negative integer from a query string, at most INT4_MAX. */
export const QueryInt = (min = 0) => z.coerce.number().int().min(min).max(INT4_MAX);
/** A non-negative integer in a JSON body, at most INT4_MAX. */
export const BodyInt = (min = 0) => z.number().int().min(min).max(INT4_MAX);

/**
 * A document's address as published on chain (decision, disclosure): an absolute http(s) URL with a host and no
 * credentials. Whether plain http is accepted is the gateway's policy (DOCUMENT_URI_ALLOW_HTTP), applied by the
 * services; anything else (javascript:, data:, file:, ftp:, free text) is refused here.
 */
export function documentUriProblem(value: string): string | null {
  if (value.length > 2000) return "at most 2000 characters";
  if (!value.isWellFormed()) return WELL_FORMED;
  // eslint-disable-next-line no-control-regex -- a URI must not hold a control character
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return "must not contain spaces or control characters";
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return "must be an absolute https URL";
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    return `must be an https URL (scheme ${url.protocol} is not allowed)`;
  if (!url.hostname) return "must name a host";
  if (url.username || url.password) return "must not carry credentials";
  return null;
}

export const DocumentUri = z
  .string()
  .superRefine((v, ctx) => {
    const problem = documentUriProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    type: "string",
    format: "uri",
    maxLength: 2000,
    example: "https://steppegrain.kz/decisions/2026-01.pdf",
    description: "absolute https URL (http only where the operator allows it)",
  });

/** As DocumentUri, but the empty (or blank) value passes, so the service can name the missing element (Art. 5.2). */
export const OptionalDocumentUri = z
  .string()
  .superRefine((v, ctx) => {
    if (v.trim() === "") return;
    const problem = documentUriProblem(v);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .openapi({
    type: "string",
    format: "uri",
    maxLength: 2000,
    example: "https://steppegrain.kz/decisions/2026-01.pdf",
    description: "absolute https URL (http only where the operator allows it)",
  });

/** A Kazakh BIN or IIN: twelve digits with a valid mod-11 control digit (Art. 5.1.5). */
export const IdentificationNumber = z
  .string()
  .refine(
    isValidIdentificationNumber,
    "must be a BIN/IIN: 12 digits whose last is the mod-11 control digit of the first 11",
  )
  .openapi({
    type: "string",
    pattern: "^[0-9]{12}$",
    example: "230140012340",
    description: "BIN or IIN: 12 digits, the 12th a mod-11 control digit",
  });

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const UNIX_SECONDS = /^(0|[1-9][0-9]{0,11})$/;

/**
 * A time bound: unix seconds, an ISO-8601 date (midnight UTC) or an ISO-8601 date-time with Z or an offset.
 * Nothing else: Date.parse reads almost anything as some date.
 */
export const TimeBound = z
  .string()
  .superRefine((v, ctx) => {
    if (UNIX_SECONDS.test(v)) return;
    if (ISO_DATE.test(v) ? z.iso.date().safeParse(v).success : z.iso.datetime({ offset: true }).safeParse(v).success)
      return;
    ctx.addIssue({
      code: "custom",
      message: "must be unix seconds or an ISO-8601 date (2026-01-01) or date-time with a zone (2026-01-01T00:00:00Z)",
    });
  })
  .transform((v) =>
    UNIX_SECONDS.test(v) ? Number(v) : Math.floor(Date.parse(ISO_DATE.test(v) ? `${v}T00:00:00Z` : v) / 1000),
  )
  .openapi({ type: "string", example: "2026-01-01T00:00:00Z" });

export interface JsonProblem {
  path: string;
  message: string;
}

/**
 * The first problem of a parsed JSON value (or query/params object): nesting deeper than `maxDepth`, a key or
 * string that is not well-formed Unicode or holds a control character other than tab and line breaks (PostgreSQL
 * refuses NUL), or a `__proto__` key (an object built from it would drop the member silently). Iterative, so a
 * hostile depth cannot overflow the stack.
 */
export function inspectJson(value: unknown, maxDepth = MAX_JSON_DEPTH): JsonProblem | null {
  const stack: Array<{ v: unknown; depth: number; path: string }> = [{ v: value, depth: 0, path: "" }];
  while (stack.length > 0) {
    const { v, depth, path } = stack.pop()!;
    if (typeof v === "string") {
      if (!v.isWellFormed()) return { path, message: WELL_FORMED };
      if (CONTROL.test(v))
        return { path, message: "must not contain control characters other than tab and line breaks" };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= maxDepth) return { path, message: `nested more than ${maxDepth} levels deep` };
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++)
        stack.push({ v: v[i], depth: depth + 1, path: path ? `${path}.${i}` : String(i) });
      continue;
    }
    for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
      if (!k.isWellFormed()) return { path, message: `key ${WELL_FORMED}` };
      if (CONTROL.test(k)) return { path, message: "key must not contain control characters" };
      if (k === "__proto__") return { path, message: "__proto__ is not a member name" };
      stack.push({ v: child, depth: depth + 1, path: path ? `${path}.${k}` : k });
    }
  }
  return null;
}
