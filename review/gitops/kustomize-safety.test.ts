import { describe, expect, it } from "vitest";
import { repoPath } from "./kustomization-files.ts";
import { isRemoteReference } from "./kustomize-safety.ts";

describe("remote references in a kustomization", () => {
  it.each([
    "https://github.com/acme/keys//base?ref=v1",
    "http://example.com/base.yaml",
    "git::https://example.com/repo.git",
    "ssh://git@github.com/acme/keys.git",
    "git@github.com:acme/keys.git",
    "github.com/acme/keys/base?ref=main",
    "gitlab.com/acme/keys/base",
    "example.com/acme/keys/base",
    "../base?ref=v1",
  ])("%s is remote", (entry) => {
    expect(isRemoteReference(entry)).toBe(true);
  });

  it.each(["../../base", "web.yaml", "base", "./keys/web.yaml", "v1.2/keys.yaml"])("%s is local", (entry) => {
    expect(isRemoteReference(entry)).toBe(false);
  });

  it("reads a host-like folder the repository has as local, like kustomize", () => {
    expect(isRemoteReference("team.example.com/keys", true)).toBe(false);
    expect(isRemoteReference("https://team.example.com/keys", true)).toBe(true);
  });

  it("keeps relative paths inside the repository", () => {
    expect(repoPath("keys/overlays/prod", "../../base")).toBe("keys/base");
    expect(repoPath("keys", "../../etc")).toBeUndefined();
    expect(repoPath("keys", "/etc/passwd")).toBeUndefined();
  });
});
