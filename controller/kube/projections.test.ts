import { describe, expect, it } from "vitest";
import { LAST_APPLIED_ANNOTATION, projectNamespace, projectReadOnly, projectSecret } from "./projections.ts";
import type { KubeObject, SecretObject } from "./types.ts";

const applied = (extra: Record<string, unknown>) => ({
  apiVersion: "keys.ayra.ai/v1alpha1",
  kind: "ApiKey",
  metadata: {
    name: "svc",
    namespace: "team",
    uid: "u-1",
    resourceVersion: "7",
    generation: 2,
    labels: { app: "svc" },
    annotations: { [LAST_APPLIED_ANNOTATION]: '{"a whole":"copy"}', "keys.ayra.ai/rotate": "1700000000" },
    managedFields: [{ manager: "kubectl" }],
    selfLink: "/apis/x",
  },
  ...extra,
});

describe("what the informer caches keep", () => {
  it("an ApiKey loses managedFields and the last-applied copy, and keeps spec, status and our annotations", () => {
    const obj = applied({ spec: { environment: "test" }, status: { keyId: "key_1" } }) as KubeObject;
    const kept = projectReadOnly(obj) as KubeObject & { spec: unknown; status: unknown };
    expect(kept.metadata).toEqual({
      name: "svc",
      namespace: "team",
      uid: "u-1",
      resourceVersion: "7",
      generation: 2,
      labels: { app: "svc" },
      annotations: { "keys.ayra.ai/rotate": "1700000000" },
    });
    expect(kept.spec).toEqual({ environment: "test" });
    expect(kept.status).toEqual({ keyId: "key_1" });
  });

  it("a Secret, written back whole, keeps every annotation and its data but not managedFields", () => {
    const obj = applied({ kind: "Secret", type: "Opaque", data: { apiKey: "dmFsdWU=" } }) as SecretObject;
    const kept = projectSecret(obj);
    expect(kept.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBe('{"a whole":"copy"}');
    expect(kept.metadata.managedFields).toBeUndefined();
    expect(kept.data).toEqual({ apiKey: "dmFsdWU=" });
    expect(kept.type).toBe("Opaque");
  });

  it("a namespace keeps only its name, uid, resourceVersion and labels", () => {
    const kept = projectNamespace(applied({ spec: { finalizers: ["kubernetes"] } }) as KubeObject);
    expect(kept).toEqual({
      metadata: { name: "svc", uid: "u-1", resourceVersion: "7", labels: { app: "svc" } },
    });
  });

  it("the original object is left as the API server sent it", () => {
    const obj = applied({}) as KubeObject;
    projectReadOnly(obj);
    expect(obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeDefined();
  });
});
