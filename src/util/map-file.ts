// Files mapped into memory, copy-on-write, through the small addon in native/ (built at install
// when a C++ compiler is there; see scripts/build-native.mjs). A continuing run maps the kept state
// it continues from: read into fresh memory, every page of it costs a page fault, where a mapping
// faults in only the pages the run touches, from the page cache, sixteen at a time. Without the
// addon, or with CALMLOG_NO_MMAP=1 in the environment, callers read the file instead.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";

interface MapAddon {
  map(fd: number, length: number): SharedArrayBuffer;
}

const ADDON = "../../native/build/Release/calmlog_map.node";
let addon: MapAddon | null | undefined;

function loadAddon(): MapAddon | null {
  if (addon !== undefined) return addon;
  try {
    addon = createRequire(import.meta.url)(fileURLToPath(new URL(ADDON, import.meta.url))) as MapAddon;
  } catch {
    // Not built here (no compiler at install, another platform): files are read instead.
    addon = null;
  }
  return addon;
}

/** Whether files can be mapped in this process (the addon loaded, and mapping not turned off). */
export function canMapFiles(): boolean {
  return process.env["CALMLOG_NO_MMAP"] !== "1" && loadAddon() !== null;
}

/**
 * The first `length` bytes of the open file `fd`, mapped privately: writes to the buffer change
 * the process's copy of a page, never the file. Null when mapping is unavailable or fails (the
 * caller reads the file instead). The file must not shrink while mapped (calmlog's part files are
 * never written once in place); the mapping lasts until the buffer is collected, and closing `fd`
 * does not end it.
 */
export function mapFile(fd: number, length: number): Buffer | null {
  if (length <= 0 || !canMapFiles()) return null;
  try {
    return Buffer.from(addon!.map(fd, length));
  } catch {
    return null;
  }
}
