export * from "./annotations.ts";
export * from "./conditions.ts";
export { factsNeeded, hygieneNotices, plan } from "./plan.ts";
export * from "./reasons.ts";
export * from "./revoked-in-use.ts";
export * from "./secret-shape.ts";
export * from "./status.ts";
export * from "./types.ts";
