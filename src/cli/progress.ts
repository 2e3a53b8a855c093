// A status line for long commands on a terminal: shown only after the command has taken a while,
// redrawn at most ten times a second, cleared before anything else is printed. Silent in pipes and CI.
import type { Output } from "./context.js";

/** A throttled, clearable status line on stderr. */
export interface ProgressLine {
  /** Shows `text` (dropped when the last redraw was under the interval ago, or before the delay). */
  update(text: string): void;
  /** Removes the line, if shown. */
  clear(): void;
}

/** Options of `progressLine`. */
export interface ProgressOptions {
  /** Nothing is shown before the command has run this long (default 1000 ms). */
  readonly delayMs?: number;
  /** At least this long between redraws (default 100 ms: ten a second). */
  readonly intervalMs?: number;
  /** The clock, for tests. */
  readonly now?: () => number;
}

/** A status line on `stream` when it is a terminal and `enabled`; otherwise one that does nothing. */
export function progressLine(stream: Output, enabled: boolean, options: ProgressOptions = {}): ProgressLine {
  if (!enabled || stream.isTTY !== true) return { update: () => {}, clear: () => {} };
  const now = options.now ?? (() => performance.now());
  const start = now();
  const delay = options.delayMs ?? 1000;
  const interval = options.intervalMs ?? 100;
  let last = -Infinity;
  let shown = false;
  return {
    update(text: string): void {
      const t = now();
      if (t - start < delay || t - last < interval) return;
      last = t;
      shown = true;
      stream.write(`\r\x1b[K${text}`);
    },
    clear(): void {
      if (shown) stream.write("\r\x1b[K");
      shown = false;
    },
  };
}
