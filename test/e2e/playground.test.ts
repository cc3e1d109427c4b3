// End-to-end: `hclboot serve` + Debian's chromium driven by playwright-core. Skips (with a
// message) when /usr/bin/chromium is absent, unless HCLBOOT_E2E_REQUIRED is set (CI sets it).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { spawn, type ChildProcess } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { copyFileSync } from "node:fs";
import { parseImage } from "../../host/harness/browser_api.js";
import { bootImage } from "../../host/harness/boot.js";
import { loadImage } from "../../host/image/load.js";
import { loadShim } from "../../host/wasm/node.js";

const CHROMIUM = "/usr/bin/chromium";
const root = join(__dirname, "..", "..");
const results = join(root, "test-results");
const haveChromium = existsSync(CHROMIUM);
const required = !!process.env.HCLBOOT_E2E_REQUIRED;

if (!haveChromium && !required) {
  console.warn(`playground e2e skipped: ${CHROMIUM} not found (apt-get install -y chromium to run it)`);
}

/** Starts `hclboot serve --port 0` on loopback; resolves with the child and its URL. */
function startServe(images: string): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, [join(root, "bin", "hclboot.js"), "serve", "--port", "0", "--host", "127.0.0.1", "--images", images], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    const timer = setTimeout(() => fail(new Error(`hclboot serve did not start in 30 s: ${out}${err}`)), 30_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /hclboot playground: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) {
        clearTimeout(timer);
        ok({ child, url: m[1] });
      }
    });
    child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`hclboot serve exited with ${code}: ${err}`));
    });
  });
}

describe.runIf(haveChromium || required)("browser playground", () => {
  let serve: { child: ChildProcess; url: string };
  let context: BrowserContext;
  let page: Page;
  const pageErrors: string[] = [];
  const profile = mkdtempSync(join(tmpdir(), "hclboot-chromium-"));
  const images = mkdtempSync(join(tmpdir(), "hclboot-e2e-images-"));

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing but HCLBOOT_E2E_REQUIRED is set: install chromium (apt-get install -y chromium)`);
    mkdirSync(results, { recursive: true });
    writeFileSync(join(images, "e2e-vm.json"), JSON.stringify({ name: "e2e-vm", description: "an empty VM description", vm: {} }, null, 2));
    copyFileSync(join(root, "images", "small.json"), join(images, "small.json"));
    copyFileSync(join(root, "images", "sidecar-2048.json"), join(images, "sidecar-2048.json"));
    serve = await startServe(images);
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => pageErrors.push(e.message));
  }, 90_000);

  afterAll(async () => {
    await context?.close();
    if (serve?.child.pid !== undefined && serve.child.exitCode === null) serve.child.kill("SIGTERM");
    rmSync(profile, { recursive: true, force: true });
    rmSync(images, { recursive: true, force: true });
  });

  /** Opens the page fresh on `hash` (via about:blank: a hash-only goto would not reload) and waits for it. */
  const open = async (p: Page, hash: string) => {
    await p.goto("about:blank");
    await p.goto(`${serve.url}${hash}`);
    await p.waitForSelector("body[data-ready=true]");
  };

  /** document.scrollWidth against the window: the page must not scroll sideways. */
  const overflow = () => page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth }));

  it("boots the default x86_64 small image on first load and shows its map without any click", async () => {
    const node = bootImage(loadImage(join(root, "images", "small.json")), { shim: await loadShim() }).output;
    await page.goto(serve.url);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#wasm-status")).toMatch(/^boot core: selftest ok \(\d+ bytes of WASM memory\)$/);
    expect(await page.getAttribute("#wasm-status", "data-state")).toBe("ok");
    // the image list comes from the server; the picker starts on small.json (x86_64), not the first file
    expect(await page.$$eval("#image-select option", (o) => o.map((x) => x.textContent))).toEqual([
      "(edit below)", "e2e-vm — an empty VM description",
      "sidecar-2048 — 2048 CPUs over 64 NUMA nodes (32 each, 4 GiB per node); VTL2 allocates 4 GiB spread over the nodes and sidecar starts every node's CPUs.",
      "small — 4 CPUs, 1 NUMA node, 4 GiB of RAM; VTL2 in a 512 MiB memory-layout range above RAM and MMIO.",
    ]);
    expect(await page.inputValue("#image-select")).toBe("small.json");
    expect(JSON.parse(await page.inputValue("#image-json")).name).toBe("small");
    // ... and it is booted: the map shows the real VTL2 ranges
    expect(await page.isHidden("#error")).toBe(true);
    const vtl2 = await page.$$eval("#map rect.range[data-lane=vtl2]", (rs) => rs.map((r) => `${r.getAttribute("data-type")}@${r.getAttribute("data-start")}-${r.getAttribute("data-end")}`));
    expect(vtl2).toEqual(node.addressSpace.map((a) => `${a.type}@${a.start}-${a.end}`));
    expect(await page.textContent("#summary")).toContain("x86_64, isolation none, 4 CPUs, memory allocation host");
    expect(await page.evaluate(() => location.hash)).toBe("#image=small.json");
    // a strict CSP (script-src 'self', no inline styles) works: no inline script or style element
    expect(await page.$$eval("script", (ss) => ss.map((x) => x.getAttribute("src")))).toEqual(["app.js"]);
    expect(await page.$$eval("style", (ss) => ss.length)).toBe(0);
    expect(await overflow()).toMatchObject({ inner: 1280 });
    const o = await overflow();
    expect(o.scroll).toBeLessThanOrEqual(o.inner);
    await page.screenshot({ path: join(results, "playground-first-load-1280.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });

  it("boots the selected image through the browser API and shows the failure message", async () => {
    // the empty VM description fails the image schema, with the same message as in Node
    const invalid = parseImage({ name: "e2e-vm", description: "an empty VM description", vm: {} });
    expect("ok" in invalid && !invalid.ok).toBe(true);
    await page.selectOption("#image-select", "e2e-vm.json"); // picking an image boots it
    await page.waitForSelector("#error:not([hidden])");
    expect(await page.textContent("#error")).toBe(`boot failed (input): ${"error" in invalid ? invalid.error.message : ""}`);
    expect(await page.evaluate(() => location.hash)).toBe("#image=e2e-vm.json");
    // an edited, invalid image fails with the schema's field path
    await page.fill("#image-json", JSON.stringify({ vm: {}, shim: { memoryStart: "12" } }));
    await page.click("#boot-button");
    await page.waitForFunction(() => document.getElementById("error")!.textContent!.includes("memoryStart"));
    expect(await page.textContent("#error")).toContain("shim.memoryStart: expected a 0x-prefixed hex string of at most 16 digits");
  });

  it("boots a failing image in the browser: the shim's exact panic message and the boot log up to it", async () => {
    const img = JSON.parse(readFileSync(join(root, "images", "fail-pool-too-large.json"), "utf8"));
    await page.fill("#image-json", JSON.stringify(img, null, 2));
    await page.click("#boot-button");
    await page.waitForFunction(() => document.getElementById("error")!.textContent!.startsWith("boot failed (panic)"));
    expect(await page.textContent("#error")).toBe(`boot failed (panic): ${img.expect.message}`);
    const log = (await page.textContent("#boot-log"))!.split("\n");
    expect(log.at(-1)).toBe(`[ERROR] panicked: ${img.expect.message}`);
    expect(log).toContain("[INFO] reading topology from host device tree");
    expect(await page.$$eval("#map rect.range", (rs) => rs.length)).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("boots images/small.json in the browser: the map shows the real VTL2 ranges of the boot", async () => {
    const node = bootImage(loadImage(join(root, "images", "small.json")), { shim: await loadShim() }).output;
    await page.selectOption("#image-select", "small.json");
    await page.waitForFunction(() => (document.getElementById("image-json") as HTMLTextAreaElement).value.includes('"small"'));
    await page.click("#boot-button");
    await page.waitForFunction(() => document.getElementById("boot-log")!.textContent !== "" && document.querySelector("#map rect.range") !== null);
    expect(await page.isHidden("#error")).toBe(true);
    const vtl2 = await page.$$eval("#map rect.range[data-lane=vtl2]", (rs) => rs.map((r) => `${r.getAttribute("data-type")}@${r.getAttribute("data-start")}-${r.getAttribute("data-end")}`));
    expect(vtl2).toEqual(node.addressSpace.map((a) => `${a.type}@${a.start}-${a.end}`));
    expect(vtl2).toContain("VTL2_PERSISTED_STATE_HEADER@0x1c0000000-0x1c0001000");
    expect(await page.textContent("#boot-log")).toBe(node.bootLog.join("\n"));
    expect(await page.textContent("#summary")).toContain("x86_64, isolation none, 4 CPUs, memory allocation host");
    await page.screenshot({ path: join(results, "playground-small.png"), fullPage: true });

    await page.click("#service-button");
    await page.waitForSelector("#service .verdict");
    expect(await page.textContent("#service .verdict")).toBe("servicing: topologies agree");
    expect(pageErrors).toEqual([]);
  });

  it("64 NUMA nodes: every node its own colour, axis labels that do not overlap, long lines wrapped", async () => {
    await open(page, "#image=sidecar-2048.json");
    expect(await page.isHidden("#error")).toBe(true);
    expect(await page.inputValue("#image-select")).toBe("sidecar-2048.json");
    const fills = await page.$$eval("#map rect.range[data-lane=partition]", (rs) => rs.map((r) => [r.getAttribute("data-vnode"), r.getAttribute("fill")]));
    const byNode = new Map<string, Set<string>>();
    for (const [n, f] of fills) byNode.set(n!, (byNode.get(n!) ?? new Set()).add(f!));
    expect(byNode.size).toBe(64);
    for (const colours of byNode.values()) expect(colours.size).toBe(1); // one colour per node
    expect(new Set([...byNode.values()].map((c) => [...c][0])).size).toBe(64); // and 64 different ones
    // the legend names all 64 nodes with those colours
    expect(await page.$$eval("#map .legend text", (t) => t.filter((x) => x.textContent!.startsWith("RAM node")).length)).toBe(64);
    // axis labels: no two overlap (thinned, vertical)
    const boxes = await page.$$eval("#map .axis text.tick", (ts) => ts.map((t) => {
      const b = t.getBoundingClientRect();
      return { l: b.left, r: b.right, t: b.top, b: b.bottom };
    }));
    expect(boxes.length).toBeGreaterThan(20);
    for (let i = 1; i < boxes.length; i++) {
      const a = boxes[i - 1]!, b = boxes[i]!;
      const overlap = a.l < b.r - 0.5 && b.l < a.r - 0.5 && a.t < b.b - 0.5 && b.t < a.b - 0.5;
      expect(overlap, `tick labels ${i - 1} and ${i} overlap`).toBe(false);
    }
    // the 2048-CPU kernel command line (boot_cpus=0,1,…) wraps instead of widening the page
    expect(await page.textContent("#summary")).toContain("boot_cpus=");
    const o = await overflow();
    expect(o.scroll).toBeLessThanOrEqual(o.inner);
    await page.screenshot({ path: join(results, "playground-64-nodes-1280.png"), fullPage: true });
    await page.locator("#map").screenshot({ path: join(results, "playground-64-nodes-map.png") });
    expect(pageErrors).toEqual([]);
  });

  it("has no horizontal overflow at 375 px wide (small and 64-node views)", async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    try {
      for (const image of ["small.json", "sidecar-2048.json"]) {
        await open(page, `#image=${image}`);
        await page.waitForSelector("#map rect.range");
        const o = await overflow();
        expect(o.inner).toBe(375);
        expect(o.scroll, `${image} at 375 px`).toBeLessThanOrEqual(o.inner);
        // the map is drawn at the page's width, not wider
        expect(await page.$eval("#map svg", (s) => s.getBoundingClientRect().right)).toBeLessThanOrEqual(375);
        await page.screenshot({ path: join(results, `playground-375-${image.replace(".json", "")}.png`), fullPage: true });
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 1000 });
    }
    expect(pageErrors).toEqual([]);
  });

  it("a shareable URL (image, zoom and servicing in the hash) reproduces the view", async () => {
    await open(page, "#image=small.json");
    await page.click('#map rect.range[data-lane="vtl2ram"]'); // zoom to VTL2 RAM
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toMatch(/^#image=small\.json&zoom=0x[0-9a-f]+-0x[0-9a-f]+$/);
    const shown = await page.$$eval("#map rect.range", (rs) => rs.map((r) => `${r.getAttribute("data-lane")}@${r.getAttribute("data-start")}`));
    const zoom = [await page.inputValue("#zoom-start"), await page.inputValue("#zoom-end")];
    // a fresh page opened on that URL shows the same zoomed map
    const other = await context.newPage();
    try {
      await open(other, hash);
      expect(await other.$$eval("#map rect.range", (rs) => rs.map((r) => `${r.getAttribute("data-lane")}@${r.getAttribute("data-start")}`))).toEqual(shown);
      expect([await other.inputValue("#zoom-start"), await other.inputValue("#zoom-end")]).toEqual(zoom);
      // servicing is part of the view too
      await other.click("#service-button");
      await other.waitForSelector("#service .verdict");
      const serviced = await other.evaluate(() => location.hash);
      expect(serviced).toBe("#image=small.json&kind=service");
      await open(other, serviced);
      expect(await other.textContent("#service .verdict")).toBe("servicing: topologies agree");
      // an edited image travels as JSON in the hash
      const edited = JSON.parse(await other.inputValue("#image-json"));
      edited.vm.cpus = { count: 2 };
      await other.fill("#image-json", JSON.stringify(edited, null, 2));
      await other.click("#boot-button");
      await other.waitForFunction(() => location.hash.startsWith("#json="));
      const jsonHash = await other.evaluate(() => location.hash);
      await open(other, jsonHash);
      expect(await other.textContent("#summary")).toContain("2 CPUs");
      expect(JSON.parse(await other.inputValue("#image-json"))).toEqual(edited);
    } finally {
      await other.close();
    }
    expect(pageErrors).toEqual([]);
  });

  it("renders the address-space map of a fixture boot result", async () => {
    await page.goto(`${serve.url}?fixture=x64-two-nodes-sidecar`);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.isHidden("#error")).toBe(true);
    const ranges = await page.$$eval("#map rect.range", (rs) => rs.map((r) => ({
      lane: r.getAttribute("data-lane"), type: r.getAttribute("data-type"), start: r.getAttribute("data-start"), end: r.getAttribute("data-end"),
      width: (r as SVGRectElement).getBBox().width,
    })));
    expect(ranges).toHaveLength(22);
    expect(ranges.filter((r) => r.lane === "vtl2").map((r) => `${r.type}@${r.start}-${r.end}`)).toEqual([
      "VTL2_CONFIG@0x220000000-0x220005000", "VTL2_RAM@0x220005000-0x221000000", "VTL2_SIDECAR_IMAGE@0x221000000-0x221100000",
      "VTL2_BOOTSHIM_LOG_BUFFER@0x221100000-0x221108000", "VTL2_PERSISTED_STATE_HEADER@0x221108000-0x221109000",
      "VTL2_PERSISTED_STATE_PROTOBUF@0x221109000-0x221118000", "VTL2_RAM@0x221118000-0x221a00000", "VTL2_SIDECAR_NODE@0x221a00000-0x221c00000",
      "VTL2_GPA_POOL@0x221c00000-0x222000000", "VTL2_RAM@0x222000000-0x223e00000", "VTL2_SIDECAR_NODE@0x223e00000-0x224000000",
    ]);
    expect(Math.min(...ranges.map((r) => r.width))).toBeGreaterThanOrEqual(7);
    expect(await page.textContent("#boot-log")).toBe("fixture boot log line 1\nfixture boot log line 2");
    expect(await page.textContent("#summary")).toContain("x86_64, isolation none, 16 CPUs, memory allocation host, sidecar 2 nodes");
    await page.screenshot({ path: join(results, "playground-map.png"), fullPage: true });

    // tooltip on the one-page persisted-state header
    await page.hover('#map rect.range[data-type="VTL2_PERSISTED_STATE_HEADER"]');
    await page.waitForSelector("#tooltip:not([hidden])");
    expect(await page.textContent("#tooltip")).toBe("start 0x221108000\nend   0x221109000\nsize  0x1000 (4 KiB)\nnode  0\ntype  VTL2_PERSISTED_STATE_HEADER");
    await page.screenshot({ path: join(results, "playground-tooltip.png") });

    // click the VTL2 RAM range of node 0 to zoom to it
    await page.click('#map rect.range[data-lane="vtl2ram"][data-start="0x220000000"]');
    expect(await page.inputValue("#zoom-start")).toBe("0x220000000");
    expect(await page.inputValue("#zoom-end")).toBe("0x222000000");
    // VTL2 RAM of node 0, the 9 VTL2 ranges inside it and sidecar node 0; nothing else overlaps
    expect(await page.$$eval("#map rect.range", (rs) => rs.map((r) => r.getAttribute("data-lane")))).toEqual(
      ["vtl2ram", ...Array(9).fill("vtl2"), "sidecar"],
    );
    await page.screenshot({ path: join(results, "playground-zoomed.png"), fullPage: true });
    await page.click("#zoom-reset");
    expect(await page.$$eval("#map rect.range", (rs) => rs.length)).toBe(22);
    expect(pageErrors).toEqual([]);
  });

  it("zooms to a dragged span and to a typed window, and rejects a bad address", async () => {
    await page.goto(`${serve.url}?fixture=x64-two-nodes-sidecar`);
    await page.waitForSelector("body[data-ready=true]");
    const box = (await page.locator("#map svg").boundingBox())!;
    const y = box.y + 20;
    await page.mouse.move(box.x + 100, y); // from the lane titles: clamps to the start of the space
    await page.mouse.down();
    await page.mouse.move(box.x + 250, y, { steps: 5 }); // 70 px into the map: inside node 0's low RAM
    await page.mouse.up();
    const end = BigInt(await page.inputValue("#zoom-end"));
    expect(await page.inputValue("#zoom-start")).toBe("0x0");
    expect(end > 0n && end < 0xe0000000n && end % 0x1000n === 0n).toBe(true);
    expect(await page.$$eval("#map rect.range", (rs) => rs.map((r) => `${r.getAttribute("data-lane")}@${r.getAttribute("data-start")}`))).toEqual(["partition@0x0"]);

    await page.fill("#zoom-start", "0x221100000");
    await page.fill("#zoom-end", "0x221118000");
    await page.click("#zoom-button");
    expect(await page.$$eval("#map rect.range[data-lane=vtl2]", (rs) => rs.map((r) => r.getAttribute("data-type")))).toEqual([
      "VTL2_BOOTSHIM_LOG_BUFFER", "VTL2_PERSISTED_STATE_HEADER", "VTL2_PERSISTED_STATE_PROTOBUF",
    ]);
    await page.fill("#zoom-start", "zz");
    await page.click("#zoom-button");
    expect(await page.textContent("#error")).toBe('from: expected a 0x-prefixed hex string, got "zz"');
  });

  it("shows a failing boot result with its message and no map", async () => {
    await page.goto(`${serve.url}?fixture=panic-persisted-header`);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#error")).toBe("boot failed (panic): persisted state header missing");
    expect(await page.$$eval("#map rect.range", (rs) => rs.length)).toBe(0);
    await page.screenshot({ path: join(results, "playground-failure.png") });
  });

  it("shows what servicing kept and outlines what moved", async () => {
    await page.goto(`${serve.url}?fixture=service-differ`);
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.textContent("#service .verdict")).toBe("servicing: topologies DISAGREE");
    expect(await page.$$eval("#service tr.differs td:nth-child(2)", (t) => t.map((x) => x.textContent))).toEqual([
      "VTL2 address space (ranges and types)", "GPA pool", "sidecar",
    ]);
    expect(await page.$$eval("#map rect.range.changed", (rs) => rs.map((r) => r.getAttribute("data-type")))).toEqual([
      "VTL2_RAM", "VTL2_SIDECAR_NODE", "VTL2_GPA_POOL", "VTL2_SIDECAR_NODE",
    ]);
    await page.screenshot({ path: join(results, "playground-service.png"), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
}, 120_000);
