// Types of the generated validator beside this file (written by core/spec/validator-source.ts).
import type { ValidateFunction } from "ajv";

declare const validate: ValidateFunction;
export = validate;
