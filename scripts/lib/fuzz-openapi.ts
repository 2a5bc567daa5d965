import type { Role } from "../../server/persistence/entities";

/** The part of JSON Schema (OpenAPI 3.1) the gateway's zod schemas produce, as far as the fuzzer reads it. */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  example?: unknown;
  description?: string;
  $ref?: string;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
}

export type ParamLocation = "path" | "query" | "header";

export interface Param {
  name: string;
  in: ParamLocation;
  required: boolean;
  schema: JsonSchema;
}

export type HttpMethod = "get" | "post" | "put" | "delete" | "patch";

export interface Endpoint {
  method: HttpMethod;
  /** OpenAPI template, e.g. /v1/assets/{assetId} */
  path: string;
  operationId: string;
  /** Who may call it: read from the description the gateway writes ("Roles: …", "No API key needed."). */
  roles: Role[] | "public" | "any";
  params: Param[];
  /** The JSON request body's schema, $refs resolved; absent when the route takes no body. */
  body?: JsonSchema;
  /** Anything but GET changes something when it is accepted. */
  mutating: boolean;
}

interface RawOperation {
  operationId?: string;
  description?: string;
  security?: unknown[];
  parameters?: { name: string; in: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Partial<Record<HttpMethod, RawOperation>>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

const ROLES: Role[] = ["authority", "operator", "verifier", "monitor"];

/** Inlines every `#/components/schemas/…` reference (the gateway's schemas are not recursive). */
export function resolveRefs(schema: JsonSchema, doc: OpenApiDocument, depth = 0): JsonSchema {
  if (depth > 32) throw new Error("schema nesting too deep (recursive $ref?)");
  if (schema.$ref) {
    const name = schema.$ref.replace(/^#\/components\/schemas\//, "");
    const target = doc.components?.schemas?.[name];
    if (!target) throw new Error(`unresolved $ref ${schema.$ref}`);
    const { $ref: _ref, ...rest } = schema;
    return resolveRefs({ ...target, ...rest }, doc, depth + 1);
  }
  const out: JsonSchema = { ...schema };
  if (schema.properties)
    out.properties = Object.fromEntries(
      Object.entries(schema.properties).map(([k, v]) => [k, resolveRefs(v, doc, depth + 1)]),
    );
  if (schema.items) out.items = resolveRefs(schema.items, doc, depth + 1);
  if (schema.additionalProperties && typeof schema.additionalProperties === "object")
    out.additionalProperties = resolveRefs(schema.additionalProperties, doc, depth + 1);
  for (const key of ["anyOf", "oneOf", "allOf"] as const) {
    const list = schema[key];
    if (list) out[key] = list.map((s) => resolveRefs(s, doc, depth + 1));
  }
  return out;
}

function rolesOf(op: RawOperation): Endpoint["roles"] {
  const text = op.description ?? "";
  if (/No API key needed/i.test(text)) return "public";
  if (/Roles:\s*any API key/i.test(text)) return "any";
  const m = text.match(/Roles:\s*([a-z ,]+)\./i);
  if (m) {
    const listed = m[1]
      .split(",")
      .map((r) => r.trim())
      .filter((r): r is Role => (ROLES as string[]).includes(r));
    if (listed.length > 0) return listed;
  }
  // Undocumented roles: a secured route takes some key; an unsecured one none.
  return op.security && op.security.length > 0 ? "any" : "public";
}

/** Every operation of the document, in document order. */
export function endpointsOf(doc: OpenApiDocument): Endpoint[] {
  const out: Endpoint[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const method of ["get", "post", "put", "delete", "patch"] as const) {
      const op = ops[method];
      if (!op) continue;
      const params: Param[] = (op.parameters ?? [])
        .filter(
          (p): p is { name: string; in: ParamLocation; required?: boolean; schema?: JsonSchema } =>
            p.in === "path" || p.in === "query" || p.in === "header",
        )
        .map((p) => ({
          name: p.name,
          in: p.in,
          required: p.required ?? p.in === "path",
          schema: resolveRefs(p.schema ?? {}, doc),
        }));
      // Path parameters the document forgot to declare are still parameters.
      for (const m of path.matchAll(/\{(\w+)\}/g)) {
        if (!params.some((p) => p.in === "path" && p.name === m[1]))
          params.push({ name: m[1], in: "path", required: true, schema: { type: "string" } });
      }
      const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
      out.push({
        method,
        path,
        operationId: op.operationId ?? `${method} ${path}`,
        roles: rolesOf(op),
        params,
        body: bodySchema ? resolveRefs(bodySchema, doc) : undefined,
        mutating: method !== "get",
      });
    }
  }
  return out;
}

/** The types a schema admits (an empty list: anything). */
export function typesOf(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return Array.isArray(schema.type) ? schema.type : [schema.type];
}
