// Test-only preload (`node --import ./fault-preload.mjs`) that makes writes fail as a full disk or a
// read-only folder would, for a CLI process run as root (where `chmod` does not block writes).
// CALMLOG_TEST_FAULT=CODE:TEXT fails writes to every path containing TEXT with errno CODE
// (ENOSPC, EROFS, EACCES). ENOSPC lets a file be created and writes half of the first buffer
// before failing, as a disk that fills up mid-write does; the others refuse at open.
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";

const spec = process.env.CALMLOG_TEST_FAULT ?? "";
const colon = spec.indexOf(":");
const code = spec.slice(0, colon);
const needle = spec.slice(colon + 1);
const ERRNO = { ENOSPC: -28, EROFS: -30, EACCES: -13 };

if (colon > 0 && needle !== "") {
  const hit = (path) => typeof path === "string" && path.includes(needle);
  const fail = (syscall, path) => {
    const err = new Error(`${code}: injected fault, ${syscall} '${path}'`);
    Object.assign(err, { code, errno: ERRNO[code] ?? -5, syscall, path });
    return err;
  };
  const writable = (flags) => typeof flags === "string" ? /[wa+]/.test(flags) : typeof flags === "number" && (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0;
  const faulty = new Map(); // fd -> path, for fds opened for writing on a faulty path
  const { openSync, writeSync, closeSync, mkdirSync, linkSync, renameSync, writeFileSync, ftruncateSync } = fs;

  fs.openSync = function (path, flags, mode) {
    if (hit(path) && writable(flags ?? "r")) {
      if (code !== "ENOSPC") throw fail("open", path);
      const fd = openSync.call(fs, path, flags, mode);
      faulty.set(fd, path);
      return fd;
    }
    return openSync.call(fs, path, flags, mode);
  };
  fs.writeSync = function (fd, buffer, ...rest) {
    const path = faulty.get(fd);
    if (path !== undefined) {
      const bytes = typeof buffer === "string" ? Buffer.from(buffer) : Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
      const position = typeof rest[2] === "number" ? rest[2] : typeof rest[0] === "number" && typeof buffer === "string" ? rest[0] : null;
      if (bytes.length > 1) writeSync.call(fs, fd, bytes, 0, Math.floor(bytes.length / 2), position);
      throw fail("write", path);
    }
    return writeSync.call(fs, fd, buffer, ...rest);
  };
  fs.closeSync = function (fd) {
    faulty.delete(fd);
    return closeSync.call(fs, fd);
  };
  fs.writeFileSync = function (path, data, options) {
    if (hit(path)) {
      if (code === "ENOSPC") writeFileSync.call(fs, path, "", options);
      throw fail("write", path);
    }
    return writeFileSync.call(fs, path, data, options);
  };
  fs.mkdirSync = function (path, options) {
    if (hit(path) && code !== "ENOSPC" && !fs.existsSync(path)) throw fail("mkdir", path);
    return mkdirSync.call(fs, path, options);
  };
  fs.linkSync = function (from, to) {
    if (hit(to) && code !== "ENOSPC") throw fail("link", to);
    return linkSync.call(fs, from, to);
  };
  fs.renameSync = function (from, to) {
    if (hit(to) && code !== "ENOSPC") throw fail("rename", to);
    return renameSync.call(fs, from, to);
  };
  fs.ftruncateSync = function (fd, len) {
    return ftruncateSync.call(fs, fd, len);
  };
  syncBuiltinESMExports();
}
