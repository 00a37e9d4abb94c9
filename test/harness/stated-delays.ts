// The delays the keys API contract states ("Eventual parts" and `x-eventual-delays` in
// schemas/keys-api.openapi.yaml), read from the document for the tests that hold the service to them.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { KEYS_API_DOCUMENT } from "./openapi-contract.ts";

export interface StatedDelays {
  flush_interval_seconds: number;
  cross_node_delay_seconds: number;
  cache_lifetime_seconds: number;
}

export function readStatedDelays(): { figures: StatedDelays; prose: string } {
  const document = parse(readFileSync(KEYS_API_DOCUMENT, "utf8")) as {
    info: { description: string; "x-eventual-delays": StatedDelays };
  };
  const description = document.info.description;
  const start = description.indexOf("## Eventual parts");
  const end = description.indexOf("\n## ", start + 1);
  return {
    figures: document.info["x-eventual-delays"],
    prose: description.slice(start, end === -1 ? undefined : end),
  };
}
