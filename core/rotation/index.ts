export * from "./rotation-due.ts";
