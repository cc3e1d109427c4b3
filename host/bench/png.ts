//! `bench --png FILE`: rasterizes the chart's SVG with resvg (its WebAssembly build,
//! @resvg/resvg-wasm, loaded by dynamic import only when a PNG is asked for) and a system font.
// Ports: none (benchmark output)

import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";

/** Fonts tried in order for the chart's text (Debian's fonts-dejavu-core / fonts-liberation). */
export const FONT_CANDIDATES = [
  "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
  "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
  "/usr/share/fonts/TTF/DejaVuSans.ttf",
  "/usr/share/fonts/dejavu/DejaVuSans.ttf",
  "/System/Library/Fonts/Supplemental/Arial.ttf",
  "C:\\Windows\\Fonts\\arial.ttf",
];

let ready: Promise<typeof import("@resvg/resvg-wasm")> | null = null;

/** Loads and initializes resvg-wasm once. */
async function resvg(): Promise<typeof import("@resvg/resvg-wasm")> {
  ready ??= (async () => {
    const mod = await import("@resvg/resvg-wasm");
    const wasm = readFileSync(createRequire(import.meta.url).resolve("@resvg/resvg-wasm/index_bg.wasm"));
    await mod.initWasm(wasm);
    return mod;
  })();
  return ready;
}

/** The PNG of `svg` at its own size; `warn` hears when no font was found (text is then left out). */
export async function svgToPng(svg: string, warn: (msg: string) => void = () => {}): Promise<Uint8Array> {
  const { Resvg } = await resvg();
  const file = FONT_CANDIDATES.find((p) => existsSync(p));
  if (file === undefined) warn(`--png: no font found (tried ${FONT_CANDIDATES.join(", ")}): the PNG has no text`);
  const family = file === undefined ? "sans-serif" : /Liberation/.test(file) ? "Liberation Sans" : /Arial|arial/.test(file) ? "Arial" : "DejaVu Sans";
  const r = new Resvg(svg, {
    fitTo: { mode: "original" },
    background: "#ffffff",
    font: { fontBuffers: file === undefined ? [] : [new Uint8Array(readFileSync(file))], defaultFontFamily: family, sansSerifFamily: family },
  });
  return r.render().asPng();
}
