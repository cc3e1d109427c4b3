//! `hclboot diff-upstream A B IMAGE... [--json]`: boots each image on upstream pins A and B and
//! prints what differs (ranges, types, sidecar plan, kernel command line, boot log, failure).
// Ports: none (hclboot's command line)
import { parseArgs } from "node:util";
import { relative } from "node:path";
import { InputError } from "../errors.js";
import { loadImage } from "../image/load.js";
import { loadShim } from "../wasm/node.js";
import { diffUpstream, diffUpstreamText, type UpstreamDiff } from "../harness/diff_upstream.js";
import { resolveUpstream, UPSTREAM_PINS } from "../upstream.js";
import { parseOrInput } from "./io.js";
import type { Command } from "./commands.js";

const HELP = `usage: hclboot diff-upstream A B IMAGE... [--json]

Boots each IMAGE on upstream openvmm version A and on version B (each with its own boot core and
VTL2 image layout) and prints what differs: the outcome and failure message, VTL2 RAM, partition
RAM, VTL0/VTL2 MMIO, the address space (ranges and types), the sidecar nodes, the words of the
kernel command line and the boot log lines ("-" only on A, "+" only on B). Versions: ${UPSTREAM_PINS.join(", ")}
(or any 7+ digit prefix of their commits); docs/UPSTREAM.md says which upstream commit causes what.
  --json   one object per image {image, a, b, outcome: {a, b}, identical, differences: [{field,
           onlyA, onlyB} | {field, a, b}]}; an array when several images are given
Exit status: 0 compared (identical or not), 2 unusable input (unknown version, bad image).`;

export const diffUpstreamCommand: Command = {
  summary: "boot an image on two upstream versions and print the differences",
  async run(args) {
    const { values, positionals } = parseOrInput(() =>
      parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } } }),
    );
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (positionals.length < 3) throw new InputError(`diff-upstream takes two versions and at least one image\n\n${HELP}`);
    const a = resolveUpstream(positionals[0]);
    const b = resolveUpstream(positionals[1]);
    const shimA = await loadShim({ upstream: a });
    const shimB = await loadShim({ upstream: b });
    const out: UpstreamDiff[] = [];
    for (const path of positionals.slice(2)) {
      let d: UpstreamDiff;
      try {
        d = diffUpstream(loadImage(path), shimA, shimB);
      } catch (e) {
        // An image that cannot be loaded (same reader on every pin) is unusable on both.
        if (!(e instanceof InputError) || positionals.length === 3) throw e;
        d = { image: path, a, b, outcome: { a: "input", b: "input" }, identical: true, differences: [], error: e.message };
      }
      d.image = relative(process.cwd(), d.image) || d.image;
      out.push(d);
    }
    if (values.json) console.log(JSON.stringify(out.length === 1 ? out[0] : out, null, 2));
    else console.log(out.map(diffUpstreamText).join("\n\n"));
    return 0;
  },
};
