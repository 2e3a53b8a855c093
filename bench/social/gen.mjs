#!/usr/bin/env node
// Deterministic social-feed facts for bench/social/social.dl: every value is a symbol (user
// handles, post ids, topics), degrees are skewed as in real feeds (a few users and posts draw most
// follows and likes), and the same arguments always give the same bytes (a seeded PRNG, no clock).
//
//   node bench/social/gen.mjs --out DIR [--facts N] [--seed N] [--replicas R] [--epochs E]
//
//   --facts N     about N facts in all (default 1000000): 35% follows, 20% post, 40% likes, 5% blocks
//   --seed N      PRNG seed (default 1)
//   --out DIR     where to write (required)
//   --replicas R  write the replica layout DIR/replica-<r>/epoch-<e>/<relation>.facts (every fact
//                 in exactly one replica and epoch, chosen by the PRNG); without it, a flat fact
//                 directory DIR/<relation>.facts for `calmlog run -F DIR` or `souffle -F DIR`
//   --epochs E    epochs per replica in the replica layout (default 1)
//
// Files are tab-separated, one fact per line, in generation order. DIR/meta.json records the
// arguments and the count per relation.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const USAGE = "Usage: node bench/social/gen.mjs --out DIR [--facts N] [--seed N] [--replicas R] [--epochs E]";

function usage(message) {
  process.stderr.write(`gen.mjs: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    options: {
      out: { type: "string" },
      facts: { type: "string" },
      seed: { type: "string" },
      replicas: { type: "string" },
      epochs: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  }).values;
} catch (err) {
  usage(err.message);
}
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}

function whole(name, text, fallback, min) {
  if (text === undefined) return fallback;
  if (!/^[0-9]+$/.test(text) || Number(text) < min) usage(`--${name} takes a whole number >= ${min}, not \`${text}\``);
  return Number(text);
}

if (args.out === undefined) usage("--out DIR is required");
const FACTS = whole("facts", args.facts, 1_000_000, 20);
const SEED = whole("seed", args.seed, 1, 0);
const REPLICAS = args.replicas === undefined ? 0 : whole("replicas", args.replicas, 1, 1);
const EPOCHS = whole("epochs", args.epochs, 1, 1);
if (args.epochs !== undefined && REPLICAS === 0) usage("--epochs applies to the replica layout: give --replicas too");

/** splitmix32: stable across Node versions and machines. */
function prng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return ((z ^ (z >>> 16)) >>> 0) / 4294967296;
  };
}
const rnd = prng(SEED);
const below = (n) => Math.floor(rnd() * n);
/** Skewed toward low indexes (about a power law): index 0 is the most popular. */
const skewed = (n) => Math.floor(n * rnd() ** 2.5);

const nFollows = Math.round(FACTS * 0.35);
const nPosts = Math.round(FACTS * 0.2);
const nBlocks = Math.round(FACTS * 0.05);
const nLikes = FACTS - nFollows - nPosts - nBlocks;
const nUsers = Math.max(4, Math.round(FACTS / 10));
const nTopics = Math.max(2, Math.min(2000, Math.round(FACTS / 500)));

// Handles of varied length and shape, like user names: syllables, a separator, a number.
const SYLLABLES = ["ka", "lo", "mi", "ren", "sa", "to", "vel", "yu", "an", "bri", "co", "da", "el", "fi", "gus", "ha", "io", "jo", "ke", "lu", "mar", "no", "or", "pi", "qu", "ro", "sun", "ti", "ul", "vi", "wen", "xo", "zed"];
const SEPARATORS = ["", "_", ".", "-"];
function handle(i) {
  const h = Math.imul(i + 1, 0x9e3779b1) >>> 0;
  const parts = 1 + (h % 3);
  let s = "";
  for (let k = 0; k < parts; k++) s += SYLLABLES[(h >>> (4 + 5 * k)) % SYLLABLES.length];
  return `${s}${SEPARATORS[(h >>> 20) & 3]}${i}`;
}
const users = Array.from({ length: nUsers }, (_, i) => handle(i));
const topics = Array.from({ length: nTopics }, (_, i) => `#${SYLLABLES[i % SYLLABLES.length]}${SYLLABLES[(i * 7) % SYLLABLES.length]}-${i}`);
// Post ids as opaque, fixed-width keys.
const postId = (i) => `post:${(Math.imul(i + 1, 0x85ebca6b) >>> 0).toString(36).padStart(7, "0")}${i.toString(36)}`;

/** Distinct pairs of indexes, by `pick` until `n` are found; a pair code is a * nb + b. */
function pairs(n, na, nb, pick, noSelf) {
  const seen = new Set();
  const out = [];
  let tries = 0;
  while (out.length < 2 * n && tries < 50 * n) {
    tries++;
    const [a, b] = pick();
    if (noSelf && a === b) continue;
    const k = a * nb + b;
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(a, b);
  }
  return { list: out, seen };
}

// Follows: mostly a skewed choice of whom to follow (a few users have many followers); some pairs,
// of uniformly chosen users, follow each other.
const follows = [];
{
  const seen = new Set();
  const add = (a, b) => {
    if (a === b || seen.has(a * nUsers + b)) return false;
    seen.add(a * nUsers + b);
    follows.push(a, b);
    return true;
  };
  while (follows.length < 2 * nFollows) {
    const a = below(nUsers);
    if (rnd() < 0.15) {
      const b = below(nUsers);
      if (add(a, b) && follows.length < 2 * nFollows) add(b, a);
    } else add(a, skewed(nUsers));
  }
}
const posts = [];
for (let i = 0; i < nPosts; i++) posts.push(below(nUsers), skewed(nTopics));
const likes = pairs(nLikes, nUsers, nPosts, () => [below(nUsers), skewed(nPosts)], false).list;
const blocks = pairs(nBlocks, nUsers, nUsers, () => [below(nUsers), skewed(nUsers)], true).list;

const relations = {
  follows: { n: follows.length / 2, line: (i) => `${users[follows[2 * i]]}\t${users[follows[2 * i + 1]]}` },
  post: { n: nPosts, line: (i) => `${postId(i)}\t${users[posts[2 * i]]}\t${topics[posts[2 * i + 1]]}` },
  likes: { n: likes.length / 2, line: (i) => `${users[likes[2 * i]]}\t${postId(likes[2 * i + 1])}` },
  blocks: { n: blocks.length / 2, line: (i) => `${users[blocks[2 * i]]}\t${users[blocks[2 * i + 1]]}` },
};

mkdirSync(args.out, { recursive: true });
const counts = {};
if (REPLICAS === 0) {
  for (const [name, r] of Object.entries(relations)) {
    const lines = new Array(r.n);
    for (let i = 0; i < r.n; i++) lines[i] = r.line(i);
    writeFileSync(join(args.out, `${name}.facts`), r.n === 0 ? "" : lines.join("\n") + "\n");
    counts[name] = r.n;
  }
} else {
  // Each fact goes to one replica and epoch; every directory gets a file for every relation.
  const place = prng(SEED ^ 0x5bd1e995);
  for (const [name, r] of Object.entries(relations)) {
    const buckets = Array.from({ length: REPLICAS * EPOCHS }, () => []);
    for (let i = 0; i < r.n; i++) buckets[Math.floor(place() * buckets.length)].push(r.line(i));
    buckets.forEach((lines, k) => {
      const dir = join(args.out, `replica-${Math.floor(k / EPOCHS) + 1}`, `epoch-${(k % EPOCHS) + 1}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name}.facts`), lines.length === 0 ? "" : lines.join("\n") + "\n");
    });
    counts[name] = r.n;
  }
}
const meta = { generator: "bench/social/gen.mjs", facts: FACTS, seed: SEED, replicas: REPLICAS, epochs: REPLICAS === 0 ? 0 : EPOCHS, users: nUsers, topics: nTopics, counts };
writeFileSync(join(args.out, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
