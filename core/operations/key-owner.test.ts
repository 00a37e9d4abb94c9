import { describe, expect, it } from "vitest";
import { describeKeyOwner, type KeyOwner, keyOwner } from "./key-owner.ts";

describe("keyOwner", () => {
  it.each<{ name: string; metadata: Record<string, string> | null; want: KeyOwner }>([
    {
      name: "a controller key with every field",
      metadata: {
        managed_by: "ayra-keys-controller",
        k8s_cluster: "prod-eu",
        k8s_namespace: "shop",
        k8s_name: "web",
        k8s_uid: "0b7e-11",
        owner: "a@example.com",
      },
      want: { kind: "controller", cluster: "prod-eu", namespace: "shop", name: "web", uid: "0b7e-11" },
    },
    {
      name: "a controller key minted before the cluster was recorded",
      metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "shop", k8s_name: "web" },
      want: { kind: "controller", namespace: "shop", name: "web" },
    },
    {
      name: "a Pulumi key",
      metadata: {
        managed_by: "ayra-keys-pulumi",
        pulumi_stack: "org/app/prod",
        pulumi_urn: "urn:pulumi:prod::app::x",
      },
      want: { kind: "pulumi", stack: "org/app/prod", urn: "urn:pulumi:prod::app::x" },
    },
    {
      name: "a Pulumi key in the legacy spellings",
      metadata: {
        "managed-by": "ayra-keys-pulumi",
        "pulumi-stack": "dev",
        "pulumi-urn": "urn:pulumi:dev::a::b",
      },
      want: { kind: "pulumi", stack: "dev", urn: "urn:pulumi:dev::a::b" },
    },
    { name: "no metadata", metadata: null, want: { kind: "unmanaged" } },
    { name: "metadata of a person only", metadata: { owner: "a@example.com" }, want: { kind: "unmanaged" } },
    {
      name: "an unknown manager",
      metadata: { managed_by: "terraform", k8s_namespace: "a", k8s_name: "b" },
      want: { kind: "unmanaged" },
    },
    {
      name: "a controller claim without a name",
      metadata: { managed_by: "ayra-keys-controller", k8s_namespace: "shop" },
      want: { kind: "unmanaged" },
    },
    {
      name: "a Pulumi claim without a URN",
      metadata: { managed_by: "ayra-keys-pulumi", pulumi_stack: "prod" },
      want: { kind: "unmanaged" },
    },
  ])("$name", ({ metadata, want }) => {
    expect(keyOwner(metadata)).toEqual(want);
  });

  it("describes each kind in one line", () => {
    expect(describeKeyOwner({ kind: "controller", cluster: "c1", namespace: "ns", name: "web" })).toBe(
      "controller c1:ns/web",
    );
    expect(describeKeyOwner({ kind: "controller", namespace: "ns", name: "web" })).toBe("controller ns/web");
    expect(describeKeyOwner({ kind: "pulumi", stack: "prod", urn: "urn:x" })).toBe("pulumi prod urn:x");
    const urn = "urn:pulumi:dev::shop::ayra:index:ApiKey::web";
    expect(describeKeyOwner({ kind: "pulumi", stack: "urn:pulumi:dev::shop", urn })).toBe(
      `pulumi shop/dev ${urn}`,
    );
    expect(describeKeyOwner({ kind: "unmanaged" })).toBe("unmanaged");
  });
});
