import { Validator } from "@seriousme/openapi-schema-validator";
import { Ajv2020 } from "ajv/dist/2020.js";
import { describe, expect, it } from "vitest";
import { version } from "../../package.json";
import { buildOpenApiDocument } from "../../src/schemas/openapi-document";

/**
 * The OpenAPI document (GET /api/openapi.json) is valid OpenAPI 3.1, checked in Node: both
 * validators compile schemas with `new Function`, which workerd refuses. That the worker serves
 * this same document, and that real answers match it, is checked inside workerd by
 * test/integration/openapi-answers.test.ts.
 */
const document = buildOpenApiDocument(version);
const BASE = "https://stepwise.test/openapi.json";

/** Every Schema Object of the document, with where it is: components, parameters, bodies and answers. */
function schemaObjects(): [string, Record<string, unknown>][] {
  const found: [string, Record<string, unknown>][] = [];
  const visit = (node: unknown, path: string) => {
    if (node === null || typeof node !== "object") return;
    for (const [key, value] of Object.entries(node)) {
      // Schemas sit under `schema` (parameters, media types); examples hold values, not schemas.
      if (key === "schema" && value !== null && typeof value === "object") found.push([`${path}/schema`, value as Record<string, unknown>]);
      else if (key !== "examples") visit(value, `${path}/${key}`);
    }
  };
  visit(document.paths, "#/paths");
  visit(document.components, "#/components");
  for (const [name, schema] of Object.entries(document.components.schemas)) found.push([`#/components/schemas/${name}`, schema]);
  return found;
}

describe("the OpenAPI document", () => {
  it("is a valid OpenAPI 3.1 document by @seriousme/openapi-schema-validator", async () => {
    const validator = new Validator();
    const result = await validator.validate(structuredClone(document));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("has only schemas that compile as strict JSON Schema 2020-12, every reference resolved", () => {
    // Strict: an unknown keyword or a misspelt one is an error, not an annotation. (Not strict on
    // types or `required` outside `properties`: the event body says "name or n" with `oneOf` of `required`.)
    const ajv = new Ajv2020({
      strict: true,
      strictTypes: false,
      strictRequired: false,
      allErrors: true,
      formats: { date: true, uri: true },
    });
    // The document's components, for the references; `components` is no JSON Schema keyword.
    ajv.addVocabulary(["components"]);
    ajv.addSchema({ $id: BASE, components: document.components });
    const schemas = schemaObjects();
    expect(schemas.length).toBeGreaterThan(40);
    for (const [where, schema] of schemas) {
      const absolute = JSON.parse(JSON.stringify(schema).replaceAll('"$ref":"#/components/', `"$ref":"${BASE}#/components/`));
      expect(() => ajv.compile(absolute), where).not.toThrow();
    }
  });

  it("documents every error code, and each answer's codes carry its status", () => {
    const codes = (document.components.schemas.Error as { properties: { error: { properties: { code: { enum: string[] } } } } }).properties
      .error.properties.code.enum;
    expect(codes).toEqual(
      expect.arrayContaining(["invalid_event", "invalid_query", "unsupported_filter", "unauthorized", "rate_limited", "unavailable"]),
    );
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations as Record<string, { responses: Record<string, unknown> }>)) {
        for (const [status, answer] of Object.entries(operation.responses)) {
          const narrowed = (
            answer as { content?: Record<string, { schema: { properties?: { error?: { properties: { code: { enum: string[] } } } } } }> }
          ).content?.["application/json"]?.schema.properties?.error?.properties.code.enum;
          if (narrowed === undefined) continue;
          expect(Number(status), `${method} ${path}`).toBeGreaterThanOrEqual(400);
          for (const code of narrowed) expect(codes, `${method} ${path} ${status}`).toContain(code);
        }
      }
    }
  });
});
