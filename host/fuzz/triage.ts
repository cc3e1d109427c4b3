//! Triage of fuzz findings: buckets (site and message shape), finding records on disk, the
//! report (`report.json`, `report.md`) and baseline files of known bucket ids.
// Ports: nothing upstream (libFuzzer/ClusterFuzz-style crash grouping).
import { createHash } from "node:crypto";
import { existsSync, readdirSync, writeFileSync, mkdirSync } from "node:fs";
import { readInputFile } from "../image/read_file.js";
import { join } from "node:path";
import { InputError } from "../errors.js";
import type { FindingKind } from "./oracle.js";

/** Whether a finding's input is one the VMM could send (passed the image loader, not byte-mutated) or hand-made. */
export type Validity = "vmm" | "hand-made";

/**
 * The message shape used to tell findings of one site apart: its first line with hex and decimal
 * numbers masked (so `left: 8192 right: Free` and `left: 4096 right: 4096` differ, sizes do not).
 */
export function messageShape(message: string): string {
  const core = rawMessage(message);
  return core.split("\n").slice(0, 3).join(" ").replace(/0x[0-9a-f]+|\d+/gi, "#").slice(0, 300);
}

/** A finding message without the `upstream defect (site at file:line): ` prefix. */
export function rawMessage(message: string): string {
  return message.replace(/^upstream defect \([^)]*\): /, "");
}

/** Bucket id of a finding: `b` + 12 hex digits of SHA-1 over kind, site id and message shape. */
export function bucketId(kind: string, message: string, site?: string): string {
  return "b" + createHash("sha1").update(`${kind}\n${site ?? ""}\n${messageShape(message)}`).digest("hex").slice(0, 12);
}

/** SHA-1 of an input (libFuzzer names a crash file `crash-<sha1>` after its input's SHA-1). */
export function sha1Hex(bytes: Uint8Array): string {
  return createHash("sha1").update(bytes).digest("hex");
}

/** One finding as written next to its reproducer (`crash-<sha1>.finding.json`). */
export interface FindingRecord {
  bucket: string;
  kind: FindingKind;
  /** Failure site id and its upstream file:line list (upstream-defect findings). */
  site?: string;
  at?: string[];
  validity: Validity;
  message: string;
  target: string;
  seed: number;
  /** Run index that found it, wall-clock time and seconds into the campaign. */
  run: number;
  time: string;
  seconds: number;
  /** Hits of this bucket in the campaign that wrote the record. */
  count: number;
  /** Main reproducer file and the raw input file (`crash-<sha1>`), relative to the folder. */
  reproducer: string;
  crash: string;
  replay: string;
  inputBytes: number;
}

/** One row of the report. */
export interface Bucket {
  id: string;
  kind: FindingKind;
  site?: string;
  at?: string[];
  validity: Validity;
  message: string;
  targets: string[];
  firstSeen: { run: number; time: string; seconds: number; seed: number };
  count: number;
  /** The smallest reproducer of the bucket. */
  reproducer: string;
  crash: string;
  replay: string;
  inputBytes: number;
  /** Listed in the `--known` file. */
  known: boolean;
}

/** The triage report (report.json). */
export interface TriageReport {
  folder: string;
  generated: string;
  findings: number;
  buckets: Bucket[];
  /** Buckets that are not known (a CI campaign fails on these). */
  newBuckets: number;
}

/** Bucket ids in a baseline file: one per line (`#` comments), or a JSON array / report.json. */
export function readKnown(file: string): Set<string> {
  if (!existsSync(file)) throw new InputError(`--known file not found: ${file}`);
  const text = new TextDecoder().decode(readInputFile(file, "reproducer"));
  const ids = new Set<string>();
  const trimmed = text.trim();
  if (trimmed.startsWith("[") || trimmed.startsWith("{")) {
    let doc: unknown;
    try {
      doc = JSON.parse(trimmed);
    } catch (e) {
      throw new InputError(`${file}: not JSON (${(e as Error).message})`);
    }
    const list = Array.isArray(doc) ? doc : (doc as { buckets?: { id?: unknown }[] }).buckets?.map((b) => b.id);
    if (!Array.isArray(list)) throw new InputError(`${file}: expected a JSON array of bucket ids or a report.json`);
    for (const x of list) if (typeof x === "string") ids.add(x);
    return ids;
  }
  for (const line of text.split("\n")) {
    const id = line.replace(/#.*/, "").trim();
    if (id === "") continue;
    if (!/^b[0-9a-f]{12}$/.test(id)) throw new InputError(`${file}: '${id}' is not a bucket id (b + 12 hex digits)`);
    ids.add(id);
  }
  return ids;
}

/** Every finding record in a folder (`*.finding.json`), sorted by first-seen time. */
export function loadFindings(dir: string): FindingRecord[] {
  if (!existsSync(dir)) throw new InputError(`findings folder not found: ${dir}`);
  const out: FindingRecord[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith(".finding.json")) continue;
    try {
      out.push(JSON.parse(new TextDecoder().decode(readInputFile(join(dir, name), "reproducer"))) as FindingRecord);
    } catch {
      // a half-written or foreign file: skipped
    }
  }
  return out.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** Groups records into buckets: earliest first-seen, summed counts, smallest reproducer. */
export function buildReport(dir: string, records: readonly FindingRecord[], known: ReadonlySet<string> = new Set()): TriageReport {
  const by = new Map<string, Bucket>();
  for (const r of records) {
    const b = by.get(r.bucket);
    if (!b) {
      by.set(r.bucket, {
        id: r.bucket, kind: r.kind, ...(r.site ? { site: r.site } : {}), ...(r.at ? { at: r.at } : {}), validity: r.validity,
        message: r.message, targets: [r.target], firstSeen: { run: r.run, time: r.time, seconds: r.seconds, seed: r.seed }, count: r.count,
        reproducer: r.reproducer, crash: r.crash, replay: r.replay, inputBytes: r.inputBytes, known: known.has(r.bucket),
      });
      continue;
    }
    b.count += r.count;
    if (!b.targets.includes(r.target)) b.targets.push(r.target);
    if (r.validity === "vmm") b.validity = "vmm"; // reached from a well-formed VM at least once
    if (r.inputBytes < b.inputBytes) Object.assign(b, { reproducer: r.reproducer, crash: r.crash, replay: r.replay, inputBytes: r.inputBytes, message: r.message });
  }
  const rank = (b: Bucket): number => (b.known ? 2 : 0) + (b.validity === "vmm" ? 0 : 1);
  const buckets = [...by.values()].sort((a, b) => rank(a) - rank(b) || b.count - a.count || (a.id < b.id ? -1 : 1));
  return { folder: dir, generated: new Date().toISOString(), findings: records.length, buckets, newBuckets: buckets.filter((b) => !b.known).length };
}

const cell = (s: string): string => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

/** The readable report: one row per bucket. */
export function reportMarkdown(r: TriageReport): string {
  const lines = [
    `# Fuzz triage: ${r.folder}`,
    "",
    `${r.buckets.length} bucket(s) from ${r.findings} finding record(s), ${r.newBuckets} not known; generated ${r.generated}.`,
    "Validity `vmm`: the input passed the image loader's VMM-side checks (a VM a host could build); `hand-made`: byte-mutated or hand-made host input.",
    "",
  ];
  if (r.buckets.length === 0) return lines.concat(["No findings.", ""]).join("\n");
  lines.push("| bucket | kind | site (upstream file:line) | validity | first seen (run, s) | count | smallest reproducer | message |", "| --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const b of r.buckets) {
    const site = b.site ? `${b.site}${b.at && b.at.length ? ` (${b.at.join(", ")})` : ""}` : "";
    lines.push(`| ${b.id}${b.known ? " (known)" : ""} | ${b.kind} | ${cell(site)} | ${b.validity} | ${b.firstSeen.run}, ${b.firstSeen.seconds.toFixed(1)} | ${b.count} | \`${b.reproducer}\` (${b.inputBytes} B) | ${cell(rawMessage(b.message).slice(0, 200))} |`);
  }
  lines.push("", "Replay one with `hclboot fuzz --replay FOLDER/<reproducer>`; suppress known ones with `--known FILE` (bucket ids).", "");
  return lines.join("\n");
}

/** Writes report.json and report.md into `dir`; returns the report. */
export function writeReport(dir: string, known: ReadonlySet<string> = new Set()): TriageReport {
  const r = buildReport(dir, loadFindings(dir), known);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "report.json"), JSON.stringify(r, null, 2) + "\n");
  writeFileSync(join(dir, "report.md"), reportMarkdown(r));
  return r;
}
