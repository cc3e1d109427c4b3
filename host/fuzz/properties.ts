//! User properties (`hclboot fuzz --property FILE`): ES modules whose default export judges every
//! completed boot, called with the input and the structured boot result.
// Ports: nothing upstream.
import { basename, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import { InputError } from "../errors.js";
import type { Verdict } from "./oracle.js";

/** A property: nothing when it holds, or a string describing the violation. */
export type Property = (input: unknown, result: unknown) => void | string | undefined | null;

interface Loaded {
  name: string;
  fn: Property;
}

let loaded: Loaded[] = [];

/** Imports each module (absolute or relative to the working directory); throws InputError on a bad one. */
export async function loadProperties(paths: readonly string[]): Promise<void> {
  const out: Loaded[] = [];
  for (const p of paths) {
    const abs = resolve(p);
    if (!existsSync(abs)) throw new InputError(`--property module not found: ${p}`);
    let mod: { default?: unknown };
    try {
      mod = (await import(pathToFileURL(abs).href)) as { default?: unknown };
    } catch (e) {
      throw new InputError(`--property ${p}: cannot import (${(e as Error).message})`);
    }
    if (typeof mod.default !== "function") throw new InputError(`--property ${p}: the default export must be a function (input, result) => void | string`);
    out.push({ name: basename(abs), fn: mod.default as Property });
  }
  loaded = out;
}

/** Sets the properties directly (tests, library use). */
export function setProperties(list: readonly { name: string; fn: Property }[]): void {
  loaded = [...list];
}

/** Whether any property is loaded (targets skip building the result object otherwise). */
export function hasProperties(): boolean {
  return loaded.length > 0;
}

/**
 * Runs every property on one completed boot: the first violation is a `property` finding, a
 * property that throws is a `property-error` finding (the property's bug, not the shim's).
 */
export function checkProperties(input: unknown, result: unknown): Verdict | null {
  for (const p of loaded) {
    let r: unknown;
    try {
      r = p.fn(input, result);
    } catch (e) {
      return { ok: false, kind: "property-error", message: `property ${p.name} threw: ${e instanceof Error ? e.message : String(e)}`, site: `property:${p.name}` };
    }
    if (typeof r === "string" && r !== "") return { ok: false, kind: "property", message: `property ${p.name}: ${r}`, site: `property:${p.name}` };
  }
  return null;
}
