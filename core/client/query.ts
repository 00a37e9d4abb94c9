export type QueryValue = string | number | boolean | undefined | Readonly<Record<string, string>>;

/**
 * Encodes a query string; an object value becomes deepObject pairs (`metadata[team]=payments`), the style the
 * keys API documents for metadata filters. The brackets stay literal so the pairs read as documented in logs
 * and proxies; anything inside them is percent-encoded, so a key holding `]` or `&` cannot break out.
 */
export function encodeQuery(params: Readonly<Record<string, QueryValue>>): string {
  const pairs: string[] = [];
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === "object") {
      for (const [key, inner] of Object.entries(value)) {
        pairs.push(`${encodeURIComponent(name)}[${encodeURIComponent(key)}]=${encodeURIComponent(inner)}`);
      }
    } else {
      pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`);
    }
  }
  return pairs.length === 0 ? "" : `?${pairs.join("&")}`;
}
