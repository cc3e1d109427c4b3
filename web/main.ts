//! Playground page: boots the default image on load, lets you pick or edit one, boot it in the
//! browser and explore the address space map; the view (image, boot or servicing, zoom) lives in
//! the URL hash so a link reproduces it.
// Ports: none (browser front end of host/harness/browser_api.ts)
import { bootImageJson, serviceImageJson, selftestJson } from "../host/harness/browser_api.js";
import type { BootOutput, Failure, ServiceOutput } from "../host/contract.js";
import { loadShim } from "../host/wasm/browser.js";
import { fromX } from "./scale.js";
import { GEOMETRY, hex, parseHex, renderMap, type RenderedMap } from "./map.js";
import { compareBoots, comparisonHtml } from "./service_view.js";
import { parseViewHash, viewHash, pickInitialImage, type View } from "./view_hash.js";

type Result = BootOutput | ServiceOutput | Failure;

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const api = { loadShim: () => loadShim({ url: "hclboot.wasm" }) };

/** What the page shows now. */
const state: {
  boot: BootOutput | null;
  compare: BootOutput | null;
  zoom: { start: bigint; end: bigint } | undefined;
  rendered: RenderedMap | null;
  /** The image file in the editor and its text as loaded (an edit makes the hash carry the JSON). */
  file: string;
  loadedText: string;
  /** What was run last (kept in the hash). */
  kind: "boot" | "service";
  /** True while a view from the hash is being applied (no hash updates meanwhile). */
  applying: boolean;
} = { boot: null, compare: null, zoom: undefined, rendered: null, file: "", loadedText: "", kind: "boot", applying: false };

/** The view shown now, as the hash records it. */
function currentView(): View {
  const text = $<HTMLTextAreaElement>("image-json").value;
  const edited = state.file === "" || text !== state.loadedText;
  return {
    ...(edited ? { json: compactJson(text) } : { image: state.file }),
    kind: state.kind,
    ...(state.zoom ? { zoom: state.zoom } : {}),
  };
}

/** JSON text without its layout (for the hash); the text itself when it does not parse. */
function compactJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text));
  } catch {
    return text;
  }
}

/** Records the current view in the URL hash (replacing the history entry: no back-button spam). */
function updateHash(): void {
  if (state.applying) return;
  const h = viewHash(currentView());
  if (location.hash !== h) history.replaceState(null, "", h);
}

/** Shows the boot core's self-test verdict in the header. */
async function showSelftest(): Promise<void> {
  const el = $("wasm-status");
  const r = await selftestJson(api);
  if ("error" in r) {
    el.dataset.state = "failed";
    el.textContent = `boot core: failed to load (${r.error.message})`;
  } else {
    el.dataset.state = r.ok ? "ok" : "failed";
    el.textContent = r.ok ? `boot core: selftest ok (${r.memoryBytes} bytes of WASM memory)` : "boot core: selftest FAILED";
    ($("boot-button") as HTMLButtonElement).disabled = false;
    ($("service-button") as HTMLButtonElement).disabled = false;
  }
}

/** Fills the image list from the server; returns the files listed. */
async function loadImageList(): Promise<string[]> {
  const sel = $<HTMLSelectElement>("image-select");
  const res = await fetch("api/images");
  if (!res.ok) return [];
  const list = (await res.json()) as { file: string; name: string; description?: string }[];
  for (const im of list) {
    const o = document.createElement("option");
    o.value = im.file;
    o.textContent = im.description ? `${im.name} — ${im.description}` : im.name;
    o.title = o.textContent;
    sel.append(o);
  }
  return list.map((im) => im.file);
}

/** Loads one image's JSON text into the editor (and the picker). */
async function loadImage(file: string): Promise<void> {
  const sel = $<HTMLSelectElement>("image-select");
  sel.value = file;
  state.file = file;
  if (!file) return;
  const res = await fetch(`images/${encodeURIComponent(file)}`);
  state.loadedText = res.ok ? await res.text() : "";
  $<HTMLTextAreaElement>("image-json").value = state.loadedText;
}

/** Parses the editor; fetches the files the image names (relative to images/). */
async function collectInput(): Promise<{ image: unknown; files: Record<string, Uint8Array> } | Failure> {
  let image: unknown;
  try {
    image = JSON.parse($<HTMLTextAreaElement>("image-json").value);
  } catch (e) {
    return { ok: false, error: { kind: "input", message: `invalid JSON: ${(e as Error).message}` } };
  }
  const files: Record<string, Uint8Array> = {};
  if (image && typeof image === "object") {
    for (const key of ["hostDeviceTree", "persistedState"]) {
      const p = (image as Record<string, unknown>)[key];
      if (typeof p !== "string") continue;
      const res = await fetch(`images/${p.split("/").map(encodeURIComponent).join("/")}`);
      if (res.ok) files[p] = new Uint8Array(await res.arrayBuffer());
    }
  }
  return { image, files };
}

/** Shows any contract result: a failure, a boot, or a servicing round trip. */
export function showResult(r: Result): void {
  const err = $("error");
  $("service").innerHTML = "";
  if (!state.applying) state.zoom = undefined;
  if (!r.ok) {
    err.hidden = false;
    err.textContent = `boot failed (${r.error.kind}): ${r.error.message}`;
    state.boot = state.compare = null;
    $("summary").textContent = "";
    // a failed boot carries the log lines up to the failure (as `hclboot boot` prints them)
    $("boot-log").textContent = ((r as { bootLog?: string[] }).bootLog ?? []).join("\n");
    drawMap();
    return;
  }
  err.hidden = true;
  if ("first" in r) {
    state.boot = r.second;
    state.compare = r.first;
    $("service").innerHTML = comparisonHtml(compareBoots(r.first, r.second), r.agree, r.differences) +
      `<p class="hint">The map shows the boot after servicing; ranges outlined in red differ from the first boot.</p>`;
    $("boot-log").textContent = [...r.first.bootLog, "--- servicing ---", ...r.second.bootLog].join("\n");
  } else {
    state.boot = r;
    state.compare = null;
    $("boot-log").textContent = r.bootLog.join("\n");
  }
  const b = state.boot;
  const mode = b.memoryAllocationMode.mode === "host" ? "host" : `vtl2 (memory ${b.memoryAllocationMode.memorySize ?? "default"}, mmio ${b.memoryAllocationMode.mmioSize ?? "default"})`;
  $("summary").textContent = `${b.arch}, isolation ${b.isolation}, ${b.cpuCount} CPUs, memory allocation ${mode}, ` +
    `sidecar ${b.sidecar ? `${b.sidecar.nodes.length} nodes` : "none"}\nkernel command line: ${b.kernelCommandLine}`;
  drawMap();
}

/** Renders the current boot at the current zoom into #map and wires tooltips. */
function drawMap(): void {
  const box = $("map");
  if (!state.boot) {
    box.innerHTML = "";
    state.rendered = null;
    updateHash();
    return;
  }
  try {
    state.rendered = renderMap(state.boot, { width: Math.max(320, box.clientWidth), zoom: state.zoom, compareWith: state.compare ?? undefined });
  } catch (e) {
    box.innerHTML = "";
    const err = $("error");
    err.hidden = false;
    err.textContent = `cannot draw this result: ${(e as Error).message}`;
    return;
  }
  box.innerHTML = state.rendered.svg;
  // the page's own tooltip replaces the native <title> one
  for (const t of Array.from(box.querySelectorAll("rect > title"))) {
    (t.parentElement as Element).setAttribute("data-tip", t.textContent ?? "");
    t.remove();
  }
  const s = state.rendered.scale;
  $<HTMLInputElement>("zoom-start").value = s ? hex(s.lo) : "";
  $<HTMLInputElement>("zoom-end").value = s ? hex(s.hi) : "";
  updateHash();
}

/** Zooms to [start, end) when it is a non-empty window. */
function zoomTo(start: bigint, end: bigint): void {
  if (end <= start) return;
  state.zoom = { start, end };
  drawMap();
}

/** Tooltip, click-to-zoom and drag-to-zoom on the map. */
function wireMap(): void {
  const box = $("map");
  const tip = $("tooltip");
  const labelWidth = () => state.rendered?.labelWidth ?? GEOMETRY.labelWidth;
  let dragFrom: number | null = null;
  let band: SVGRectElement | null = null;
  const svgX = (ev: MouseEvent) => {
    const svg = box.querySelector("svg");
    if (!svg) return 0;
    // the SVG may be scaled down to fit (CSS max-width): back to its own units
    const rect = svg.getBoundingClientRect();
    const k = rect.width > 0 ? Number(svg.getAttribute("width")) / rect.width : 1;
    return (ev.clientX - rect.left) * k - labelWidth();
  };
  box.addEventListener("mousemove", (ev) => {
    const t = (ev.target as Element).closest("[data-tip]");
    if (t) {
      tip.hidden = false;
      tip.textContent = t.getAttribute("data-tip");
      // kept inside the window (left of the pointer near the right edge)
      const left = ev.clientX + 14 + tip.offsetWidth > window.innerWidth ? Math.max(0, ev.clientX - 14 - tip.offsetWidth) : ev.clientX + 14;
      tip.style.left = `${left}px`;
      tip.style.top = `${ev.clientY + 14}px`;
    } else tip.hidden = true;
    if (dragFrom !== null && band) {
      const x = svgX(ev);
      band.setAttribute("x", String(labelWidth() + Math.min(x, dragFrom)));
      band.setAttribute("width", String(Math.abs(x - dragFrom)));
    }
  });
  box.addEventListener("mouseleave", () => (tip.hidden = true));
  box.addEventListener("mousedown", (ev) => {
    const svg = box.querySelector("svg");
    if (!svg || !state.rendered?.scale) return;
    dragFrom = svgX(ev);
    band = document.createElementNS("http://www.w3.org/2000/svg", "rect");
    band.setAttribute("class", "drag-band");
    band.setAttribute("y", String(GEOMETRY.top));
    band.setAttribute("height", String(svg.getAttribute("height")));
    band.setAttribute("x", String(labelWidth() + dragFrom));
    band.setAttribute("width", "0");
    svg.append(band);
  });
  box.addEventListener("mouseup", (ev) => {
    const s = state.rendered?.scale;
    const from = dragFrom;
    dragFrom = null;
    band?.remove();
    band = null;
    if (!s || from === null) return;
    const to = svgX(ev);
    if (Math.abs(to - from) >= 5) {
      zoomTo(fromX(s, Math.min(from, to)), fromX(s, Math.max(from, to)));
      return;
    }
    const r = (ev.target as Element).closest("rect.range");
    if (r) zoomTo(parseHex(r.getAttribute("data-start")), parseHex(r.getAttribute("data-end")));
  });
}

/** Runs one boot or servicing round trip from the editor. */
async function run(kind: "boot" | "service"): Promise<void> {
  state.kind = kind;
  const input = await collectInput();
  if ("ok" in input) return showResult(input);
  showResult(kind === "boot" ? await bootImageJson(input.image, input.files, api) : await serviceImageJson(input.image, input.files, api));
}

/** Shows a view: loads its image (or JSON), runs it and applies its zoom. */
async function applyView(view: View, files: string[]): Promise<void> {
  state.applying = true;
  document.body.dataset.ready = "false";
  try {
    if (view.json !== undefined) {
      await loadImage("");
      state.loadedText = "";
      $<HTMLTextAreaElement>("image-json").value = prettyJson(view.json);
    } else {
      await loadImage(pickInitialImage(files, view.image));
    }
    state.zoom = view.zoom;
    await run(view.kind ?? "boot");
  } finally {
    state.applying = false;
  }
  updateHash();
  document.body.dataset.ready = "true";
}

/** JSON text laid out for the editor (the text itself when it does not parse). */
function prettyJson(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

/** Debug hook `?fixture=NAME`: shows fixtures/NAME.json (a contract object) without booting. */
async function showFixture(name: string): Promise<void> {
  const res = await fetch(`fixtures/${encodeURIComponent(name)}.json`);
  if (!res.ok) return showResult({ ok: false, error: { kind: "input", message: `fixture ${name} not found (${res.status})` } });
  showResult((await res.json()) as Result);
}

async function start(): Promise<void> {
  let files: string[] = [];
  $("image-select").addEventListener("change", (ev) => {
    const file = (ev.target as HTMLSelectElement).value;
    if (file) void loadImage(file).then(() => run("boot"));
  });
  $("boot-button").addEventListener("click", () => void run("boot"));
  $("service-button").addEventListener("click", () => void run("service"));
  $("zoom-button").addEventListener("click", () => {
    try {
      zoomTo(parseHex($<HTMLInputElement>("zoom-start").value.trim(), "from"), parseHex($<HTMLInputElement>("zoom-end").value.trim(), "to"));
    } catch (e) {
      const err = $("error");
      err.hidden = false;
      err.textContent = (e as Error).message;
    }
  });
  $("zoom-reset").addEventListener("click", () => {
    state.zoom = undefined;
    drawMap();
  });
  wireMap();
  // the map is drawn at the page's width: redraw when it changes
  let resizeTimer: ReturnType<typeof setTimeout> | undefined;
  let lastWidth = $("map").clientWidth;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => {
      if ($("map").clientWidth !== lastWidth) {
        lastWidth = $("map").clientWidth;
        drawMap();
      }
    }, 100);
  });
  (window as unknown as { hclboot: object }).hclboot = { showResult };
  const fixture = new URLSearchParams(location.search).get("fixture");
  [, files] = await Promise.all([showSelftest(), loadImageList()]);
  if (fixture) await showFixture(fixture);
  else {
    // first load: the view in the hash, else the default small x86_64 image, booted with no click
    await applyView(parseViewHash(location.hash), files);
    window.addEventListener("hashchange", () => {
      if (location.hash !== viewHash(currentView())) void applyView(parseViewHash(location.hash), files);
    });
  }
  document.body.dataset.ready = "true";
}

void start();
