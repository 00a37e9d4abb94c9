import { useEffect, useState } from "preact/hooks";
import type { KeyStore, KeyStoreState } from "../key-store.ts";

export function useKeyStore(store: KeyStore): KeyStoreState {
  const [state, setState] = useState(store.state);
  useEffect(() => {
    setState(store.state);
    return store.subscribe(setState);
  }, [store]);
  return state;
}
