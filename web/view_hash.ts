//! The playground's shareable view: which image (or edited JSON), boot or servicing round trip,
//! and zoom window, kept in the URL hash (`#image=small.json&kind=service&zoom=0x…-0x…`).
// Ports: none (presentation)
//
// Pure functions only (no DOM): the page reads and writes location.hash, tests call these.

/** A view the hash reproduces. */
export interface View {
  /** An image file of the server's images/ list. */
  image?: string;
  /** Edited image JSON (instead of `image`). */
  json?: string;
  /** Boot (default) or servicing round trip. */
  kind?: "boot" | "service";
  /** The zoom window [start, end). */
  zoom?: { start: bigint; end: bigint };
}

/** The image shown when the hash names none: x86_64 small.json, the package's default image. */
export const DEFAULT_IMAGE = "small.json";

const HEX = /^0x[0-9a-fA-F]{1,16}$/;

/** Reads a view from a location hash; unknown keys and malformed values are ignored. */
export function parseViewHash(hash: string): View {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const view: View = {};
  const image = params.get("image");
  if (image) view.image = image;
  const json = params.get("json");
  if (json !== null && json !== "") view.json = json;
  const kind = params.get("kind");
  if (kind === "boot" || kind === "service") view.kind = kind;
  const zoom = params.get("zoom");
  if (zoom) {
    const [a, b, extra] = zoom.split("-");
    if (extra === undefined && a && b && HEX.test(a) && HEX.test(b) && BigInt(a) < BigInt(b)) view.zoom = { start: BigInt(a), end: BigInt(b) };
  }
  return view;
}

/** The hash of a view (`#` included; the default kind "boot" is left out). */
export function viewHash(view: View): string {
  const params = new URLSearchParams();
  if (view.json !== undefined) params.set("json", view.json);
  else if (view.image) params.set("image", view.image);
  if (view.kind === "service") params.set("kind", "service");
  if (view.zoom) params.set("zoom", `0x${view.zoom.start.toString(16)}-0x${view.zoom.end.toString(16)}`);
  const s = params.toString();
  return s === "" ? "" : `#${s}`;
}

/**
 * The image to show first: `wanted` when the server lists it, else DEFAULT_IMAGE, else the first
 * image that is not aarch64, else the first; "" when there is none.
 */
export function pickInitialImage(files: readonly string[], wanted?: string): string {
  if (wanted !== undefined && files.includes(wanted)) return wanted;
  if (files.includes(DEFAULT_IMAGE)) return DEFAULT_IMAGE;
  return files.find((f) => !/aarch64/i.test(f)) ?? files[0] ?? "";
}
