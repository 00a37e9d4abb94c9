export * from "./slot-plan.ts";
