//! `hclboot service IMAGE [--json] [--no-io-cpus LIST] [--io-cpus LIST] [--tamper KIND]`: boot,
//! save the persisted state as OpenHCL usermode does, boot again from it, compare the topologies.
// Ports: none (hclboot's command line, /work/shared/CONTRACT.md `service`)
import { parseArgs } from "node:util";
import { InputError, EXIT } from "../errors.js";
import { loadImage } from "../image/load.js";
import { loadShim } from "../wasm/node.js";
import { serviceImage, parseCpuList, TAMPERS, type Tamper } from "../harness/service.js";
import { serviceText } from "../harness/service_text.js";
import { reportFailure } from "./boot.js";
import { parseOrInput, writeOutput, onInterrupt, keepGoing } from "./io.js";
import type { Command } from "./commands.js";

const HELP = `usage: hclboot service IMAGE [--json] [--no-io-cpus LIST] [--io-cpus LIST] [--tamper KIND] [--save-state OUT]

Boots IMAGE, writes the persisted state as OpenHCL usermode does (write_persisted_info), places it
in the persisted-state region of a fresh guest and boots again (a servicing boot), then reports
both topologies and whether VTL2 RAM, the VTL2 address space, VTL0/VTL2 MMIO and the pool agree.
  --json              print the CONTRACT.md service object (failures: the failure object)
  --no-io-cpus LIST   cpus_with_mapped_interrupts_no_io to save, e.g. 0,2-3
  --io-cpus LIST      cpus_with_outstanding_io to save
  --tamper KIND       damage the saved state first: ${TAMPERS.join(" | ")}
  --save-state OUT    write the bytes placed at the persisted-state region (header page, then the
                      protobuf) to OUT: an image's "persistedState" file for a servicing boot
Exit status: 0 both boots completed (agree or not), 1 a boot failed, 2 unusable input, 130 SIGINT.`;

export const serviceCommand: Command = {
  summary: "boot, persist, boot again (servicing) and compare the topologies",
  async run(args) {
    const { values, positionals } = parseOrInput(() =>
      parseArgs({
        args,
        allowPositionals: true,
        options: {
          json: { type: "boolean" },
          "no-io-cpus": { type: "string" },
          "io-cpus": { type: "string" },
          tamper: { type: "string" },
          "save-state": { type: "string" },
          help: { type: "boolean", short: "h" },
        },
      }),
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const json = values.json === true;
    // The boots themselves run without a break; SIGINT is seen between the steps: what finished
    // is printed, then exit 130.
    const intr = onInterrupt();
    const interrupted = (what: string) => {
      console.error(`hclboot service: interrupted ${what}`);
      return EXIT.interrupted;
    };
    try {
      if (positionals.length !== 1) throw new InputError("service takes exactly one image");
      const tamper = values.tamper;
      if (tamper !== undefined && !(TAMPERS as readonly string[]).includes(tamper)) {
        throw new InputError(`--tamper: expected one of ${TAMPERS.join(", ")}, got "${tamper}"`);
      }
      const noIoCpus = parseCpuList(values["no-io-cpus"] ?? "", "--no-io-cpus");
      const ioCpus = parseCpuList(values["io-cpus"] ?? "", "--io-cpus");
      const image = loadImage(positionals[0]!);
      const shim = await loadShim();
      if (!(await keepGoing(intr))) return interrupted("before the first boot");
      const r = serviceImage(image, { shim, noIoCpus, ioCpus, ...(tamper ? { tamper: tamper as Tamper } : {}) });
      const save = values["save-state"];
      if (save !== undefined) writeOutput(save, r.placed);
      if (json) console.log(JSON.stringify(r.output, null, 2));
      else console.log(serviceText(r));
      if (save !== undefined) console.error(`wrote the ${r.placed.length}-byte persisted state to ${save}`);
      if (!(await keepGoing(intr))) return interrupted("after the round trip completed");
      return 0;
    } catch (e) {
      return reportFailure("service", e, json);
    } finally {
      intr.dispose();
    }
  },
};
