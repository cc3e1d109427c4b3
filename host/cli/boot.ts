//! `hclboot boot [IMAGE] [--json] [--kernel-dt OUT.dtb]`: boots one image and prints the boot log
//! and memory map, or exactly the CONTRACT.md boot object.
// Ports: none (hclboot's command line, /work/shared/CONTRACT.md `boot`)
import { parseArgs } from "node:util";
import { InputError, isReportedError, exitStatus } from "../errors.js";
import { loadImage } from "../image/load.js";
import { loadShim } from "../wasm/node.js";
import { bootImage, bootFailure } from "../harness/boot.js";
import { bootText } from "../harness/boot_text.js";
import { defaultImagePath } from "./dtb.js";
import { parseOrInput, writeOutput, failureLine } from "./io.js";
import type { Command } from "./commands.js";

const HELP = `usage: hclboot boot [IMAGE] [--json] [--kernel-dt OUT.dtb]

Boots IMAGE (default: the package's images/small.json) through the WASM boot core and prints the
boot log and the VTL2 memory map.
  --json               print the CONTRACT.md boot object instead (failures too)
  --kernel-dt OUT.dtb  write the device tree the shim built for the kernel
Exit status: 0 booted, 1 the shim failed (panic or device-tree error), 2 unusable input.`;

/** Prints a failure: the contract object (with the boot log) with --json, else log + message on stderr. */
export function reportFailure(command: string, e: unknown, json: boolean): number {
  if (!isReportedError(e)) throw e; // a bug: main reports it as internal (exit 3)
  const f = bootFailure(e);
  if (json) {
    console.log(JSON.stringify(f, null, 2));
  } else {
    for (const l of f.bootLog ?? []) console.error(`  ${l}`);
    console.error(failureLine(command, f));
  }
  return exitStatus(f.error.kind);
}

export const bootCommand: Command = {
  summary: "boot an image (default images/small.json): boot log and memory map, or --json",
  async run(args) {
    const { values, positionals } = parseOrInput(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: { json: { type: "boolean" }, "kernel-dt": { type: "string" }, help: { type: "boolean", short: "h" } },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length > 1) throw new InputError("boot takes at most one image");
    const json = values.json === true;
    const out = values["kernel-dt"];
    try {
      const image = loadImage(positionals[0] ?? defaultImagePath());
      const shim = await loadShim();
      const r = bootImage(image, { shim });
      if (out !== undefined) writeOutput(out, r.kernelDtb);
      if (json) console.log(JSON.stringify(r.output, null, 2));
      else console.log(bootText(r.output, r.e820));
      if (out !== undefined) console.error(`wrote the ${r.kernelDtb.length}-byte kernel device tree to ${out}`);
      return 0;
    } catch (e) {
      return reportFailure("boot", e, json);
    }
  },
};
