//! Former home of the CONTRACT.md JSON types, now in host/contract.ts; re-exported under the old
//! names only for host/fuzz, which still imports this path (remove once it imports ../contract.js).
// Ports: none (hclboot's own command-line contract, /work/shared/CONTRACT.md)

export type { BootOutput, RangeJson, Failure as FailureOutput } from "../contract.js";
