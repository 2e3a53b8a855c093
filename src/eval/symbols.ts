// The symbol intern table: each symbol is held once, as UTF-8 bytes in one growing buffer, with its
// hash and flags in typed arrays; codes are dense and never change. A fact file's fields are
// interned from their bytes (no string per field), outputs are written from the bytes, and a
// symbol becomes a JS string only when an expression needs its text.
import { compareSymbols } from "../builtins/functors.js";

/** Code-point order of symbols: the language's, defined with the functors that use it (`min`, `max`). */
export { compareSymbols };

const EMPTY = -1;
/** Contains a character a fact-file field must escape (`\`, tab, newline, carriage return). */
export const ESCAPE = 1;
/** Has a byte >= 0x80 (decoded as UTF-8, not byte by byte). */
export const WIDE = 2;
/** Holds a lone surrogate, stored as WTF-8 (generalised UTF-8) so it stays apart from U+FFFD. */
export const LONE = 4;
/** Decoded strings kept for the most recently read codes (direct-mapped by code). */
const CACHE = 4096;

/** FNV-1a over bytes [from, to): the hash `intern` and the fact reader compute alike. */
export function hashBytes(src: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5;
  for (let i = from; i < to; i++) h = Math.imul(h ^ src[i]!, 0x01000193);
  return h;
}

// `ignoreBOM`: a symbol that starts with U+FEFF keeps it.
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const encoder = new TextEncoder();

/**
 * `SymbolTableParts`' bytes, starts, hashes and flags as they begin, with room after them, given to
 * the table to write: symbols added later go there instead of into copies (see `fromParts`).
 */
export interface SymbolRoom {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly hashes: Int32Array;
  readonly flags: Uint8Array;
}

/** The least room `symbolRoom` gives. */
const SYMBOL_ROOM = 16;

/**
 * Room for an eighth more of `n` (symbols, or their bytes), at least 16: what a kept table gets
 * when restored, and what a kept part leaves after its arrays, as a continuing run adds a few.
 */
export function symbolRoom(n: number): number {
  return Math.max(SYMBOL_ROOM, n >> 3);
}

/** A symbol table's arrays (`SymbolTable.parts`). */
export interface SymbolTableParts {
  readonly bytes: Uint8Array;
  readonly starts: Int32Array;
  readonly hashes: Int32Array;
  readonly flags: Uint8Array;
  readonly slots: Int32Array;
  readonly length: number;
  readonly lone: boolean;
  /**
   * The slots were found whole (`slotsWhole`) when these parts were kept, and the bytes read back are
   * those (a part's CRC or mark says so): then only a sample of symbols is looked up again.
   */
  readonly slotsChecked?: boolean;
}

/**
 * Whether `slots` hold every code below `length` exactly once, each with its own tag: a table
 * missing a code's slot would miss that symbol and give it a second code. One pass over the slots,
 * with one bit per code (a small table that stays in cache while the slots are read in order).
 */
export function slotsWhole(slots: Int32Array, hashes: Int32Array, length: number): boolean {
  const size = slots.length;
  if (size < 128 || (size & (size - 1)) !== 0 || !fits(length + 1, size - 1)) return false;
  const mask = size - 1;
  const tag = 0x7fffffff & ~mask;
  const seen = new Int32Array((length + 31) >>> 5);
  let filled = 0;
  for (let slot = 0; slot < size; slot++) {
    const e = slots[slot]!;
    if (e === EMPTY) continue;
    const c = e & mask;
    const bit = 1 << (c & 31);
    if (c >= length || (seen[c >>> 5]! & bit) !== 0) return false;
    const h = hashes[c]!;
    if (((e ^ h ^ (h >>> 15)) & tag) !== 0) return false;
    seen[c >>> 5] = seen[c >>> 5]! | bit;
    filled++;
  }
  return filled === length;
}

/** Interns symbols to dense codes; see the module comment. */
export class SymbolTable {
  /** UTF-8 bytes of every symbol, in code order; symbol c is bytes[starts[c], starts[c + 1]). */
  bytes: Uint8Array;
  starts: Int32Array;
  hashes: Int32Array;
  flags: Uint8Array;
  length = 0;
  /**
   * Open addressing, one number per slot: the code (less `base`) in the bits below the table's
   * size, the hash's bits above them as a tag, so a probe compares tags without reading the symbol.
   * At most 70% full. Codes from `base` on: those below are in the kept slots.
   */
  private slots: Int32Array;
  private mask: number;
  /** The tag bits of a slot: every bit above `mask` but the sign. */
  private tag: number;
  /** Kept slots of the codes below `base` (`fromParts`), read as they are and never written; or null. */
  private kept: Int32Array | null = null;
  private keptMask = 0;
  private keptTag = 0;
  private base = 0;
  private scratch = new Uint8Array(256);
  private readonly cacheCode = new Int32Array(CACHE).fill(EMPTY);
  private readonly cacheText: string[] = new Array<string>(CACHE).fill("");
  /** Whether some symbol holds a lone surrogate (ranks then compare strings as `compareSymbols` does). */
  lone = false;

  constructor(from?: SymbolTable) {
    if (from) {
      this.bytes = from.bytes.slice(0, from.starts[from.length]! + 1);
      this.starts = from.starts.slice(0, from.length + 1);
      this.hashes = from.hashes.slice(0, Math.max(1, from.length));
      this.flags = from.flags.slice(0, Math.max(1, from.length));
      this.slots = from.slots.slice();
      this.mask = from.mask;
      this.tag = from.tag;
      this.kept = from.kept;
      this.keptMask = from.keptMask;
      this.keptTag = from.keptTag;
      this.base = from.base;
      this.length = from.length;
      this.lone = from.lone;
    } else {
      this.bytes = new Uint8Array(1024);
      this.starts = new Int32Array(65);
      this.hashes = new Int32Array(64);
      this.flags = new Uint8Array(64);
      this.slots = new Int32Array(128).fill(EMPTY);
      this.mask = 127;
      this.tag = 0x7fffffff & ~127;
    }
  }

  /**
   * The table's arrays, trimmed to what is used (views): what `fromParts` rebuilds it from without
   * hashing a symbol. The slots of every code in one table: the kept slots when no symbol was added
   * to them, else made of them and the symbols added since.
   */
  parts(): SymbolTableParts {
    let slots = this.slots;
    if (this.kept !== null && this.length === this.base) slots = this.kept;
    else if (this.kept !== null) {
      const kept = this.kept;
      if (fits(this.length + 1, this.keptMask)) {
        slots = kept.slice();
        this.place(slots, this.keptMask, this.keptTag, this.base, 0);
      } else slots = this.slotsOf(0, this.length + 1).slots;
    }
    return {
      bytes: this.bytes.subarray(0, this.starts[this.length]!),
      starts: this.starts.subarray(0, this.length + 1),
      hashes: this.hashes.subarray(0, this.length),
      flags: this.flags.subarray(0, this.length),
      slots,
      length: this.length,
      lone: this.lone,
    };
  }

  /**
   * A table holding what `parts` gave (the arrays are copied, so they may be views of a file's
   * bytes). Slots kept in another slot layout are rebuilt from the hashes, so such parts still load.
   */
  static fromParts(p: SymbolTableParts, own?: SymbolRoom): SymbolTable {
    const t = new SymbolTable();
    // One capacity for every per-code array: `add` checks only `starts`, so `hashes` and `flags`
    // must hold as many codes as `starts` has room for.
    const fit = own === undefined ? 0 : Math.min(own.starts.length - 1, own.hashes.length, own.flags.length);
    // At least the room `storeLayout` leaves (a part without room has only its padding).
    if (own !== undefined && fit - p.length >= SYMBOL_ROOM && own.bytes.length - p.bytes.length >= SYMBOL_ROOM) {
      t.bytes = own.bytes;
      t.starts = own.starts.subarray(0, fit + 1);
      t.hashes = own.hashes.subarray(0, fit);
      t.flags = own.flags.subarray(0, fit);
    } else {
      // Copied with room for an eighth more: a continuing run adds a few symbols, and growing on
      // the first would copy every array a second time.
      const room = (n: number): number => n + symbolRoom(n);
      const codes = room(p.length);
      t.bytes = new Uint8Array(room(p.bytes.length));
      t.bytes.set(p.bytes);
      t.starts = new Int32Array(codes + 1);
      t.starts.set(p.starts);
      t.hashes = new Int32Array(codes);
      t.hashes.set(p.hashes);
      t.flags = new Uint8Array(codes);
      t.flags.set(p.flags);
    }
    const codes = t.hashes.length;
    t.length = p.length;
    if (!t.adoptSlots(p.slots, p.slotsChecked === true)) t.rehash(codes);
    t.lone = p.lone;
    return t;
  }

  /**
   * Takes kept slots as they are (read in place, never written: symbols added later go to slots of
   * their own) when they are in this layout: a power of two of them, room for the symbols, every
   * sampled symbol found where its hash leads, and every symbol in exactly one slot with its own
   * tag. Rebuilding them costs a probe per symbol, which a continuing run that adds a few symbols
   * need not pay. False when they cannot be taken (nothing changed then).
   */
  private adoptSlots(kept: Int32Array, checked: boolean): boolean {
    const size = kept.length;
    if (size < 128 || (size & (size - 1)) !== 0 || !fits(this.length + 1, size - 1)) return false;
    const mask = size - 1;
    const tag = 0x7fffffff & ~mask;
    const step = Math.max(1, Math.floor(this.length / 256));
    for (let c = 0; c < this.length; c += step) {
      const h = this.hashes[c]!;
      const m = h ^ (h >>> 15);
      const want = (m & tag) | c;
      let slot = m & mask;
      for (;;) {
        const e = kept[slot]!;
        if (e === want) break;
        if (e === EMPTY) return false;
        slot = (slot + 1) & mask;
      }
    }
    // Every symbol exactly once, with its own tag, unless that was found when the slots were kept.
    if (!checked && !slotsWhole(kept, this.hashes, this.length)) return false;
    this.kept = kept;
    this.keptMask = mask;
    this.keptTag = tag;
    this.base = this.length;
    const own = this.slotsOf(this.length, this.length + 16);
    this.slots = own.slots;
    this.mask = own.mask;
    this.tag = own.tag;
    return true;
  }

  /** The number of bytes the symbols take (what `bytes` holds). */
  get byteLength(): number {
    return this.starts[this.length]!;
  }

  /** Makes room for `symbols` more symbols of `bytes` bytes in all (a fact file about to be read). */
  reserve(symbols: number, bytes: number): void {
    const n = this.length + symbols;
    if (n + 1 > this.starts.length) this.growCodes(n);
    const end = this.starts[this.length]! + bytes;
    if (end > this.bytes.length) this.growBytes(end);
    if (!fits(n - this.base, this.mask)) this.rehash(n);
  }

  /** The code of the symbol whose UTF-8 bytes are src[from, to) with hash `h` (from `hashBytes`), interning it if new. */
  internBytes(src: Uint8Array, from: number, to: number, h: number): number {
    // The hash of no bytes is FNV's offset basis, above int32 until it is stored: compare it as stored.
    h |= 0;
    const bytes = this.bytes;
    const starts = this.starts;
    const len = to - from;
    const m = h ^ (h >>> 15);
    if (this.kept !== null) {
      const c = this.findKept(src, from, to, m);
      if (c !== EMPTY) return c;
    }
    const slots = this.slots;
    const mask = this.mask;
    const base = this.base;
    const tag = m & this.tag;
    let slot = m & mask;
    for (;;) {
      const e = slots[slot]!;
      if (e === EMPTY) break;
      if ((e & this.tag) === tag) {
        const c = (e & mask) + base;
        const s = starts[c]!;
        if (starts[c + 1]! - s === len) {
          let i = 0;
          while (i < len && bytes[s + i] === src[from + i]) i++;
          if (i === len) return c;
        }
      }
      slot = (slot + 1) & mask;
    }
    return this.add(src, from, to, h, slot, 0);
  }

  /** Appends a new symbol at hash slot `slot`; `flags` is LONE when the bytes are WTF-8. */
  private add(src: Uint8Array, from: number, to: number, h: number, slot: number, flags: number): number {
    const code = this.length;
    if (code + 2 > this.starts.length) this.growCodes(code + 1);
    const start = this.starts[code]!;
    const end = start + (to - from);
    if (end > this.bytes.length) this.growBytes(end);
    const bytes = this.bytes;
    for (let i = from, j = start; i < to; i++, j++) {
      const b = src[i]!;
      bytes[j] = b;
      if (b >= 0x80) flags |= WIDE;
      else if (b === 92 || b === 9 || b === 10 || b === 13) flags |= ESCAPE;
    }
    this.starts[code + 1] = end;
    this.hashes[code] = h;
    this.flags[code] = flags;
    if (flags & LONE) this.lone = true;
    this.slots[slot] = ((h ^ (h >>> 15)) & this.tag) | (code - this.base);
    this.length = code + 1;
    if (!fits(code + 2 - this.base, this.mask)) this.rehash(code + 2);
    return code;
  }

  /** The code among the kept slots' of the symbol src[from, to) with mixed hash `m`, else -1. */
  private findKept(src: Uint8Array, from: number, to: number, m: number): number {
    const kept = this.kept!;
    const mask = this.keptMask;
    const bytes = this.bytes;
    const starts = this.starts;
    const len = to - from;
    const tag = m & this.keptTag;
    let slot = m & mask;
    for (;;) {
      const e = kept[slot]!;
      if (e === EMPTY) return EMPTY;
      if ((e & this.keptTag) === tag) {
        const c = e & mask;
        const s = starts[c]!;
        if (starts[c + 1]! - s === len) {
          let i = 0;
          while (i < len && bytes[s + i] === src[from + i]) i++;
          if (i === len) return c;
        }
      }
      slot = (slot + 1) & mask;
    }
  }

  /** The code of `s`, interning it if new. */
  intern(s: string): number {
    const to = this.encode(s);
    const lone = to < 0;
    const end = lone ? -to - 1 : to;
    const src = this.scratch;
    const h = hashBytes(src, 0, end);
    const found = this.lookup(src, 0, end, h);
    if (found.code !== EMPTY) return found.code;
    return this.add(src, 0, end, h, found.slot, lone ? LONE : 0);
  }

  /** The code of `s` if it was interned, else -1. */
  find(s: string): number {
    const to = this.encode(s);
    const end = to < 0 ? -to - 1 : to;
    return this.lookup(this.scratch, 0, end, hashBytes(this.scratch, 0, end)).code;
  }

  private lookup(src: Uint8Array, from: number, to: number, h: number): { code: number; slot: number } {
    h |= 0;
    const bytes = this.bytes;
    const starts = this.starts;
    const len = to - from;
    const m = h ^ (h >>> 15);
    if (this.kept !== null) {
      const c = this.findKept(src, from, to, m);
      if (c !== EMPTY) return { code: c, slot: -1 };
    }
    const tag = m & this.tag;
    let slot = m & this.mask;
    for (;;) {
      const e = this.slots[slot]!;
      if (e === EMPTY) return { code: EMPTY, slot };
      const c = (e & this.mask) + this.base;
      if ((e & this.tag) === tag && starts[c + 1]! - starts[c]! === len) {
        const s = starts[c]!;
        let i = 0;
        while (i < len && bytes[s + i] === src[from + i]) i++;
        if (i === len) return { code: c, slot };
      }
      slot = (slot + 1) & this.mask;
    }
  }

  /** Writes `s` as UTF-8 (WTF-8 when it holds a lone surrogate) into `scratch`; the length, or -(length + 1) for WTF-8. */
  private encode(s: string): number {
    const n = s.length;
    if (this.scratch.length < 3 * n) this.scratch = new Uint8Array(Math.max(3 * n, 2 * this.scratch.length));
    const out = this.scratch;
    let i = 0;
    for (; i < n; i++) {
      const ch = s.charCodeAt(i);
      if (ch >= 0x80) break;
      out[i] = ch;
    }
    if (i === n) return n;
    if (!LONE_SURROGATE.test(s)) return i + encoder.encodeInto(s.slice(i), out.subarray(i)).written;
    let j = i;
    for (; i < n; i++) {
      let cp = s.charCodeAt(i);
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n) {
        const lo = s.charCodeAt(i + 1);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          i++;
        }
      }
      if (cp < 0x80) out[j++] = cp;
      else if (cp < 0x800) (out[j++] = 0xc0 | (cp >> 6), out[j++] = 0x80 | (cp & 63));
      else if (cp < 0x10000) (out[j++] = 0xe0 | (cp >> 12), out[j++] = 0x80 | ((cp >> 6) & 63), out[j++] = 0x80 | (cp & 63));
      else (out[j++] = 0xf0 | (cp >> 18), out[j++] = 0x80 | ((cp >> 12) & 63), out[j++] = 0x80 | ((cp >> 6) & 63), out[j++] = 0x80 | (cp & 63));
    }
    return -j - 1;
  }

  /** The text of symbol `code`. */
  text(code: number): string {
    const k = code & (CACHE - 1);
    if (this.cacheCode[k] === code) return this.cacheText[k]!;
    const s = this.decode(code);
    this.cacheCode[k] = code;
    this.cacheText[k] = s;
    return s;
  }

  private decode(code: number): string {
    const from = this.starts[code]!;
    const to = this.starts[code + 1]!;
    const f = this.flags[code]!;
    if (f & LONE) return decodeWtf8(this.bytes, from, to);
    if (f & WIDE) return utf8.decode(this.bytes.subarray(from, to));
    if (to - from <= 64) {
      let s = "";
      for (let i = from; i < to; i++) s += String.fromCharCode(this.bytes[i]!);
      return s;
    }
    // In chunks: one `apply` with very many arguments (a long record's text) overflows the stack.
    let s = "";
    for (let at = from; at < to; at += 8192) s += String.fromCharCode.apply(null, this.bytes.subarray(at, Math.min(to, at + 8192)) as unknown as number[]);
    return s;
  }

  /** Rank of every code in code-point order (UTF-8 byte order is code-point order). */
  ranks(): Int32Array {
    const n = this.length;
    const order = new Int32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    if (this.lone) {
      // WTF-8 bytes of a lone surrogate do not sort as `compareSymbols` orders it: compare the text.
      const text = Array.from({ length: n }, (_, i) => this.text(i));
      const sorted = Array.from(order).sort((a, b) => compareSymbols(text[a]!, text[b]!));
      order.set(sorted);
    } else sortByBytes(order, 0, n, 0, this.bytes, this.starts);
    const rank = new Int32Array(n);
    for (let i = 0; i < n; i++) rank[order[i]!] = i;
    return rank;
  }

  private growCodes(n: number): void {
    let size = this.starts.length;
    while (size < n + 2) size *= 2;
    const starts = new Int32Array(size);
    starts.set(this.starts.subarray(0, this.length + 1));
    this.starts = starts;
    const hashes = new Int32Array(size);
    hashes.set(this.hashes.subarray(0, this.length));
    this.hashes = hashes;
    const flags = new Uint8Array(size);
    flags.set(this.flags.subarray(0, this.length));
    this.flags = flags;
  }

  private growBytes(end: number): void {
    let size = this.bytes.length;
    while (size < end) size *= 2;
    const bytes = new Uint8Array(size);
    bytes.set(this.bytes.subarray(0, this.starts[this.length]!));
    this.bytes = bytes;
  }

  /** Re-makes the slots of the codes from `base` on from the hashes, large enough for `n` symbols in all. */
  private rehash(n: number): void {
    const own = this.slotsOf(this.base, n);
    this.slots = own.slots;
    this.mask = own.mask;
    this.tag = own.tag;
  }

  /** Slots of the codes from `from` on (each less `from`), made from the hashes, large enough for `n - from` of them. */
  private slotsOf(from: number, n: number): { slots: Int32Array; mask: number; tag: number } {
    let size = 128;
    while (!fits(n - from, size - 1)) size *= 2;
    const slots = new Int32Array(size).fill(EMPTY);
    const mask = size - 1;
    const tag = 0x7fffffff & ~mask;
    this.place(slots, mask, tag, from, from);
    return { slots, mask, tag };
  }

  /** Puts the codes from `from` on (each less `less`) into `slots`, which hold none of them, from the hashes. */
  private place(slots: Int32Array, mask: number, tag: number, from: number, less: number): void {
    for (let c = from; c < this.length; c++) {
      const h = this.hashes[c]!;
      const m = h ^ (h >>> 15);
      let slot = m & mask;
      while (slots[slot] !== EMPTY) slot = (slot + 1) & mask;
      slots[slot] = (m & tag) | (c - less);
    }
  }
}

/** Whether `n` symbols fit a table of `mask + 1` slots at most 70% full (codes stay below the slot count). */
function fits(n: number, mask: number): boolean {
  return n * 10 <= (mask + 1) * 7;
}

function decodeWtf8(b: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; ) {
    const x = b[i]!;
    let cp: number;
    if (x < 0x80) (cp = x, i += 1);
    else if (x < 0xe0) (cp = ((x & 31) << 6) | (b[i + 1]! & 63), i += 2);
    else if (x < 0xf0) (cp = ((x & 15) << 12) | ((b[i + 1]! & 63) << 6) | (b[i + 2]! & 63), i += 3);
    else (cp = ((x & 7) << 18) | ((b[i + 1]! & 63) << 12) | ((b[i + 2]! & 63) << 6) | (b[i + 3]! & 63), i += 4);
    s += String.fromCodePoint(cp);
  }
  return s;
}

/** Byte `d` of symbol `c`, or -1 past its end. */
function byteAt(bytes: Uint8Array, starts: Int32Array, c: number, d: number): number {
  const i = starts[c]! + d;
  return i < starts[c + 1]! ? bytes[i]! : -1;
}

/** Sorts order[lo, hi) by the symbols' bytes from depth `d` on (multikey quicksort: each byte compared once per level). */
function sortByBytes(order: Int32Array, lo: number, hi: number, d: number, bytes: Uint8Array, starts: Int32Array): void {
  for (;;) {
    const n = hi - lo;
    if (n < 2) return;
    if (n < 12) {
      for (let i = lo + 1; i < hi; i++) {
        const c = order[i]!;
        let j = i;
        while (j > lo && compareFrom(bytes, starts, order[j - 1]!, c, d) > 0) (order[j] = order[j - 1]!, j--);
        order[j] = c;
      }
      return;
    }
    // Median of three bytes as the pivot.
    const a = byteAt(bytes, starts, order[lo]!, d);
    const b = byteAt(bytes, starts, order[lo + (n >> 1)]!, d);
    const c = byteAt(bytes, starts, order[hi - 1]!, d);
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    // Three-way partition: [lo, lt) below, [lt, gt) equal, [gt, hi) above.
    let lt = lo;
    let gt = hi;
    let i = lo;
    while (i < gt) {
      const x = byteAt(bytes, starts, order[i]!, d);
      if (x < pivot) {
        const t = order[lt]!;
        order[lt++] = order[i]!;
        order[i++] = t;
      } else if (x > pivot) {
        const t = order[--gt]!;
        order[gt] = order[i]!;
        order[i] = t;
      } else i++;
    }
    sortByBytes(order, lo, lt, d, bytes, starts);
    sortByBytes(order, gt, hi, d, bytes, starts);
    if (pivot === -1) return; // the equal part are whole, equal symbols (only one, as symbols are distinct)
    lo = lt;
    hi = gt;
    d++;
  }
}

function compareFrom(bytes: Uint8Array, starts: Int32Array, a: number, b: number, d: number): number {
  const sa = starts[a]! + d;
  const ea = starts[a + 1]!;
  const sb = starts[b]! + d;
  const eb = starts[b + 1]!;
  const n = Math.min(ea - sa, eb - sb);
  for (let i = 0; i < n; i++) {
    const x = bytes[sa + i]!;
    const y = bytes[sb + i]!;
    if (x !== y) return x - y;
  }
  return ea - sa - (eb - sb);
}
