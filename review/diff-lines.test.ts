import { describe, expect, it } from "vitest";
import { parseUnifiedDiff, unquoteGitPath } from "./diff-lines.ts";

const DIFF = [
  "diff --git a/keys/web.yaml b/keys/web.yaml",
  "index 1111111..2222222 100644",
  "--- a/keys/web.yaml",
  "+++ b/keys/web.yaml",
  "@@ -3 +3,2 @@ kind: ApiKey",
  "-  name: old",
  "+  name: web",
  "+++ added line that starts with two pluses",
  "@@ -10,0 +12 @@",
  "+tail",
  "diff --git a/gone.txt b/gone.txt",
  "deleted file mode 100644",
  "--- a/gone.txt",
  "+++ /dev/null",
  "@@ -1 +0,0 @@",
  "-bye",
  "diff --git a/logo.png b/logo.png",
  "new file mode 100644",
  "Binary files /dev/null and b/logo.png differ",
  'diff --git "a/we\\"ird\\tname.yaml" "b/we\\"ird\\tname.yaml"',
  "--- /dev/null",
  '+++ "b/we\\"ird\\tname.yaml"',
  "@@ -0,0 +1 @@",
  "+x\r",
  "\\ No newline at end of file",
].join("\n");

describe("parseUnifiedDiff", () => {
  const files = parseUnifiedDiff(DIFF);

  it("numbers added lines in the head and removed lines in the base", () => {
    expect(files[0]).toEqual({
      path: "keys/web.yaml",
      binary: false,
      deleted: false,
      added: [
        { line: 3, text: "  name: web" },
        { line: 4, text: "++ added line that starts with two pluses" },
        { line: 12, text: "tail" },
      ],
      removed: [{ line: 3, text: "  name: old" }],
    });
  });

  it("marks deleted and binary files", () => {
    expect(files[1]).toMatchObject({ path: "gone.txt", deleted: true, removed: [{ line: 1, text: "bye" }] });
    expect(files[2]).toMatchObject({ path: "logo.png", binary: true, added: [] });
  });

  it("unquotes git's C-style paths and drops a CR", () => {
    expect(files[3]).toMatchObject({ path: 'we"ird\tname.yaml', added: [{ line: 1, text: "x" }] });
  });

  it.each([
    { quoted: "plain/path.yaml", plain: "plain/path.yaml" },
    { quoted: '"a/caf\\303\\251.yaml"', plain: "a/café.yaml" },
    { quoted: '"a/back\\\\slash"', plain: "a/back\\slash" },
  ])("unquotes $quoted", ({ quoted, plain }) => {
    expect(unquoteGitPath(quoted)).toBe(plain);
  });
});
