import { describe, expect, it } from "vitest";
import { encodeQuery, type QueryValue } from "./query.ts";

interface Case {
  name: string;
  params: Record<string, QueryValue>;
  query: string;
}

describe("encodeQuery", () => {
  it.each<Case>([
    { name: "is empty without parameters", params: {}, query: "" },
    { name: "skips undefined values", params: { limit: undefined, name: "web" }, query: "?name=web" },
    { name: "writes numbers and booleans", params: { limit: 20, flag: true }, query: "?limit=20&flag=true" },
    {
      name: "escapes values",
      params: { name: "Mobile App - iOS & co" },
      query: "?name=Mobile%20App%20-%20iOS%20%26%20co",
    },
    {
      name: "writes objects as deepObject pairs",
      params: { metadata: { a: "b", c: "d" } },
      query: "?metadata[a]=b&metadata[c]=d",
    },
    {
      name: "escapes inside the brackets",
      params: { metadata: { "x[y]": "=" } },
      query: "?metadata[x%5By%5D]=%3D",
    },
    { name: "writes nothing for an empty object", params: { metadata: {} }, query: "" },
  ])("$name", ({ params, query }) => {
    expect(encodeQuery(params)).toBe(query);
  });
});
