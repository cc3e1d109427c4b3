//! `hclboot dtb [IMAGE] [-o OUT.dtb]`: writes the image's host device tree blob (as OpenVMM would).
// Ports: none (hclboot's command line)
import { join } from "node:path";
import { parseArgs } from "node:util";
import { InputError } from "../errors.js";
import { loadImage } from "../image/load.js";
import { packageRoot } from "../wasm/node.js";
import { parseOrInput, writeOutput } from "./io.js";
import type { Command } from "./commands.js";

/** The image `dtb` uses when none is given. */
export function defaultImagePath(): string {
  return join(packageRoot(), "images", "small.json");
}

export const dtbCommand: Command = {
  summary: "write an image's host device tree blob (-o OUT.dtb, default: stdout)",
  async run(args) {
    const parsed = parseOrInput(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: { output: { type: "string", short: "o" }, help: { type: "boolean", short: "h" } },
      }),
    );
    if (parsed.values.help) {
      console.log("usage: hclboot dtb [IMAGE] [-o OUT.dtb]\n\nWrites the host device tree OpenVMM would give OpenHCL for IMAGE (default images/small.json).");
      return 0;
    }
    if (parsed.positionals.length > 1) throw new InputError("dtb takes at most one image");
    const image = loadImage(parsed.positionals[0] ?? defaultImagePath());
    const out = parsed.values.output;
    if (out) {
      writeOutput(out, image.hostDeviceTree);
      console.error(`wrote ${image.hostDeviceTree.length} bytes to ${out}`);
    } else if (process.stdout.isTTY) {
      throw new InputError("refusing to write a binary blob to a terminal; use -o OUT.dtb or redirect stdout");
    } else {
      process.stdout.write(image.hostDeviceTree);
    }
    return 0;
  },
};
