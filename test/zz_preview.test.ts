// TEMP (not committed): read_from_dt preview of images while boot_run is not integrated.
import { it } from "vitest";
import { loadImage } from "../host/image/load.js";
import { loadShim } from "../host/wasm/node.js";
import { prepareGuest } from "../host/harness/boot.js";
import { readShimParams } from "../host/shim/shim_params.js";
import { tryParseHostDt } from "../host/shim/host_fdt.js";
import { readFromDtValues } from "../host/shim/partition.js";

const files = (process.env.IMAGES ?? "").split(",").filter(Boolean);
it("preview", async () => {
  const shim = await loadShim();
  for (const f of files) {
    try {
      const r = loadImage(f);
      const { guest, vtl2 } = prepareGuest(r);
      shim.reset(); shim.setGuest(guest);
      const p = readShimParams(shim, { shimBase: vtl2.shimBase, shimParamsOffset: vtl2.shimParamsOffset, arch: r.arch, hvIsolation: vtl2.hvIsolation });
      shim.reset();
      const dt = tryParseHostDt(shim, r.hostDeviceTree);
      if (!dt.ok) { console.log(f, "DT ERROR", dt.message); continue; }
      const t = dt.tree;
      const mm = t.memoryAllocationMode;
      const res = readFromDtValues(shim, {
        memoryStart: p.memoryStartAddress, memorySize: p.memorySize, parameterRegionStart: p.parameterRegionStart, parameterRegionSize: p.parameterRegionSize,
        vtl2ReservedStart: p.vtl2ReservedRegionStart, vtl2ReservedSize: p.vtl2ReservedRegionSize, sidecarBase: p.sidecarBase, sidecarSize: p.sidecarSize,
        used: p.used, logBuffer: p.logBuffer, heap: p.heap, persistedState: p.persistedState, isolation: p.isolationType as any,
        commandLine: { policy: p.commandLine.policy, text: p.commandLine.text ?? "" }, importedRegions: p.importedRegions,
      }, {
        bootCpuidPhys: t.bootCpuidPhys, cpus: t.cpus, memory: t.memory, vmbusVtl0: t.vmbusVtl0, vmbusVtl2: t.vmbusVtl2, commandLine: t.commandLine,
        com3SerialAvailable: t.com3Serial,
        memoryAllocationMode: mm.mode === "host" ? mm : { mode: "vtl2", ...(mm.memorySize !== null ? { memorySize: mm.memorySize } : {}), ...(mm.mmioSize !== null ? { mmioSize: mm.mmioSize } : {}) },
        ...(t.deviceDmaPageCount !== null ? { deviceDmaPageCount: t.deviceDmaPageCount } : {}), nvmeKeepalive: t.nvmeKeepalive,
        ...(t.vtl0AliasMap !== null ? { vtl0AliasMap: t.vtl0AliasMap } : {}),
      });
      console.log(f, "OK", res.cpuCount, "cpus", res.isolation, JSON.stringify(res.memoryAllocationMode, (_k, v) => typeof v === "bigint" ? "0x" + v.toString(16) : v));
      for (const a of res.addressSpace) console.log(`  ${a.start.toString(16)}-${a.end.toString(16)} n${a.vnode} ${a.type}`);
      console.log("  vtl2ram", res.vtl2Ram.map((x) => `${x.start.toString(16)}-${x.end.toString(16)} n${x.vnode}`).join(" "));
      console.log("  vtl2mmio", res.vtl2Mmio.map((x) => `${x.start.toString(16)}-${x.end.toString(16)}`).join(" "), "vtl0mmio", res.vtl0Mmio.map((x) => `${x.start.toString(16)}-${x.end.toString(16)}`).join(" "));
    } catch (e) {
      console.log(f, "ERR", (e as Error).constructor.name, (e as Error).message);
    }
  }
});
