/*
 * The lines a zero-context unified diff (`git diff -U0`) adds and removes, per file. Pure, so the
 * parser is tested on text; the key-literal scan reads only these lines.
 */

export type DiffLine = { line: number; text: string };

export type FileDiff = {
  /** The head path; the base path for a deleted file. */
  path: string;
  binary: boolean;
  deleted: boolean;
  added: DiffLine[];
  removed: DiffLine[];
};

const HUNK = /^@@ -(\d+)(?:,\d+)? \+(\d+)(?:,\d+)? @@/;

/** Undoes git's C-style quoting of a path ("a/tab\there"); plain paths come back unchanged. */
export function unquoteGitPath(text: string): string {
  if (!text.startsWith('"') || !text.endsWith('"') || text.length < 2) return text;
  const body = text.slice(1, -1);
  const bytes: number[] = [];
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, a: 7, b: 8, f: 12, v: 11, '"': 34, "\\": 92 };
  for (let i = 0; i < body.length; i++) {
    const ch = body.charAt(i);
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = body.charAt(i + 1);
    if (/[0-7]/.test(next)) {
      bytes.push(Number.parseInt(body.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

// "diff --git a/P b/P": without renames both sides name the same path, quoted or not.
function pathOfHeader(rest: string): string {
  if (rest.startsWith('"')) {
    let i = 1;
    while (i < rest.length && !(rest.charAt(i) === '"' && rest.charAt(i - 1) !== "\\")) i++;
    return unquoteGitPath(rest.slice(0, i + 1)).slice(2);
  }
  const half = (rest.length - 1) / 2;
  return rest.slice(2, half);
}

function pathOfSide(text: string): string | undefined {
  if (text === "/dev/null") return undefined;
  return unquoteGitPath(text).slice(2);
}

export function parseUnifiedDiff(diff: string): FileDiff[] {
  const files: FileDiff[] = [];
  let file: FileDiff | undefined;
  let oldLine = 0;
  let newLine = 0;
  let inHunk = false;
  for (const raw of diff.split("\n")) {
    if (raw.startsWith("diff --git ")) {
      file = {
        path: pathOfHeader(raw.slice("diff --git ".length)),
        binary: false,
        deleted: false,
        added: [],
        removed: [],
      };
      files.push(file);
      inHunk = false;
      continue;
    }
    if (file === undefined) continue;
    if (!inHunk) {
      if (raw.startsWith("+++ ")) {
        const path = pathOfSide(raw.slice(4));
        if (path === undefined) file.deleted = true;
        else file.path = path;
      } else if (raw.startsWith("deleted file mode")) {
        file.deleted = true;
      } else if (raw.startsWith("Binary files ")) {
        file.binary = true;
      }
    }
    const hunk = HUNK.exec(raw);
    if (hunk !== null) {
      oldLine = Number(hunk[1]);
      newLine = Number(hunk[2]);
      inHunk = true;
      continue;
    }
    if (!inHunk) continue;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (raw.startsWith("+")) file.added.push({ line: newLine++, text: text.slice(1) });
    else if (raw.startsWith("-")) file.removed.push({ line: oldLine++, text: text.slice(1) });
    else if (raw.startsWith(" ")) {
      oldLine++;
      newLine++;
    }
  }
  return files;
}
