// Every start checks the service's files. Files made here are ours; "not ours" (a root-owned Kubernetes
// Secret volume, a read-only mount) is the same check run under another identity, which never chmods.
import { chmodSync, mkdirSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkFilePermissions, FilePermissionError, type PermissionTarget } from "./file-permissions.ts";

const me = { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
const someoneElse = { uid: me.uid + 4242, gid: me.gid };
const otherGroup = { uid: me.uid + 4242, gid: me.gid + 4242 };

function file(mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), "ayra-keys-perm-"));
  const path = join(dir, "f");
  writeFileSync(path, "x");
  chmodSync(path, mode);
  return path;
}
const modeOf = (path: string): number => statSync(path).mode & 0o777;

describe("checkFilePermissions", () => {
  it.each([
    { name: "tightens our 0644 database file to 0600", kind: "data", mode: 0o644, after: 0o600 },
    { name: "tightens our group-readable keyring to 0600", kind: "secret", mode: 0o640, after: 0o600 },
    { name: "tightens our 0755 data folder to 0700", kind: "folder", mode: 0o755, after: 0o700 },
    { name: "leaves a 0400 keyring alone", kind: "secret", mode: 0o400, after: 0o400 },
  ] as const)("$name", ({ kind, mode, after }) => {
    const path = kind === "folder" ? mkdtempSync(join(tmpdir(), "ayra-keys-perm-")) : file(mode);
    chmodSync(path, mode);
    const report = checkFilePermissions([{ path, kind }], me);
    expect(modeOf(path)).toBe(after);
    expect(report.fixed.map((f) => f.path)).toEqual(mode === after ? [] : [path]);
  });

  it("refuses a world-readable keyring even when it is ours, naming it and the fix, and changes nothing", () => {
    const path = file(0o644);
    const error = (() => {
      try {
        checkFilePermissions([{ path, kind: "secret" }], me);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(FilePermissionError);
    expect((error as FilePermissionError).path).toBe(path);
    expect((error as Error).message).toContain(path);
    expect((error as Error).message).toContain(`chmod 600 ${path}`);
    expect(modeOf(path)).toBe(0o644);
  });

  it.each([
    {
      name: "accepts a group-readable secret in the process's own group (fsGroup)",
      who: someoneElse,
      mode: 0o440,
      ok: true,
    },
    { name: "refuses a group-readable secret in another group", who: otherGroup, mode: 0o440, ok: false },
    {
      name: "refuses a world-readable database it cannot fix",
      who: someoneElse,
      mode: 0o644,
      ok: false,
      kind: "data",
    },
    { name: "accepts a 0400 secret it does not own", who: someoneElse, mode: 0o400, ok: true },
  ] as const)("$name, and never chmods what is not ours", ({ who, mode, ok, ...rest }) => {
    const kind: PermissionTarget["kind"] = ("kind" in rest ? rest.kind : undefined) ?? "secret";
    const path = file(mode);
    const run = () => checkFilePermissions([{ path, kind }], who);
    if (ok) expect(run().fixed).toEqual([]);
    else expect(run).toThrow(FilePermissionError);
    expect(modeOf(path)).toBe(mode);
  });

  it("only warns about an open folder that is not ours (its files are checked one by one)", () => {
    const dir = mkdtempSync(join(tmpdir(), "ayra-keys-perm-"));
    mkdirSync(join(dir, "data"), { mode: 0o777 });
    chmodSync(join(dir, "data"), 0o777);
    const report = checkFilePermissions([{ path: join(dir, "data"), kind: "folder" }], otherGroup);
    expect(report.openFolders).toEqual([{ path: join(dir, "data"), mode: 0o777 }]);
    expect(modeOf(join(dir, "data"))).toBe(0o777);
  });

  it("skips files that do not exist yet", () => {
    expect(
      checkFilePermissions([{ path: "/nonexistent/ayra-keys/keyring.json", kind: "secret" }], me),
    ).toEqual({
      fixed: [],
      openFolders: [],
    });
  });
});
