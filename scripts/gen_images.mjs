// Generates the three 2048-CPU, 64-node images with many RAM ranges:
//   images/max.json                      the most RAM ranges that still boot end to end
//   images/fail-kernel-dt-overflow.json  the most RAM ranges whose host device tree fits its 64-page
//                                        area: the shim reads it, its kernel device tree overflows
//   images/fail-host-dt-overflow.json    1024 RAM ranges: the host device tree does not fit (input)
// Usage: node scripts/gen_images.mjs [MAX_RANGES KERNEL_DT_OVERFLOW_RANGES [HOST_DT_OVERFLOW_RANGES]]
// Without counts, both limits are measured with the built CLI (npm run build first): the largest
// count that boots, and the largest whose host device tree fits (bisection, a boot or `dtb` per
// step). test/max_image.test.ts checks both limits with one range more.
import { writeFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { join, dirname } from "node:path";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
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
    expect,
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

const tmp = mkdtempSync(join(tmpdir(), "hclboot-gen-"));
const cli = join(root, "bin", "hclboot.js");

/** Runs the CLI on the image of `count` ranges: [exit status, parsed --json output or null, host DT bytes]. */
function probe(count, command) {
  const f = join(tmp, `probe-${count}.json`);
  writeFileSync(f, JSON.stringify(image("probe", count, "", { ok: true })));
  if (command === "dtb") {
    const out = join(tmp, `probe-${count}.dtb`);
    const r = spawnSync(process.execPath, [cli, "dtb", f, "-o", out], { encoding: "utf8" });
    return { status: r.status, bytes: r.status === 0 ? statSync(out).size : 0 };
  }
  const r = spawnSync(process.execPath, [cli, "boot", f, "--json"], { encoding: "utf8", maxBuffer: 1 << 28 });
  return { status: r.status, out: r.stdout ? JSON.parse(r.stdout) : null };
}

/** The largest count in [lo, hi] for which ok(count) holds (ok(lo) must hold, ok is monotone). */
function largest(lo, hi, ok) {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (ok(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

let [max, kernelOverflow, hostOverflow] = process.argv.slice(2).map(Number);
hostOverflow ??= 1024;
let hostOverflowMessage;
try {
  if (!max || !kernelOverflow) {
    kernelOverflow = largest(1, 1023, (n) => probe(n, "dtb").status === 0);
    max = largest(1, kernelOverflow, (n) => probe(n, "boot").status === 0);
    console.log(`measured: ${max} RAM ranges boot; ${kernelOverflow} fit the host device tree area`);
  }
  // The loader's message without the image path it starts with.
  const r = probe(hostOverflow, "boot");
  if (r.status !== 2) throw new Error(`${hostOverflow} RAM ranges: expected an input error, got exit status ${r.status}`);
  hostOverflowMessage = r.out.error.message.replace(/^.*?: (?=vm: )/, "");
} finally {
  rmSync(tmp, { recursive: true, force: true });
}

const OUT_OF_SPACE = "called `Result::unwrap()` on an `Err` value: Fdt(OutOfSpace)";
const write = (name, value) => writeFileSync(join(root, "images", `${name}.json`), format(value));
write(
  "max",
  image(
    "max",
    max,
    `2048 CPUs, 64 NUMA nodes, ${max} RAM ranges: the most that still boot. One range more and the kernel device tree ` +
      "the shim writes no longer fits its 256 KiB buffer (FDT_SIZE, 262128 bytes after the setup_data header).",
    { ok: true },
  ),
);
write(
  "fail-kernel-dt-overflow",
  image(
    "fail-kernel-dt-overflow",
    kernelOverflow,
    `Designed to fail. 2048 CPUs, 64 NUMA nodes, ${kernelOverflow} RAM ranges: the most whose host device tree fits the ` +
      "64-page parameter area. The shim reads it, but the kernel device tree it then writes does not fit its 256 KiB buffer.",
    { ok: false, kind: "panic", message: OUT_OF_SPACE },
  ),
);
write(
  "fail-host-dt-overflow",
  image(
    "fail-host-dt-overflow",
    hostOverflow,
    `Designed to fail. 2048 CPUs, 64 NUMA nodes, ${hostOverflow} RAM ranges: the host device tree is larger than the ` +
      "64-page parameter area, so the image is rejected before the shim runs.",
    { ok: false, kind: "input", message: hostOverflowMessage },
  ),
);
