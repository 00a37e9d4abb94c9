import { describe, expect, it } from "vitest";
import { resourceOf } from "./rest.ts";

describe("resourceOf", () => {
  it.each([
    ["/api/v1/namespaces/ns/secrets", "secrets"],
    ["/api/v1/namespaces/ns/secrets/web", "secrets"],
    ["/apis/keys.ayra.ai/v1alpha1/namespaces/ns/apikeys/web/status", "apikeys/status"],
    ["/apis/keys.ayra.ai/v1alpha1/apikeypolicies", "apikeypolicies"],
    ["/apis/coordination.k8s.io/v1/namespaces/ns/leases/l", "leases"],
    ["/api/v1/namespaces/kube-system", "namespaces"],
  ])("%s is %s", (path, resource) => {
    expect(resourceOf(path)).toBe(resource);
  });
});
