import { extendZodWithOpenApi, OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";

extendZodWithOpenApi(z);

export { z };

export const registry = new OpenAPIRegistry();

registry.registerComponent("securitySchemes", "apiKey", {
  type: "http",
  scheme: "bearer",
  description: "API key created with `npm run cli -- api-key create`",
});

export const ErrorBody = z
  .object({
    error: z.object({ code: z.string(), message: z.string(), details: z.record(z.string(), z.unknown()).optional() }),
  })
  .openapi("Error");

export function openApiDocument(): object {
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: "3.1.0",
    info: {
      title: "Secured digital assets gateway",
      version: "1.0.0",
      description:
        'HTTP gateway of the secured digital asset platform (Law of the Republic of Kazakhstan "On digital assets"). Mutating calls return 202 with an operation to poll at /v1/operations/{id}, or wait with ?wait=true. Errors: { error: { code, message, details } }.',
    },
    servers: [{ url: "/" }],
  });
}
