#!/usr/bin/env node
// Writes a deterministic social-feed fact set for bench/programs/feed.dl (a seeded PRNG, no clock):
// symbol-heavy follows, posts, likes and blocks over 5 replicas and 2 epochs, as
// OUTDIR/<replica>/epoch-<n>/<relation>.facts. The default size is about 1.03 million facts.
//
//   node bench/replica-feed.mjs OUTDIR [--facts N] [--seed N]
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const REPLICAS = ["ams", "bom", "gru", "iad", "syd"];
const { values, positionals } = parseArgs({ allowPositionals: true, options: { facts: { type: "string", default: "1030000" }, seed: { type: "string", default: "7" } } });
const out = positionals[0];
if (out === undefined) {
  process.stderr.write("Usage: node bench/replica-feed.mjs OUTDIR [--facts N] [--seed N]\n");
  process.exit(2);
}
const total = Number(values.facts);

/** mulberry32, as programs/orders/generate.mjs. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = prng(Number(values.seed));
const pick = (n) => Math.floor(rand() * n);
// Shares of the facts: follows 15%, posts 12%, likes 70%, blocks 3%.
const users = Math.max(10, Math.round(total / 20));
const nFollows = Math.round(total * 0.15);
const nPosts = Math.round(total * 0.12);
const nLikes = Math.round(total * 0.7);
const nBlocks = total - nFollows - nPosts - nLikes;
const user = (i) => `user-${String(i).padStart(6, "0")}`;
// Popular users are followed more: a skewed pick.
const skewed = () => Math.floor(users * rand() * rand());

const files = new Map();
function put(relation, line) {
  const replica = REPLICAS[pick(REPLICAS.length)];
  const epoch = rand() < 0.5 ? 1 : 2;
  const key = join(out, replica, `epoch-${epoch}`, `${relation}.facts`);
  let lines = files.get(key);
  if (lines === undefined) files.set(key, (lines = []));
  lines.push(line);
}
for (let i = 0; i < nFollows; i++) put("follows", `${user(pick(users))}\t${user(skewed())}`);
const posts = [];
for (let i = 0; i < nPosts; i++) {
  const p = `post-${String(i).padStart(7, "0")}`;
  posts.push(p);
  put("posts", `${p}\t${user(skewed())}`);
}
for (let i = 0; i < nLikes; i++) put("likes", `${user(pick(users))}\t${posts[Math.floor(posts.length * rand() * rand())]}`);
for (let i = 0; i < nBlocks; i++) put("blocks", `${user(pick(users))}\t${user(pick(users))}`);
for (const [path, lines] of files) {
  mkdirSync(join(path, ".."), { recursive: true });
  writeFileSync(path, lines.join("\n") + "\n");
}
process.stdout.write(`${total} facts, ${users} users, ${REPLICAS.length} replicas, 2 epochs in ${out}\n`);
