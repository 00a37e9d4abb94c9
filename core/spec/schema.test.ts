import { describe, expect, it } from "vitest";
import { DURATION_PATTERN_SOURCE } from "../domain/durations.ts";
import { ENVIRONMENTS } from "../domain/environments.ts";
import { SCOPES } from "../domain/scopes.ts";
import {
  DELETION_POLICIES,
  type KeySpec,
  RESTART_TARGET_KINDS,
  type RotationSpec,
  type SecretSpec,
} from "./key-spec.ts";
import { API_KEY_SCHEMA, fieldsAt, kubernetesOnlyPaths } from "./schema.ts";

type Node = Record<string, unknown> & { properties?: Record<string, Node>; items?: Node };

// Records keyed by the hand-written types: the compiler fails if a field is missing here.
const SPEC_FIELDS: Record<keyof KeySpec, true> = {
  displayName: true,
  environment: true,
  scopes: true,
  expiresAfter: true,
  expiresAt: true,
  rotation: true,
  owner: true,
  purpose: true,
  description: true,
  secret: true,
  restartTargets: true,
  deletionPolicy: true,
};
const ROTATION_FIELDS: Record<keyof RotationSpec, true> = {
  every: true,
  renewBefore: true,
  gracePeriod: true,
  quietPeriod: true,
};
const SECRET_FIELDS: Record<keyof SecretSpec, true> = {
  name: true,
  key: true,
  previousKey: true,
  labels: true,
  annotations: true,
};

function nodes(node: Node, path: string, visit: (node: Node, path: string) => void): void {
  visit(node, path);
  for (const [name, child] of Object.entries(node.properties ?? {}))
    nodes(child, path ? `${path}.${name}` : name, visit);
  if (node.items) nodes(node.items, `${path}[]`, visit);
  if (typeof node.additionalProperties === "object")
    nodes(node.additionalProperties as Node, `${path}{}`, visit);
}

const schema = API_KEY_SCHEMA as Node;
const props = (path: string) => schema.properties?.[path] as Node;

describe("apikey.schema.json", () => {
  it.each([
    { name: "the spec", path: "", fields: Object.keys(SPEC_FIELDS) },
    { name: "rotation", path: "rotation", fields: Object.keys(ROTATION_FIELDS) },
    { name: "secret", path: "secret", fields: Object.keys(SECRET_FIELDS) },
  ])("has the same fields for $name as the KeySpec type", ({ path, fields }) => {
    expect(fieldsAt(path).sort()).toEqual([...fields].sort());
  });

  it.each([
    { name: "environments", actual: () => props("environment").enum, expected: ENVIRONMENTS },
    { name: "scopes", actual: () => props("scopes").items?.enum, expected: SCOPES },
    {
      name: "restart target kinds",
      actual: () => props("restartTargets").items?.properties?.kind?.enum,
      expected: RESTART_TARGET_KINDS,
    },
    { name: "deletion policies", actual: () => props("deletionPolicy").enum, expected: DELETION_POLICIES },
  ])("lists the same $name as the code", ({ actual, expected }) => {
    expect(actual()).toEqual([...expected]);
  });

  it("marks exactly the Kubernetes-only fields of contract 2", () => {
    expect(kubernetesOnlyPaths().sort()).toEqual([
      "deletionPolicy",
      "restartTargets",
      "rotation.quietPeriod",
      "secret",
    ]);
  });

  it("stays in the structural subset a CRD generator can translate", () => {
    const problems: string[] = [];
    nodes(schema, "", (node, path) => {
      if (typeof node.type !== "string") problems.push(`${path || "(root)"} has no single type`);
      if (typeof node.description !== "string" && !path.endsWith("{}"))
        problems.push(`${path} has no description`);
      for (const keyword of ["$ref", "oneOf", "anyOf", "allOf", "not", "if", "patternProperties"]) {
        if (keyword in node) problems.push(`${path} uses ${keyword}`);
      }
      if (node.type === "object" && node.properties && node.additionalProperties !== false) {
        problems.push(`${path} allows unknown fields`);
      }
    });
    expect(problems).toEqual([]);
  });

  it("uses the one duration pattern for every duration field", () => {
    const durations: string[] = [];
    nodes(schema, "", (node, path) => {
      if (node.pattern === DURATION_PATTERN_SOURCE) durations.push(path);
    });
    expect(durations.sort()).toEqual([
      "expiresAfter",
      "rotation.every",
      "rotation.gracePeriod",
      "rotation.quietPeriod",
      "rotation.renewBefore",
    ]);
  });

  it("marks scopes as a set", () => {
    expect(props("scopes").uniqueItems).toBe(true);
  });
});
