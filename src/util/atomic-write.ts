// The one way calmlog replaces a file: write a temporary sibling, fsync it, rename it over the
// target, fsync the folder. A reader sees the old file or the new one, never half of either, and
// after a crash the rename is either on disk or not. Node only: the core never imports this module.
import { close, closeSync, fsync, fsyncSync, linkSync, open, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * A fresh temporary path beside `path` (same folder, so the rename stays on one file system):
 * `NAME.tmp-PID-HEX`, the one pattern by which a later run recognises (and removes, when its
 * process is gone) what a killed run left behind, in the kept state and in `seals/`.
 */
export function tempSibling(path: string): string {
  // The PID keeps processes apart; the random part keeps this process's own temporaries apart, so it
  // need not be cryptographic (loading node:crypto for it cost every `calmlog run` its start-up time).
  const hex = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, "0");
  return `${path}.tmp-${process.pid}-${hex}`;
}

/** Makes a rename or a new entry in `folder` durable; a no-op where folders cannot be opened (Windows). */
export function fsyncFolder(folder: string): void {
  let fd: number;
  try {
    fd = openSync(folder, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch (err) {
    // Some file systems refuse fsync on a folder; the rename itself still happened.
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EISDIR" && code !== "EPERM" && code !== "EBADF") throw err;
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes a file written and closed earlier durable (fsync on the I/O threads): several files' syncs
 * then proceed side by side. Linux syncs a file's data through any descriptor of it.
 */
export function fsyncPath(path: string): Promise<void> {
  return new Promise((resolve, reject) =>
    open(path, "r+", (err, fd) => {
      if (err !== null) return reject(err);
      fsync(fd, (syncErr) => close(fd, (closeErr) => (syncErr ?? closeErr ? reject(syncErr ?? closeErr) : resolve())));
    }),
  );
}

/** Writes all of `data` to `fd`, however many calls that takes. */
export function writeAll(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** Renames a written and fsynced temporary file over `path`, then fsyncs the folder; removes the temporary file on failure. */
export function commitTemp(temp: string, path: string): void {
  renameTemp(temp, path);
  fsyncFolder(dirname(path));
}

/**
 * Renames a written temporary file over `path`, removing it on failure; the rename is not yet
 * durable (`commitTemp` makes it so; a caller renaming several files fsyncs their folder once).
 */
export function renameTemp(temp: string, path: string): void {
  try {
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}

/** Renames a filled temporary folder over `path` (removed first), then fsyncs the parent; removes the temporary folder on failure. */
export function commitTempFolder(temp: string, path: string): void {
  try {
    rmSync(path, { recursive: true, force: true });
    renameSync(temp, path);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw err;
  }
  fsyncFolder(dirname(path));
}

/** Writes `data` to a new file at `path` and fsyncs it; `path` must not exist. Files inside a temporary folder use this. */
export function writeNewFile(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, "wx");
  try {
    writeAll(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes `data` to `path` only if no file is there, atomically and durably: a temporary file is
 * made durable, then hard-linked to `path` (a link fails when `path` exists, so of two writers
 * exactly one wins), then the folder is fsynced. Returns false when `path` already existed.
 */
export function createFileOnce(path: string, data: string | Uint8Array): boolean {
  const temp = tempSibling(path);
  try {
    writeNewFile(temp, data);
  } catch (err) {
    // A full disk fails mid-write: the partial file would keep the space taken.
    rmSync(temp, { force: true });
    throw err;
  }
  try {
    linkSync(temp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw err;
  } finally {
    rmSync(temp, { force: true });
  }
  fsyncFolder(dirname(path));
  return true;
}

/**
 * Replaces `path` with `data` atomically and durably (temp file, fsync, rename, fsync the folder).
 * `exclusive` refuses to replace an existing file (a seal is written once): it goes through
 * `createFileOnce`, whose link fails when `path` exists, so two writers racing for the same path
 * cannot both succeed (a check before a rename would leave that window open). Throws the fs error.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array, options: { readonly exclusive?: boolean } = {}): void {
  if (options.exclusive === true) {
    if (!createFileOnce(path, data)) throw new Error(`refusing to replace \`${path}\``);
    return;
  }
  const temp = tempSibling(path);
  try {
    writeNewFile(temp, data);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
  commitTemp(temp, path);
}
