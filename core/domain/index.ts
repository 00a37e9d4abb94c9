export * from "./durations.ts";
export * from "./environments.ts";
export * from "./key-format.ts";
export * from "./safe-text.ts";
export * from "./scopes.ts";
