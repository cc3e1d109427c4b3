// Host device tree parse speed: builds OpenVMM-shaped trees with dtc (4, 256 and 2048 CPUs),
// parses each repeatedly inside WASM (one export call runs the loop) with the single-pass walk
// and with upstream's lazy walk, and reports µs per parse and MB/s.
// Usage: node scripts/bench-dt.mjs [--json]
import { execFileSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const esbuild = await import("esbuild");
mkdirSync(join(root, "build"), { recursive: true });
const out = join(root, "build", "bench-dt.bundle.mjs");
await esbuild.build({
  stdin: {
    contents: 'export { loadShim } from "./host/wasm/node.ts"; export { benchHostDt, tryParseHostDt } from "./host/shim/host_fdt.ts";',
    resolveDir: root,
    loader: "ts",
  },
  bundle: true, platform: "node", format: "esm", packages: "external", outfile: out, logLevel: "error",
});
const { loadShim, benchHostDt, tryParseHostDt } = await import(pathToFileURL(out).href);

const hex = (v) => "0x" + v.toString(16);

/** An OpenVMM-shaped host tree: `cpus` CPUs over `nodes` NUMA nodes, one RAM range per node. */
function dts(cpus, nodes) {
  const c = [];
  for (let i = 0; i < cpus; i++) {
    c.push(`cpu@${i.toString(16)} { device_type = "cpu"; reg = <${i}>; numa-node-id = <${i % nodes}>; status = "okay"; };`);
  }
  const m = [];
  const per = 0x40000000n;
  for (let n = nodes - 1; n >= 0; n--) {
    const start = 0x100000000n + BigInt(n) * per;
    m.push(`memory@${start.toString(16)} { device_type = "memory"; reg = /bits/ 64 <${hex(start)} ${hex(per)}>; microsoft,igvm-type = <0>; numa-node-id = <${n}>; };`);
  }
  m.push(`memory@0 { device_type = "memory"; reg = /bits/ 64 <0x0 0xc0000000>; microsoft,igvm-type = <0>; numa-node-id = <0>; };`);
  return `/dts-v1/; / { #address-cells = <2>; #size-cells = <2>; model = "microsoft,hyperv";
    cpus { #address-cells = <1>; #size-cells = <0>; ${c.join("\n")} };
    ${m.join("\n")}
    bus { compatible = "simple-bus"; #address-cells = <2>; #size-cells = <2>; ranges;
      vmbus-vtl0@f0000000 { #address-cells = <2>; #size-cells = <2>; compatible = "microsoft,vmbus";
        ranges = /bits/ 64 <0xf0000000 0xf0000000 0x8000000 0x1000000000 0x1000000000 0x100000000>;
        microsoft,vtl = <0>; microsoft,message-connection-id = <1>; };
      vmbus-vtl2@f8000000 { #address-cells = <2>; #size-cells = <2>; compatible = "microsoft,vmbus";
        ranges = /bits/ 64 <0xf8000000 0xf8000000 0x4000000>; microsoft,vtl = <2>; microsoft,message-connection-id = <4>; }; };
    pio-bus { compatible = "x86-pio-bus"; #address-cells = <1>; #size-cells = <1>; ranges;
      serial@3e8 { compatible = "ns16550"; clock-frequency = <0>; current-speed = <115200>; reg = /bits/ 64 <0x3e8 0x8>; interrupts = /bits/ 64 <4>; }; };
    chosen { bootargs = "console=ttyS0 panic=-1 reboot=triple OPENHCL_BOOT_LOG=com3"; };
    openhcl { memory-allocation-mode = "host"; keep-alive { device-types = "nvme"; }; device-dma { total-pages = /bits/ 64 <0x4000>; }; };
  };`;
}

const shim = await loadShim();
shim.setLogging(false);
const results = [];
for (const [cpus, nodes] of [[4, 1], [256, 4], [2048, 16]]) {
  const blob = new Uint8Array(execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb"], { input: dts(cpus, nodes) }));
  const a = tryParseHostDt(shim, blob);
  const b = tryParseHostDt(shim, blob, { upstreamOrder: true });
  if (!a.ok || JSON.stringify(a, (_, v) => (typeof v === "bigint" ? v.toString() : v)) !== JSON.stringify(b, (_, v) => (typeof v === "bigint" ? v.toString() : v))) {
    throw new Error(`walks disagree on ${cpus} cpus`);
  }
  const row = { cpus, bytes: blob.length };
  for (const [name, upstream] of [["singlePass", false], ["upstreamOrder", true]]) {
    // calibrate to ~250 ms, take the best of 5
    let iters = 10;
    while (benchHostDt(shim, blob, iters, upstream) < 25) iters *= 2;
    iters *= 10;
    let best = Infinity;
    for (let k = 0; k < 5; k++) best = Math.min(best, benchHostDt(shim, blob, iters, upstream) / iters);
    row[name] = { usPerParse: +(best * 1000).toFixed(2), mbPerSec: +(blob.length / 1e6 / (best / 1000)).toFixed(0) };
  }
  results.push(row);
}
if (process.argv.includes("--json")) {
  console.log(JSON.stringify({ results }, null, 2));
} else {
  console.log("cpus   bytes    single-pass µs  MB/s    upstream-order µs  MB/s");
  for (const r of results) {
    console.log(
      `${String(r.cpus).padEnd(6)} ${String(r.bytes).padEnd(8)} ${String(r.singlePass.usPerParse).padStart(14)} ${String(r.singlePass.mbPerSec).padStart(5)}    ${String(r.upstreamOrder.usPerParse).padStart(17)} ${String(r.upstreamOrder.mbPerSec).padStart(5)}`,
    );
  }
}
