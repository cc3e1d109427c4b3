//! `hclboot bench --soak N`: boots one image N times in one boot core instance (the whole
//! `boot_run` each time, logging on, host setup loaded once) and checks that WASM linear memory
//! does not grow after the first boot: every boot allocates only from the arena it resets.
// Ports: none (benchmark driver)

import { loadShim } from "../wasm/node.js";
import type { ResolvedImage } from "../image/resolve.js";
import { prepareImage, bootPrepared, bootFailure } from "../harness/boot.js";
import { benchClockMs } from "../shim/bench.js";

/** The `bench --soak --json` document. */
export interface SoakJson {
  soak: {
    image: string;
    boots: number;
    /** Wall time and CPU time (benchClockMs) of the boots after the first. */
    seconds: number;
    cpuSeconds: number;
    /** Boots per second of wall time, and per second of CPU time (what a free core would do). */
    bootsPerSecond: number;
    bootsPerCpuSecond: number;
    /** Linear memory of a fresh instance, after the first boot, and after the last. */
    wasmMemoryBytes: { initial: number; afterFirstBoot: number; after: number };
    /** True when memory grew after the first boot (a leak: the command then exits 1). */
    grew: boolean;
    /** True when the last boot's output differs from the first's. */
    changed: boolean;
  };
}

// The contract object of one boot (or its failure), as text for comparison.
function outcome(run: () => { output: unknown }): string {
  try {
    return JSON.stringify(run().output);
  } catch (e) {
    return JSON.stringify(bootFailure(e));
  }
}

/** Boots `image` `boots` times in one instance; `progress` hears about every 1% of the boots
 * (at least every 1024; answering false stops the soak there). */
export async function runSoak(image: ResolvedImage, boots: number, progress?: (done: number) => void | boolean | Promise<boolean>): Promise<SoakJson> {
  const shim = await loadShim();
  const initial = shim.memoryBytes();
  const prepared = prepareImage(image);
  const first = outcome(() => bootPrepared(prepared, { shim }));
  const afterFirstBoot = shim.memoryBytes();
  const step = Math.max(1, Math.min(1024, Math.floor(boots / 100))); // so SIGINT is seen soon
  const t0 = performance.now();
  const c0 = benchClockMs();
  let last = first;
  for (let i = 1; i < boots; i++) {
    if (i === boots - 1) last = outcome(() => bootPrepared(prepared, { shim }));
    else {
      try {
        bootPrepared(prepared, { shim });
      } catch {
        // A failing image fails the same way every time (compared on the last boot).
      }
    }
    // A progress callback that answers false (SIGINT) ends the soak after boot i.
    if (i % step === 0 && (await progress?.(i)) === false) {
      boots = i + 1;
      break;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpuSeconds = (benchClockMs() - c0) / 1000;
  const timed = Math.max(0, boots - 1);
  const after = shim.memoryBytes();
  return {
    soak: {
      image: image.path,
      boots,
      seconds: Math.round(seconds * 100) / 100,
      cpuSeconds: Math.round(cpuSeconds * 100) / 100,
      bootsPerSecond: timed > 0 && seconds > 0 ? Math.round(timed / seconds) : 0,
      bootsPerCpuSecond: timed > 0 && cpuSeconds > 0 ? Math.round(timed / cpuSeconds) : 0,
      wasmMemoryBytes: { initial, afterFirstBoot, after },
      grew: after > afterFirstBoot,
      changed: last !== first,
    },
  };
}

/** The readable soak report. */
export function soakText(doc: SoakJson): string {
  const s = doc.soak;
  const mib = (b: number) => `${(b / (1 << 20)).toFixed(2)} MiB`;
  return [
    `soak: ${s.boots} boots of ${s.image} in one instance`,
    `  ${s.bootsPerSecond} boots/s wall (${s.seconds} s after the first boot), ${s.bootsPerCpuSecond} boots per CPU second (${s.cpuSeconds} s)`,
    `  WASM memory: ${mib(s.wasmMemoryBytes.initial)} fresh, ${mib(s.wasmMemoryBytes.afterFirstBoot)} after the first boot, ${mib(s.wasmMemoryBytes.after)} after the last`,
    `  ${s.grew ? "GREW after the first boot" : "no growth after the first boot"}; last boot ${s.changed ? "DIFFERS from" : "identical to"} the first`,
  ].join("\n");
}
