//! Progress of long commands on stderr (bench sweeps, bench --soak, fuzz campaigns): on a TTY one
//! line redrawn in place with done/total, percent, rate and ETA; otherwise (CI logs, pipes) a
//! plain status line every few seconds; nothing with `--quiet` (or `--json` where the command says so).
// Ports: none (hclboot's command line)

/** Where and how often progress is shown. */
export interface ProgressOptions {
  /** What is being counted ("points", "boots", "runs"). */
  unit: string;
  /** Total count when known (ETA and percent need it). */
  total?: number;
  /** No output at all. */
  quiet?: boolean;
  /** Overrides stream.isTTY (tests). */
  tty?: boolean;
  /** Seconds between status lines when not a TTY (default 10). */
  statusEverySeconds?: number;
  /** Output stream (default process.stderr). */
  stream?: { write(s: string): unknown; isTTY?: boolean };
  /** Clock in ms (default performance.now; tests). */
  now?: () => number;
}

/** "1:05" / "1:02:05" for a number of seconds. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** A progress reporter: call `update` as work is done, `finish` once at the end. */
export class Progress {
  private readonly stream: NonNullable<ProgressOptions["stream"]>;
  private readonly tty: boolean;
  private readonly now: () => number;
  private readonly started: number;
  private lastDraw = -Infinity;
  private drawn = false;

  constructor(private readonly o: ProgressOptions) {
    this.stream = o.stream ?? process.stderr;
    this.tty = o.tty ?? this.stream.isTTY === true;
    this.now = o.now ?? (() => performance.now());
    this.started = this.now();
  }

  /** The status text for `done` units (and an optional detail such as the current point). */
  line(done: number, detail?: string): string {
    const elapsed = (this.now() - this.started) / 1000;
    const rate = elapsed > 0 ? done / elapsed : 0;
    const total = this.o.total;
    const parts = [total !== undefined ? `${done}/${total} ${this.o.unit}` : `${done} ${this.o.unit}`];
    if (total !== undefined && total > 0) parts.push(`${((100 * done) / total).toFixed(1)}%`);
    parts.push(`${formatDuration(elapsed)} elapsed`);
    if (total !== undefined && done > 0 && done < total) parts.push(`ETA ${formatDuration((total - done) / rate)}`);
    if (rate > 0) parts.push(`${rate >= 100 ? Math.round(rate) : rate.toFixed(1)} ${this.o.unit}/s`);
    return parts.join(", ") + (detail ? ` | ${detail}` : "");
  }

  /** Reports `done` units: redraws the TTY line (at most 10 times a second) or prints a status line every statusEverySeconds. */
  update(done: number, detail?: string): void {
    if (this.o.quiet) return;
    const t = this.now();
    if (this.tty) {
      if (t - this.lastDraw < 100) return;
      this.lastDraw = t;
      this.drawn = true;
      this.stream.write(`\r\x1b[K${this.line(done, detail)}`);
    } else {
      if (this.lastDraw === -Infinity) this.lastDraw = t; // the first line after one interval
      if (t - this.lastDraw < (this.o.statusEverySeconds ?? 10) * 1000) return;
      this.lastDraw = t;
      this.stream.write(`${this.line(done, detail)}\n`);
    }
  }

  /** Clears the TTY line (the command prints its result next). */
  finish(): void {
    if (this.o.quiet) return;
    if (this.tty && this.drawn) this.stream.write("\r\x1b[K");
  }
}
