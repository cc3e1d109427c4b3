// Generates images/max.json and images/max-overflow.json (2048 CPUs, 64 NUMA nodes, many RAM
// ranges). Usage: node scripts/gen_images.mjs [MAX_RANGES] [OVERFLOW_RANGES]
// MAX_RANGES is the largest count whose host device tree still fits the 64-page device-tree
// parameter area (test/host_device_tree.test.ts checks that MAX_RANGES + 1 no longer fits).
import { writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const hex = (v) => "0x" + v.toString(16);
const GB = 1n << 30n;
const HOLE = 2n * 1024n * 1024n;

/** `count` RAM ranges: [0, 3.75 GiB) then 1 GiB ranges from 4 GiB with 2 MiB holes, spread over 64 nodes in blocks. */
export function ranges(count) {
  const out = [{ start: hex(0n), end: hex(0xf000_0000n), vnode: 0 }];
  let at = 4n * GB;
  for (let i = 1; i < count; i++) {
    out.push({ start: hex(at), end: hex(at + GB), vnode: Math.floor((i * 64) / count) });
    at += GB + HOLE;
  }
  return out;
}

function image(name, count, description, expect) {
  return {
    name,
    description,
    arch: "x86_64",
    isolation: "none",
    vm: {
      cpus: { count: 2048, numaNodes: 64 },
      memory: { ranges: ranges(count) },
      vtl2: { mode: "memory-layout" },
      bootargs: "console=ttyS0",
    },
    ...(expect ? { expect } : {}),
  };
}

/** JSON with two-space indentation, one RAM range per line. */
function format(value) {
  return (
    JSON.stringify(value, null, 2).replace(
      /\{\n\s+"start": ("[^"]+"),\n\s+"end": ("[^"]+"),\n\s+"vnode": (\d+)\n\s+\}/g,
      '{ "start": $1, "end": $2, "vnode": $3 }',
    ) + "\n"
  );
}

const max = Number(process.argv[2] ?? 816);
const overflow = Number(process.argv[3] ?? 1024);
writeFileSync(
  join(root, "images", "max.json"),
  format(
    image(
      "max",
      max,
      `2048 CPUs, 64 NUMA nodes, ${max} RAM ranges: the most that still fit the 64-page device-tree parameter area. ` +
        "The shim reads it; the kernel device tree it then writes does not fit its 256 KiB buffer.",
      { ok: false, kind: "panic", message: "called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)" },
    ),
  ),
);
writeFileSync(
  join(root, "images", "max-overflow.json"),
  format(
    image(
      "max-overflow",
      overflow,
      `2048 CPUs, 64 NUMA nodes, ${overflow} RAM ranges: the host device tree is larger than the 64-page parameter area, so the image is rejected.`,
      { ok: false, kind: "input" },
    ),
  ),
);
