// The Pulumi program: `pulumi up` in this folder runs the default export and exports what it returns.
import { ayraKeys } from "./keys.ts";

export default ayraKeys;
