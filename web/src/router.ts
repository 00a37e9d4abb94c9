// Hash routes (`#/keys`, `#/keys/<id>`, `#/new`, `#/timeline`): the service serves one page at `/`.
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { screen: "keys" }
  | { screen: "key"; id: string }
  | { screen: "new" }
  | { screen: "timeline" };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, "");
  const key = /^\/keys\/([A-Za-z0-9_]{1,64})$/.exec(path);
  if (key?.[1]) return { screen: "key", id: key[1] };
  if (path === "/new") return { screen: "new" };
  if (path === "/timeline") return { screen: "timeline" };
  return { screen: "keys" };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const changed = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", changed);
    return () => removeEventListener("hashchange", changed);
  }, []);
  return route;
}

export function navigate(hash: string): void {
  location.hash = hash;
}

export const keyHref = (id: string) => `#/keys/${id}`;
