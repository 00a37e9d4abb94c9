import { describe, expect, it } from "vitest";
import { changedOwnershipMetadata } from "./ownership-metadata.ts";

type Metadata = Record<string, string>;
const owned: Metadata = { managed_by: "ayra-keys-controller", k8s_uid: "u1", owner: "team" };

describe("changedOwnershipMetadata", () => {
  it.each<{ name: string; before: Metadata; next: Metadata; changed: string | undefined }>([
    { name: "nothing changed", before: owned, next: owned, changed: undefined },
    {
      name: "only cosmetic fields changed",
      before: owned,
      next: { ...owned, owner: "other", purpose: "p" },
      changed: undefined,
    },
    {
      name: "an ownership value changed",
      before: owned,
      next: { ...owned, k8s_uid: "u2" },
      changed: "k8s_uid",
    },
    {
      name: "an ownership field removed",
      before: owned,
      next: { owner: "team", k8s_uid: "u1" },
      changed: "managed_by",
    },
    {
      name: "an ownership field added",
      before: { owner: "team" },
      next: { owner: "team", k8s_name: "web" },
      changed: "k8s_name",
    },
    {
      name: "a legacy spelling added beside the current one",
      before: owned,
      next: { ...owned, "managed-by": "x" },
      changed: "managed-by",
    },
    {
      name: "a legacy spelling respelled with the same value",
      before: { "pulumi-urn": "urn:a", "managed-by": "ayra-keys-pulumi" },
      next: { pulumi_urn: "urn:a", managed_by: "ayra-keys-pulumi" },
      changed: undefined,
    },
    {
      name: "a legacy spelling respelled with another value",
      before: { "pulumi-urn": "urn:a" },
      next: { pulumi_urn: "urn:b" },
      changed: "pulumi_urn",
    },
  ])("$name", ({ before, next, changed }) => {
    expect(changedOwnershipMetadata(before, next)).toBe(changed);
  });
});
