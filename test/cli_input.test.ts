// Unusable input as users hit it: every command's --help, bad options and image fields that are
// out of range give one clear line naming the option, file or field (InputError, exit 2), never a
// host assertion without context.
import { describe, it, expect, vi, afterEach } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../host/cli/main.js";
import { commands } from "../host/cli/commands.js";
import { InputError } from "../host/errors.js";
import { parseImage, resolveImageWith } from "../host/image/resolve.js";
import { vtl2ImageInput } from "../host/image/inputs.js";
import { readInputFile, ReadFileError } from "../host/image/read_file.js";

const root = join(__dirname, "..");
const small = JSON.parse(readFileSync(join(root, "images", "small.json"), "utf8"));
const tmp = mkdtempSync(join(tmpdir(), "hclboot-cli-input-"));

/** Runs the CLI in-process; resolves to its exit status and what it printed. */
async function cli(...argv: string[]): Promise<{ status: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  const status = await main(argv);
  vi.restoreAllMocks();
  return { status, out: out.join("\n"), err: err.join("\n") };
}
afterEach(() => vi.restoreAllMocks());

/** The InputError message of resolving `image` (files it names come from `files`), or "" when it resolves. */
function resolveError(image: unknown, files: Record<string, Uint8Array> = {}): string {
  try {
    const r = resolveImageWith(parseImage(image, "t.json"), (rel) => files[rel], "t.json");
    vtl2ImageInput(r);
    return "";
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e.message;
  }
}

const withVm = (edit: (vm: Record<string, any>) => void) => {
  const img = structuredClone(small);
  edit(img.vm);
  return img;
};

describe("--help", () => {
  it("hclboot --help lists every command on stdout (exit 0); no command is a usage error on stderr (exit 2)", async () => {
    const h = await cli("--help");
    expect(h.status).toBe(0);
    for (const name of Object.keys(commands)) expect(h.out).toMatch(new RegExp(`^  ${name} +\\S`, "m"));
    expect(h.err).toBe("");
    const none = await cli();
    expect(none).toMatchObject({ status: 2, out: "" });
    expect(none.err).toBe(h.out);
    const unknown = await cli("bogus");
    expect(unknown.status).toBe(2);
    expect(unknown.err).toMatch(/^hclboot: unknown command 'bogus'\n/);
  });

  it.each(Object.keys(commands))("%s --help prints its usage and exits 0 without running", async (name) => {
    const r = await cli(name, "--help");
    expect(r.status).toBe(0);
    expect(r.out).toMatch(new RegExp(`^usage: hclboot ${name}\\b`));
    expect(r.err).toBe("");
  });

  it("selftest and dt say what they do and their exit statuses", async () => {
    const s = await cli("selftest", "--help");
    expect(s.out).not.toContain("boot core: ok"); // --help does not run the selftest
    expect(s.out).toContain("Exit status: 0 the boot core works, 1 it does not, 2 bad arguments.");
    const d = await cli("dt", "-h");
    expect(d.out).toContain("host_fdt_parser");
    expect(d.out).toContain("Exit status: 0 parsed, 1 upstream's parse error (kind dt) or panic, 2 unreadable file or bad arguments.");
  });

  it("selftest rejects arguments it does not take (exit 2)", async () => {
    const r = await cli("selftest", "--bogus");
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^hclboot selftest: Unknown option '--bogus'/);
  });
});

describe("option errors name the option once", () => {
  it("dt without a file, or with two", async () => {
    expect(await cli("dt")).toMatchObject({ status: 2, err: "hclboot dt: missing FILE.dtb (usage: hclboot dt FILE.dtb [--json])" });
    expect(await cli("dt", "a.dtb", "b.dtb")).toMatchObject({ status: 2, err: "hclboot dt: dt takes exactly one FILE.dtb (usage: hclboot dt FILE.dtb [--json])" });
  });

  it("bench: no doubled command prefix", async () => {
    const r = await cli("bench", "--bogus");
    expect(r.status).toBe(2);
    expect(r.err).toMatch(/^hclboot bench: Unknown option '--bogus'/);
    expect(await cli("bench", "--threshold", "x", "--compare", "old.json")).toMatchObject({
      status: 2,
      err: "hclboot bench: --threshold must be a non-negative number, got 'x'",
    });
    expect(await cli("bench", "--threshold", "5")).toMatchObject({ status: 2, err: "hclboot bench: --threshold needs --compare" });
  });

  it("bench --svg into a folder that does not exist fails before the sweep", async () => {
    const svg = join(tmp, "no-such-dir", "chart.svg");
    const t0 = Date.now();
    expect(await cli("bench", "--quick", "--svg", svg)).toMatchObject({ status: 2, err: `hclboot bench: --svg: cannot write ${svg}: ENOENT` });
    expect(Date.now() - t0).toBeLessThan(5000); // no sweep ran
    expect(await cli("bench", "--quick", "--svg", tmp)).toMatchObject({ status: 2, err: `hclboot bench: --svg: cannot write ${tmp}: ${tmp} is a directory` });
  });
});

describe("image fields out of range", () => {
  it("a hostDeviceTree blob too large for the parameter area names hostDeviceTree, not vm", () => {
    const blob = new Uint8Array(262_145);
    expect(resolveError({ hostDeviceTree: "big.dtb", shim: { memoryStart: "0x1c0000000", memorySize: "0x20000000" } }, { "big.dtb": blob })).toBe(
      "t.json: hostDeviceTree: host device tree is 262145 bytes, larger than the 262144-byte (64 pages) device-tree parameter area: parameter too large for parameter area",
    );
  });

  it("hostDeviceTree images: VTL2 memory from shim must be a non-empty page-aligned range", () => {
    const img = (memoryStart: string, memorySize: string) => ({ hostDeviceTree: "h.dtb", shim: { memoryStart, memorySize } });
    const files = { "h.dtb": new Uint8Array(64) };
    expect(resolveError(img("0x1c0000000", "0x0"), files)).toBe(
      "t.json: shim.memorySize: VTL2 memory 0x1c0000000+0x0 is not a non-empty, page-aligned range below 2^64",
    );
    expect(resolveError(img("0x1c0000100", "0x20000000"), files)).toMatch(/^t\.json: shim\.memorySize: VTL2 memory 0x1c0000100\+0x20000000 is not/);
    expect(resolveError(img("0xfffffffffff00000", "0x200000"), files)).toMatch(/^t\.json: shim\.memorySize: /);
    expect(resolveError(img("0x1c0000000", "0x20000000"), files)).toBe("");
  });

  it("RAM so large that the memory-layout VTL2 range would pass 2^64 names vm.vtl2", () => {
    expect(resolveError(withVm((vm) => (vm.memory.size = "0xffffffffffff0000")))).toBe(
      "t.json: vm.vtl2: no room for the 0x20000000-byte memory-layout VTL2 range above RAM and MMIO (it would end at 0x10000000080000000, past the 64-bit address space)",
    );
    expect(resolveError(withVm((vm) => (vm.vtl2 = { mode: "memory-layout", size: "0xffffffffffe00000" })))).toMatch(
      /^t\.json: vm\.vtl2: no room for the 0xffffffffffe00000-byte memory-layout VTL2 range /,
    );
  });

  it("an absolute VTL2 range ending past 2^64 names the field", () => {
    const img = withVm((vm) => (vm.vtl2 = { mode: "absolute", range: { start: "0xfffffffffff00000", end: "0xfffffffffff00000" } }));
    expect(resolveError(img)).toBe(
      "t.json: vm.vtl2.igvmSize: memory range 0xfffffffffff00000-0x1000000001ff00000 ends past the 64-bit address space",
    );
  });

  it("RAM that wraps past 2^64 in MemoryLayout (no VTL2 range) names vm.memory", () => {
    const img = withVm((vm) => {
      vm.memory.size = "0xfffffffffffff000";
      vm.memory.mmioGaps = [{ start: "0x1000", end: "0x2000" }];
      vm.vtl2 = { mode: "vtl2-allocate" };
      delete vm.vtl2ChipsetMmio;
    });
    expect(resolveError(img)).toBe("t.json: vm.memory: assertion failed: range.start <= range.end (the RAM does not fit below 2^64)");
  });
});

describe("boot reports these as input (exit 2) from the command line", () => {
  it("boot of an image whose RAM leaves no room for VTL2: one line on stderr", async () => {
    const f = join(tmp, "huge.json");
    writeFileSync(f, JSON.stringify(withVm((vm) => (vm.memory.size = "0xffffffffffff0000"))));
    const r = await cli("boot", f);
    expect(r.status).toBe(2);
    expect(r.err.split("\n")).toHaveLength(1);
    expect(r.err).toMatch(/^hclboot boot: .*huge\.json: vm\.vtl2: no room for /);
  });
});

describe("input files are read with a bound", () => {
  it("readInputFile reads a regular file whole, and refuses one past the limit with EFBIG, naming it", () => {
    const f = join(tmp, "eight.bin");
    writeFileSync(f, new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]));
    expect([...readInputFile(f, "dtb", 8)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => readInputFile(f, "dtb", 7)).toThrow(`cannot read ${f}: larger than the limit of 7 bytes`);
    expect(() => readInputFile(join(tmp, "missing.bin"), "dtb")).toThrow(`cannot read ${join(tmp, "missing.bin")}: no such file`);
    expect(() => readInputFile(tmp, "image")).toThrow(new ReadFileError("EISDIR", tmp, "is a directory"));
  });

  it("dt and boot of a device are refused before a byte is read (exit 2), naming the file", async () => {
    expect(await cli("dt", "/dev/zero")).toMatchObject({ status: 2, err: "hclboot dt: cannot read /dev/zero: not a regular file (a character device)" });
    expect(await cli("boot", "/dev/zero")).toMatchObject({ status: 2, err: "hclboot boot: cannot read /dev/zero: not a regular file (a character device)" });
  }, 60_000);
});
