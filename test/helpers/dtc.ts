// Test helpers: compile device tree source with dtc, decode blobs with dtc, and assemble raw FDT
// blobs token by token (for malformed inputs dtc would never write).
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const fixtures = join(dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "dts");

/** Compiles DTS text with `dtc -I dts -O dtb` (optionally setting boot_cpuid_phys). */
export function dtc(source: string, bootCpu = 0): Uint8Array {
  return new Uint8Array(
    execFileSync("dtc", ["-q", "-I", "dts", "-O", "dtb", "-b", String(bootCpu)], { input: source, maxBuffer: 64 << 20 }),
  );
}

/** Compiles test/fixtures/dts/<name>.dts. */
export function fixture(name: string, bootCpu = 0): Uint8Array {
  return dtc(readFileSync(join(fixtures, `${name}.dts`), "utf8"), bootCpu);
}

/** `dtc -I dtb -O dts` of `blob`; throws with dtc's stderr when dtc rejects it. */
export function dtcDecode(blob: Uint8Array): string {
  const r = spawnSync("dtc", ["-q", "-I", "dtb", "-O", "dts", "-"], { input: blob, encoding: "buffer" });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`dtc rejected the blob (status ${r.status}): ${r.stderr.toString()}`);
  return r.stdout.toString();
}

/** Number of nodes in dts text whose name starts with `prefix` (e.g. "cpu@", "memory@"). */
export function countNodes(dts: string, prefix: string): number {
  const re = new RegExp(`^\\s*${prefix.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}[^\\s]* \\{$`, "gm");
  return (dts.match(re) ?? []).length;
}

/** Big-endian u32 bytes. */
export function be32(v: number): number[] {
  return [(v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff];
}

/** Big-endian u64 bytes. */
export function be64(v: bigint): number[] {
  return [...be32(Number(v >> 32n)), ...be32(Number(v & 0xffffffffn))];
}

/** A structure-block writer: tokens with upstream's encoding and padding. */
export class Struct {
  readonly bytes: number[] = [];
  private readonly names: string[] = [];

  constructor(readonly strings: StringTable) {}

  /** FDT_BEGIN_NODE with a NUL-terminated, padded name (raw bytes allowed). */
  begin(name: string | number[]): this {
    const raw = typeof name === "string" ? [...Buffer.from(name)] : name;
    this.bytes.push(...be32(1), ...raw, 0);
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }

  /** FDT_END_NODE. */
  end(): this {
    this.bytes.push(...be32(2));
    return this;
  }

  /** FDT_PROP with `data` (padded), named by string table offset or name. */
  prop(name: string | number, data: number[] = [], lenOverride?: number): this {
    const off = typeof name === "number" ? name : this.strings.offset(name);
    this.bytes.push(...be32(3), ...be32(lenOverride ?? data.length), ...be32(off), ...data);
    while (this.bytes.length % 4) this.bytes.push(0);
    return this;
  }

  /** A u32 property. */
  u32(name: string, ...v: number[]): this {
    return this.prop(name, v.flatMap(be32));
  }

  /** A u64 property. */
  u64(name: string, ...v: bigint[]): this {
    return this.prop(name, v.flatMap(be64));
  }

  /** A string property. */
  str(name: string, s: string): this {
    return this.prop(name, [...Buffer.from(s), 0]);
  }

  /** FDT_NOP. */
  nop(): this {
    this.bytes.push(...be32(4));
    return this;
  }

  /** Any raw token word. */
  token(v: number): this {
    this.bytes.push(...be32(v));
    return this;
  }
}

/** A strings block that deduplicates names. */
export class StringTable {
  readonly bytes: number[] = [];
  private readonly map = new Map<string, number>();

  /** Offset of `name`, appending it on first use. */
  offset(name: string): number {
    let off = this.map.get(name);
    if (off === undefined) {
      off = this.bytes.length;
      this.bytes.push(...Buffer.from(name), 0);
      this.map.set(name, off);
    }
    return off;
  }
}

/** Header field overrides for `blob`. */
export interface HeaderOverrides {
  magic?: number;
  totalsize?: number;
  offDtStruct?: number;
  offDtStrings?: number;
  offMemRsvmap?: number;
  version?: number;
  lastCompVersion?: number;
  bootCpuidPhys?: number;
  sizeDtStrings?: number;
  sizeDtStruct?: number;
  /** Omit the final FDT_END token. */
  noEnd?: boolean;
  reservations?: [bigint, bigint][];
}

/** Lays out header, reservation map, structure block (+ FDT_END) and strings like dtc does. */
export function blob(s: Struct, o: HeaderOverrides = {}): Uint8Array {
  const rsv = [...(o.reservations ?? []).flatMap(([a, b]) => [...be64(a), ...be64(b)]), ...be64(0n), ...be64(0n)];
  const struct = [...s.bytes, ...(o.noEnd ? [] : be32(9))];
  const offRsv = 40;
  const offStruct = offRsv + rsv.length;
  const offStrings = offStruct + struct.length;
  const total = offStrings + s.strings.bytes.length;
  const header = [
    o.magic ?? 0xd00dfeed, o.totalsize ?? total, o.offDtStruct ?? offStruct, o.offDtStrings ?? offStrings,
    o.offMemRsvmap ?? offRsv, o.version ?? 17, o.lastCompVersion ?? 16, o.bootCpuidPhys ?? 0,
    o.sizeDtStrings ?? s.strings.bytes.length, o.sizeDtStruct ?? struct.length,
  ].flatMap(be32);
  return new Uint8Array([...header, ...rsv, ...struct, ...s.strings.bytes]);
}

/** A minimal valid host tree body (root with cpus, one memory node, chosen) for mutations. */
export function minimalTree(): Struct {
  const s = new Struct(new StringTable());
  s.begin("").u32("#address-cells", 2).u32("#size-cells", 2);
  s.begin("cpus").u32("#address-cells", 1).u32("#size-cells", 0);
  s.begin("cpu@0").u32("reg", 0).u32("numa-node-id", 0).str("status", "okay").end();
  s.end();
  s.begin("memory@0").u64("reg", 0n, 0x100000n).u32("numa-node-id", 0).end();
  s.begin("chosen").str("bootargs", "x").end();
  s.end();
  return s;
}
