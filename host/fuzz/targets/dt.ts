//! Fuzz target `dt`: mutated host device tree blobs through the boot core's host DT parser.
// Ports: openhcl/host_fdt_parser/src/lib.rs and support/fdt/src/parser.rs (failures must be theirs).
import { encodeJson } from "../target.js";
import type { Rng } from "../rng.js";
import { byteTarget } from "./bytes.js";
import { plugins } from "./plugins.js";

/** A minimal well-formed FDT (header, empty reservation map, root node with no properties). */
export function minimalFdt(bootCpuidPhys = 0): Uint8Array {
  const struct = [0x1, 0x0, 0x2, 0x9]; // BEGIN_NODE "" (padded), END_NODE, END
  const off = 40;
  const rsv = off;
  const structOff = rsv + 16;
  const structLen = struct.length * 4;
  const stringsOff = structOff + structLen;
  const total = stringsOff;
  const b = new Uint8Array(total);
  const v = new DataView(b.buffer);
  [0xd00dfeed, total, structOff, stringsOff, rsv, 17, 16, bootCpuidPhys, 0, structLen].forEach((x, i) => v.setUint32(i * 4, x));
  struct.forEach((t, i) => v.setUint32(structOff + i * 4, t));
  return b;
}

/** Builds the `dt` target over the given seed blobs (images/ and the corpus). */
export const dtTarget = (seeds: Uint8Array[] = []) =>
  byteTarget({
    name: "dt",
    summary: "mutated host device tree blobs (header fields, property lengths, truncation, splicing)",
    ext: "dtb",
    runner: () => plugins.dt,
    missing: "the host device-tree parser (assembly/host_fdt_parser.ts) is not wired (provideDtRunner)",
    synthesize: (rng: Rng) => minimalFdt(rng.below(4)),
    reproducer(bytes, id) {
      // An image naming the blob, so `hclboot boot` replays the boot that reads it.
      return {
        files: { [`${id}.json`]: encodeJson({ name: id, hostDeviceTree: `${id}.dtb` }), [`${id}.dtb`]: bytes },
        replay: `hclboot dt {dir}/${id}.dtb`,
      };
    },
  }, seeds);
