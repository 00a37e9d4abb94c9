import { describe, expect, it } from "vitest";
import { KEY_METADATA, metadataSpellings, OWNERSHIP_METADATA_KEYS, readKeyMetadata } from "./key-metadata.ts";

describe("key metadata vocabulary", () => {
  it.each<{ name: string; metadata: Record<string, string>; want: string | undefined }>([
    {
      name: "reads the current spelling",
      metadata: { managed_by: "ayra-keys-pulumi" },
      want: "ayra-keys-pulumi",
    },
    {
      name: "reads a legacy spelling",
      metadata: { "managed-by": "ayra-keys-pulumi" },
      want: "ayra-keys-pulumi",
    },
    {
      name: "prefers the current spelling when both are present",
      metadata: { managed_by: "new", "managed-by": "old" },
      want: "new",
    },
    { name: "answers undefined when absent", metadata: { owner: "a@b.c" }, want: undefined },
  ])("$name", ({ metadata, want }) => {
    expect(readKeyMetadata(metadata, "managedBy")).toBe(want);
  });

  it("treats every ownership field and its legacy spellings as ownership, and owner/purpose as cosmetic", () => {
    for (const name of ["managed_by", "managed-by", "k8s_cluster", "k8s_namespace", "k8s_name", "k8s_uid"])
      expect(OWNERSHIP_METADATA_KEYS).toContain(name);
    for (const name of ["pulumi_stack", "pulumi-stack", "pulumi_urn", "pulumi-urn"])
      expect(OWNERSHIP_METADATA_KEYS).toContain(name);
    expect(OWNERSHIP_METADATA_KEYS).not.toContain(KEY_METADATA.owner);
    expect(OWNERSHIP_METADATA_KEYS).not.toContain(KEY_METADATA.purpose);
  });

  it("lists the current spelling first", () => {
    expect(metadataSpellings("pulumiUrn")).toEqual(["pulumi_urn", "pulumi-urn"]);
    expect(metadataSpellings("uid")).toEqual(["k8s_uid"]);
  });
});
