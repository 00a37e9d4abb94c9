// Names and metadata come from users. Shown in a terminal, a CSV or Markdown, a control character could move the
// cursor and a bidirectional override (U+202E) could make a row read backwards; both are written as visible escapes.

// C0, DEL, C1; the bidi marks, embeddings, overrides and isolates; line and paragraph separators; BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is what this does
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/g;

/** The text with every unsafe character as `\uXXXX` and backslashes doubled, so an escape cannot be forged. */
export function escapeForDisplay(text: string): string {
  return text
    .replaceAll("\\", "\\\\")
    .replace(UNSAFE, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`);
}

/** For a Markdown table cell: escaped for display, and `|` cannot end the cell. */
export function escapeMarkdownCell(text: string): string {
  return escapeForDisplay(text).replace(/[|`*_[\]<>]/g, (c) => `\\${c}`);
}
