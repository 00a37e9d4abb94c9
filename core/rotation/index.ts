export * from "./deadlines.ts";
export * from "./rotation-due.ts";
