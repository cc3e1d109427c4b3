// Test helper: decodes a blob with the system `dtc` (device-tree-compiler) and returns the dts text.
import { spawnSync } from "node:child_process";

/** `dtc -I dtb -O dts` of `blob`; throws with dtc's stderr when dtc rejects it. */
export function dtcDecode(blob: Uint8Array): string {
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", "-"], { input: blob, encoding: "buffer" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`dtc rejected the blob (status ${r.status}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Number of nodes in dts text whose name starts with `prefix` (e.g. "cpu@", "memory@"). */
export function countNodes(dts: string, prefix: string): number {
  const re = new RegExp(`^\\s*${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\s]* \\{$`, "gm");
  return (dts.match(re) ?? []).length;
}
