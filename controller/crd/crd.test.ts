import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { isAlias, parseAllDocuments, visit } from "yaml";
import { API_KEY_SCHEMA } from "../../core/spec/schema.ts";
import { apiKeyCrd, CRD_FILES, renderAllCrds, renderCrdYaml } from "./generate.ts";
import { toStructural } from "./translate.ts";

const run = promisify(execFile);
const deployDir = new URL("../../deploy/crd/", import.meta.url);

type Json = Record<string, unknown>;

function walk(node: unknown, visit: (node: Json, path: string) => void, path = ""): void {
  if (Array.isArray(node)) {
    for (const [i, item] of node.entries()) walk(item, visit, `${path}[${i}]`);
  } else if (typeof node === "object" && node !== null) {
    visit(node as Json, path);
    for (const [k, v] of Object.entries(node)) walk(v, visit, `${path}.${k}`);
  }
}

describe("the generated CRDs", () => {
  it.each(Object.entries(CRD_FILES))(
    "deploy/crd/%s is what the generator writes (no drift from the schema)",
    (file, make) => {
      const checkedIn = readFileSync(new URL(file, deployDir), "utf8");
      expect(checkedIn, `regenerate it: ayra-keys crd, or node controller/crd/write.ts`).toBe(
        renderCrdYaml(make()),
      );
    },
  );

  it.each(Object.keys(CRD_FILES))("deploy/crd/%s holds no YAML anchors or aliases", (file) => {
    const docs = parseAllDocuments(readFileSync(new URL(file, deployDir), "utf8"));
    let aliases = 0;
    let anchors = 0;
    for (const doc of docs)
      visit(doc, (_key, node) => {
        if (isAlias(node)) aliases++;
        else if (node !== null && typeof node === "object" && "anchor" in node && node.anchor) anchors++;
      });
    expect({ aliases, anchors }).toEqual({ aliases: 0, anchors: 0 });
  });

  it("describes every status field, for kubectl explain", () => {
    const version = ((apiKeyCrd().spec as Json).versions as Json[])[0] as Json;
    const status = ((version.schema as Json).openAPIV3Schema as { properties: Json }).properties.status;
    const undescribed: string[] = [];
    walk(status, (node, path) => {
      if (typeof node.type === "string" && typeof node.description !== "string") undescribed.push(path);
    });
    expect(undescribed).toEqual([]);
  });

  it("prints the next rotation as a timestamp string (a date column shows <invalid> for the future), the Secret, and the reason at -o wide", () => {
    const version = ((apiKeyCrd().spec as Json).versions as Json[])[0] as Json;
    const columns = version.additionalPrinterColumns as Json[];
    expect(columns.find((c) => c.name === "Next rotation")).toMatchObject({
      type: "string",
      jsonPath: ".status.nextRotationAt",
    });
    expect(columns.find((c) => c.name === "Secret")).toMatchObject({ jsonPath: ".status.secretName" });
    expect(columns.find((c) => c.name === "Reason")).toMatchObject({ priority: 1 });
    for (const c of columns) if (c.type === "date") expect(c.jsonPath).toBe(".metadata.creationTimestamp");
  });

  it("carries nothing a structural schema refuses", () => {
    const schema = (apiKeyCrd().spec as Json).versions as Json[];
    walk(schema, (node, path) => {
      for (const refused of ["$schema", "$id", "title", "uniqueItems", "$ref", "oneOf", "anyOf"])
        expect(node, `${path} has ${refused}`).not.toHaveProperty(refused);
      expect(node.additionalProperties, path).not.toBe(false);
      for (const key of Object.keys(node)) expect(key.startsWith("x-ayra-"), `${path}.${key}`).toBe(false);
    });
  });

  it("turns uniqueItems into a set and keeps the CEL rules", () => {
    const spec = toStructural(API_KEY_SCHEMA) as {
      properties: Record<string, Json>;
      "x-kubernetes-validations": unknown[];
    };
    expect(spec.properties.scopes?.["x-kubernetes-list-type"]).toBe("set");
    expect(spec.properties.environment?.["x-kubernetes-validations"]).toEqual([
      expect.objectContaining({ rule: "self == oldSelf" }),
    ]);
    expect(spec["x-kubernetes-validations"]).toHaveLength(1);
  });

  it("inlines local $refs and refuses oneOf", () => {
    const root = {
      $defs: { d: { type: "string", pattern: "^x$" } },
      properties: { a: { $ref: "#/$defs/d" } },
    };
    expect(toStructural(root)).toEqual({ properties: { a: { type: "string", pattern: "^x$" } } });
    expect(() => toStructural({ oneOf: [{ type: "string" }, { type: "integer" }] })).toThrow(/oneOf/);
  });

  it("`ayra-keys crd` prints both CRDs", async () => {
    const main = new URL("../../cli/main.ts", import.meta.url).pathname;
    const { stdout } = await run(process.execPath, [main, "crd"]);
    expect(stdout).toBe(renderAllCrds());
    const names = parseAllDocuments(stdout).map(
      (d) => (d.toJS() as { metadata: { name: string } }).metadata.name,
    );
    expect(names).toEqual(["apikeys.keys.ayra.ai", "apikeypolicies.keys.ayra.ai"]);
    const json = JSON.parse((await run(process.execPath, [main, "crd", "--output", "json"])).stdout) as {
      items: unknown[];
    };
    expect(json.items).toHaveLength(2);
  });
});
