/** The model's function declarations, derived from each tool's argument schema so a tool is declared once. */
import { SchemaType, type FunctionDeclaration, type FunctionDeclarationSchemaProperty } from "@google/generative-ai";
import { z } from "zod";
import type { Tool } from "./tool-kit.js";

interface JsonProperty {
  type: "string" | "integer" | "number" | "boolean";
  description?: string;
  enum?: string[];
}

const TYPES: Record<JsonProperty["type"], SchemaType> = {
  string: SchemaType.STRING,
  integer: SchemaType.INTEGER,
  number: SchemaType.NUMBER,
  boolean: SchemaType.BOOLEAN,
};

function property(p: JsonProperty): FunctionDeclarationSchemaProperty {
  if (p.enum) return { type: SchemaType.STRING, format: "enum", enum: p.enum } as FunctionDeclarationSchemaProperty;
  const type = TYPES[p.type];
  if (!type) throw new Error(`tool argument of type ${String(p.type)} cannot be declared to the model`);
  return (p.description ? { type, description: p.description } : { type }) as FunctionDeclarationSchemaProperty;
}

/** The model sees what the client would send (`io: "input"`): a transform's output shape is ours, not its. */
export function declaration(t: Tool): FunctionDeclaration {
  const json = z.toJSONSchema(t.schema, { io: "input" }) as { properties?: Record<string, JsonProperty>; required?: string[] };
  const properties = Object.fromEntries(Object.entries(json.properties ?? {}).map(([k, p]) => [k, property(p)]));
  const required = json.required ?? [];
  return {
    name: t.name,
    description: t.description,
    parameters: { type: SchemaType.OBJECT, properties, ...(required.length > 0 ? { required } : {}) },
  };
}
