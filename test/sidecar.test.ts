import { describe, it, expect, beforeAll } from "vitest";
import fc from "fast-check";
import { loadTestShim } from "../host/wasm/node.js";
import type { Shim } from "../host/wasm/loader.js";
import { runHandoff, splitCpusByNode, utf8Error } from "../host/shim/handoff.js";
import { sidecarRequiredMemory } from "../host/hv/sidecar.js";
import { partition, GB, MB, hv } from "./helpers/handoff.js";
import { shimPanicOf } from "./helpers/panic.js";

describe("start_sidecar", () => {
  let shim: Shim;
  beforeAll(async () => {
    shim = await loadTestShim();
  });

  it("plans 64 nodes of 32 CPUs for 2048 CPUs over 64 NUMA nodes, each on its own node", () => {
    const h = hv();
    const r = runHandoff(shim, partition(2048, 64), h);
    expect(r.sidecar).not.toBeNull();
    const nodes = r.sidecar!.nodes;
    expect(nodes.length).toBe(64);
    const need = sidecarRequiredMemory(32);
    expect(need).toBe(0x1a1000n);
    nodes.forEach((n, i) => {
      expect(n.baseVp).toBe(i * 32);
      expect(n.vpCount).toBe(32);
      expect(n.memoryBase).toBe(GB + BigInt(i) * 16n * MB);
      expect(n.memorySize).toBe(need);
      expect(n.controlPage).toBe(n.memoryBase);
      expect(n.shmemPagesBase).toBe(n.memoryBase + 0x1000n);
      expect(n.shmemPagesSize).toBe(32n * 2n * 0x1000n);
    });
    expect(shim.log()).toContain("[INFO] sidecar starting, 64 nodes, 2048 cpus, 0x" + (need * 64n).toString(16) + " total bytes");
    expect(r.kernelCommandLine).toContain(" boot_cpus=" + nodes.map((n) => n.baseVp).join(",") + " ");
    // what the sidecar entry point received
    const rec = h.lastSidecarStart!;
    expect(rec.nodes.length).toBe(64);
    expect(rec.hypercallPage).toBe(0x1000n);
    expect(rec.perCpuStateSpecified).toBe(false);
    // the sidecar node memory is reserved: E820 reports it as reserved
    expect(r.e820.find((e) => e.addr === GB)).toEqual({ addr: GB, size: need, type: 2 });
  });

  it("splits a node of 40 CPUs into two chunks of 20", () => {
    expect(splitCpusByNode(shim, Array(40).fill(0))).toEqual([[0, 20], [20, 20]]);
    expect(splitCpusByNode(shim, Array(65).fill(0))).toEqual([[0, 22], [22, 22], [44, 21]]);
    expect(splitCpusByNode(shim, [0, 0, 1, 1, 1, 0])).toEqual([[0, 2], [2, 3], [5, 1]]);
  });

  it("takes memory from another node when the local node has run out, and logs it", () => {
    const input = partition(64, 2);
    // node 1 has only one page of free memory
    input.addressSpace[1] = { ...input.addressSpace[1]!, end: input.addressSpace[1]!.start + 0x1000n };
    const r = runHandoff(shim, input, hv());
    const nodes = r.sidecar!.nodes;
    expect(nodes.length).toBe(2);
    expect(nodes[0]!.memoryBase).toBe(GB);
    expect(nodes[1]!.memoryBase).toBe(GB + 0x1a1000n);
    expect(shim.log()).toContain("[WARN] sidecar: unable to allocate memory for sidecar node on node 1, falling back to node 0");
  });

  it("is disabled when no node has enough memory", () => {
    const input = partition(64, 2, 0x100000n);
    const r = runHandoff(shim, input, hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[WARN] sidecar: not enough memory for sidecar");
    expect(r.kernelCommandLine).not.toContain("boot_cpus=");
  });

  it("is disabled without x2APIC", () => {
    const r = runHandoff(shim, partition(64, 2), hv({ x2apic: false }));
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[WARN] sidecar: x2apic not available; not using sidecar");
  });

  it("is disabled when the image has no sidecar", () => {
    const r = runHandoff(shim, { ...partition(64, 2), sidecarSize: 0n }, hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[INFO] sidecar: not present in image");
  });

  it("is disabled from the command line", () => {
    const r = runHandoff(shim, { ...partition(64, 2), sidecar: "disabled-command-line" }, hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[INFO] sidecar: disabled via command line");
  });

  it("is disabled on a servicing restore", () => {
    const r = runHandoff(shim, { ...partition(64, 2), sidecar: "disabled-servicing" }, hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[INFO] sidecar: disabled because this is a servicing restore");
  });

  it("is silently off for isolated partitions and on aarch64", () => {
    for (const input of [{ ...partition(64, 2), isolation: "vbs" as const }, { ...partition(64, 2), arch: "aarch64" as const }]) {
      const r = runHandoff(shim, input, hv());
      expect(r.sidecar).toBeNull();
      expect(shim.log().filter((l) => l.startsWith("[INFO] sidecar"))).toEqual([]);
    }
  });

  it("is disabled when every NUMA node has one CPU", () => {
    const r = runHandoff(shim, partition(4, 4), hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[INFO] sidecar: all NUMA nodes have one CPU");
  });

  it("is disabled when the host names a NUMA node of 64 or more", () => {
    const input = partition(64, 2);
    input.cpus[63] = { reg: 63, vnode: 64 };
    const r = runHandoff(shim, input, hv());
    expect(r.sidecar).toBeNull();
    expect(shim.log()).toContain("[WARN] sidecar: NUMA node 64 too large");
  });

  it("panics with the sidecar's error string when it fails to start", () => {
    const e = shimPanicOf(() => runHandoff(shim, partition(64, 2), hv({ sidecarError: "boom: no memory" })));
    expect(e.message).toBe("failed to start sidecar: boom: no memory");
  });

  it("panics like from_utf8().unwrap() when the 255-byte error cuts a UTF-8 character", () => {
    // The sidecar copies at most 255 bytes of its message; "é" is two bytes, so 127 of them leave
    // a dangling lead byte at offset 254.
    const e = shimPanicOf(() => runHandoff(shim, partition(64, 2), hv({ sidecarError: "é".repeat(127) + "é" })));
    expect(e.message).toBe("called `Result::unwrap()` on an `Err` value: Utf8Error { valid_up_to: 254, error_len: None }");
    const ok = shimPanicOf(() => runHandoff(shim, partition(64, 2), hv({ sidecarError: "x" + "é".repeat(127) })));
    expect(ok.message).toBe("failed to start sidecar: x" + "é".repeat(127));
  });

  it("classifies bytes as Rust's from_utf8 does (valid_up_to, error_len)", () => {
    const v = (b: number[]) => utf8Error(shim, new Uint8Array(b));
    const err = (upTo: number, len: number | null) => `Utf8Error { valid_up_to: ${upTo}, error_len: ${len === null ? "None" : `Some(${len})`} }`;
    expect(v([0x41, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80])).toBeNull();
    expect(v([0x80])).toBe(err(0, 1));
    expect(v([0x41, 0xc0, 0x80])).toBe(err(1, 1)); // overlong lead byte
    expect(v([0xf5, 0x80])).toBe(err(0, 1));
    expect(v([0xe0, 0x80, 0x80])).toBe(err(0, 1)); // overlong 3-byte form
    expect(v([0xed, 0xa0, 0x80])).toBe(err(0, 1)); // surrogate
    expect(v([0xf4, 0x90, 0x80, 0x80])).toBe(err(0, 1)); // past U+10FFFF
    expect(v([0xe1, 0x80, 0x41])).toBe(err(0, 2));
    expect(v([0xf0, 0x90, 0x80, 0x41])).toBe(err(0, 3));
    expect(v([0x41, 0xc2])).toBe(err(1, null));
    expect(v([0xf0, 0x90, 0x80])).toBe(err(0, null));
  });

  it("reports the longest valid prefix as valid_up_to (property)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        const r = utf8Error(shim, bytes);
        let longest = 0;
        for (let k = 0; k <= bytes.length; k++) {
          try {
            new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(0, k));
            longest = k;
          } catch {
            // not valid up to k
          }
        }
        if (longest === bytes.length) return r === null;
        return r !== null && r.startsWith(`Utf8Error { valid_up_to: ${longest}, error_len: `);
      }),
      { numRuns: 300 },
    );
  });

  it("fails to start when the sidecar cannot read the VSM capabilities (its own register read)", () => {
    // Outside VTL2 the shim does not read VSM capabilities itself; the sidecar does, at start.
    const e = shimPanicOf(() => runHandoff(shim, partition(64, 2), hv({ vtl: 0, vsmCapabilitiesStatus: 0x06 })));
    expect(e.message).toBe("failed to start sidecar: failed to get vsm capabilities: Access denied");
  });

  it("honors per-CPU overrides: marks each base VP kernel-started and lists every such CPU", () => {
    const overrides = Array(400).fill(true);
    overrides[5] = false;
    overrides[40] = false;
    const h = hv();
    const r = runHandoff(shim, { ...partition(64, 2), sidecarCpuOverrides: overrides }, h);
    expect(r.kernelCommandLine).toContain(" boot_cpus=0,5,32,40 ");
    expect(shim.log()).toContain("[INFO] sidecar: per_cpu_state_specified=true, marking base_vp=0 as kernel-started");
    expect(shim.log()).toContain("[INFO] sidecar: per_cpu_state_specified=true, marking base_vp=32 as kernel-started");
    const rec = h.lastSidecarStart!;
    expect(rec.perCpuStateSpecified).toBe(true);
    expect([0, 5, 32, 40].every((i) => rec.sidecarStartsCpu[i] === false)).toBe(true);
    expect(rec.sidecarStartsCpu.filter((x) => !x).length).toBe(4);
  });

  it("keeps node chunks within 32 CPUs, covering every CPU in order (property)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 300 }), (vnodes) => {
        const chunks = splitCpusByNode(shim, vnodes);
        let next = 0;
        for (const [first, count] of chunks) {
          expect(first).toBe(next);
          expect(count).toBeGreaterThan(0);
          expect(count).toBeLessThanOrEqual(32);
          expect(new Set(vnodes.slice(first, first + count)).size).toBe(1);
          next += count;
        }
        expect(next).toBe(vnodes.length);
      }),
      { numRuns: 100 },
    );
  });

  it("plans 2048 CPUs in time linear in the CPU count", () => {
    const t = (cpus: number) => {
      const input = partition(cpus, 64);
      runHandoff(shim, input, hv());
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) runHandoff(shim, input, hv());
      return (performance.now() - t0) / 5;
    };
    const small = t(512);
    const big = t(2048);
    // 4x the CPUs must cost well under 16x (quadratic) the time
    expect(big / Math.max(small, 0.05)).toBeLessThan(10);
  });
});
