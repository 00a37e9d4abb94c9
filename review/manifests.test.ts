import { describe, expect, it } from "vitest";
import { parseManifestFile } from "./manifest-file.ts";
import { parseManifestText } from "./manifests.ts";

const options = { namespace: "default", side: "head" as const };

const WEB = `# a comment first
apiVersion: keys.ayra.ai/v1alpha1
kind: ApiKey
metadata:
  name: web
  namespace: shop
spec:
  displayName: Web
  environment: live
  scopes:
    - agents:read
    - contacts:write
  rotation:
    every: 30d
  secret:
    labels:
      app.kubernetes.io/name: web
`;

describe("parseManifestText", () => {
  const [web] = parseManifestText("keys/web.yaml", WEB, options).keys;

  it("pairs by namespace/name and keeps the spec as data", () => {
    expect(web?.id).toBe("shop/web");
    expect(web?.spec).toMatchObject({ displayName: "Web", scopes: ["agents:read", "contacts:write"] });
    expect(web?.location).toMatchObject({ file: "keys/web.yaml", line: 5, column: 9 });
  });

  it.each([
    { path: "displayName", line: 8, column: 16, endColumn: 19 },
    { path: "scopes[1]", line: 12, column: 7, endColumn: 21 },
    { path: "rotation.every", line: 14, column: 12 },
    { path: 'secret.labels["app.kubernetes.io/name"]', line: 17, column: 31 },
    { path: "scopes", line: 10, column: 3 },
    { path: "rotation.gracePeriod", line: 13, column: 3 },
    { path: "expiresAfter", line: 7, column: 1 },
    { path: "", line: 7, column: 1 },
  ])("locates $path at $line:$column", ({ path, line, column, endColumn }) => {
    const at = web?.locate(path);
    expect(at).toMatchObject({ line, column, side: "head" });
    if (endColumn !== undefined) expect(at?.endColumn).toBe(endColumn);
  });

  it("gives keys without a namespace the policy's namespace", () => {
    const text = "apiVersion: keys.ayra.ai/v1alpha1\nkind: ApiKey\nmetadata: {name: bare}\nspec: {}\n";
    expect(parseManifestText("a.yaml", text, { namespace: "keys", side: "base" }).keys[0]?.id).toBe(
      "keys/bare",
    );
  });

  it("expands a few aliases and merge keys as Kubernetes would", () => {
    const text = `x: &common\n  environment: live\n  scopes: [agents:read]\n---\n${WEB.replace(/spec:[\s\S]*/, "spec:\n  <<: {environment: live}\n  displayName: &n Web\n  description: *n\n")}`;
    const [key] = parseManifestText("a.yaml", text, options).keys;
    expect(key?.spec).toEqual({ "<<": { environment: "live" }, displayName: "Web", description: "Web" });
  });

  it("reads kind: List items", () => {
    const text = `apiVersion: v1\nkind: List\nitems:\n- apiVersion: keys.ayra.ai/v1alpha1\n  kind: ApiKey\n  metadata: {name: one}\n  spec: {displayName: One}\n`;
    const [one] = parseManifestText("list.yaml", text, options).keys;
    expect(one?.id).toBe("default/one");
    expect(one?.locate("displayName").line).toBe(7);
  });

  it("leaves files that never mention ApiKeys alone", () => {
    const bytes = Buffer.from("apiVersion: apps/v1\nkind: Deployment\n: : broken");
    expect(parseManifestFile("deploy.yaml", bytes, options)).toEqual({ keys: [], problems: [] });
  });

  it("does not point at a big unrelated file", () => {
    const bytes = Buffer.from(`kind: ConfigMap\ndata: ${"x".repeat(1_100_000)}\n`);
    expect(parseManifestFile("big.yaml", bytes, options).problems).toEqual([]);
  });
});
