#!/usr/bin/env node
// Writes a deterministic fact set for orders.dl: the same arguments always give the same bytes
// (a seeded PRNG, no clock, no dependencies), laid out as OUTDIR/<replica>/epoch-<n>/<relation>.facts.
//
//   node programs/orders/generate.mjs OUTDIR [--orders N] [--customers N] [--seed N]
//
// The defaults (40000 orders, 8000 customers, seed 1) give over 100k facts across 3 replicas and
// 2 epochs. The sample in programs/orders/replicas/ is `--orders 40 --customers 12`.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

const REGIONS = ["madrid", "dublin", "frankfurt"];
const CARRIERS = ["dhl", "seur", "an-post", "ups"];
const EPOCHS = [1, 2];

/** mulberry32: a small, fast 32-bit PRNG; good enough for test data, and stable across Node versions. */
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

function usage(message) {
  process.stderr.write(`generate.mjs: ${message}\nUsage: node programs/orders/generate.mjs OUTDIR [--orders N] [--customers N] [--seed N]\n`);
  process.exit(1);
}

function positiveInt(name, text, fallback) {
  if (text === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(text)) usage(`--${name} takes a positive whole number, not \`${text}\``);
  return Number(text);
}

let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: { orders: { type: "string" }, customers: { type: "string" }, seed: { type: "string" } },
  });
} catch (err) {
  usage(err.message);
}
const [outDir, ...extra] = parsed.positionals;
if (outDir === undefined) usage("missing OUTDIR");
if (extra.length > 0) usage(`unexpected argument \`${extra[0]}\``);
const orderCount = positiveInt("orders", parsed.values.orders, 40000);
const customerCount = positiveInt("customers", parsed.values.customers, 8000);
const seed = positiveInt("seed", parsed.values.seed, 1);

const rand = prng(seed);
const pick = (xs) => xs[Math.floor(rand() * xs.length)];
const between = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pad = (n, width) => String(n).padStart(width, "0");

/** Lines by replica, epoch and relation, in the order they were made. */
const out = new Map();
function emit(replica, epoch, relation, ...values) {
  const key = `${replica}/epoch-${epoch}/${relation}.facts`;
  let lines = out.get(key);
  if (lines === undefined) out.set(key, (lines = []));
  lines.push(values.join("\t"));
}

// Customers register in their home region; a tenth of them only in epoch 2.
const customers = [];
for (let i = 1; i <= customerCount; i++) {
  const c = { id: `c${pad(i, 5)}`, region: pick(REGIONS), epoch: rand() < 0.1 ? 2 : 1 };
  customers.push(c);
  emit(c.region, c.epoch, "customer", c.id, c.region);
}

// A few fixed orders carry each anomaly, so even the small sample shows every case.
const SHORT_PAYMENT = 3; // paid less than the amount: never `paid`
const SHIPPED_UNPAID = 5; // shipped with no payment at all
const DOUBLE_REFUND = 7; // two regions each refund the full amount

/** Ids numbered per kind and region, e.g. `o-mad-000001`: a region hands out its own ids. */
const seq = new Map();
const nextId = (prefix, region) => {
  const key = `${prefix}-${region.slice(0, 3)}`;
  const n = (seq.get(key) ?? 0) + 1;
  seq.set(key, n);
  return `${key}-${pad(n, 6)}`;
};

for (let i = 1; i <= orderCount; i++) {
  const c = customers[Math.floor(rand() * customers.length)];
  const home = c.region;
  const epoch = c.epoch === 2 || rand() < 0.3 ? 2 : 1;
  const amount = between(5, 400);
  const order = nextId("o", home);
  emit(home, epoch, "order", order, c.id, amount);

  // Payments are taken where the order was placed; some arrive only in the next epoch.
  const paysRoll = rand();
  const pays = i === SHIPPED_UNPAID ? false : i === SHORT_PAYMENT || i === DOUBLE_REFUND ? true : paysRoll < 0.88;
  const short = i === SHORT_PAYMENT || (i > DOUBLE_REFUND && rand() < 0.03);
  const payEpoch = epoch === 1 && rand() < 0.15 ? 2 : epoch;
  if (pays) emit(home, payEpoch, "payment", nextId("p", home), order, short ? amount - between(1, Math.min(4, amount - 1)) : amount);
  const paid = pays && !short;

  // Any region's warehouse may ship; a shipment never precedes the payment's epoch.
  const ships = i === SHIPPED_UNPAID || i === DOUBLE_REFUND || (paid ? rand() < 0.8 : rand() < 0.02);
  if (ships) {
    const from = pick(REGIONS);
    emit(from, paid ? Math.max(payEpoch, rand() < 0.5 ? 2 : 1) : epoch, "shipment", nextId("s", from), order, pick(CARRIERS));
  }

  // Refunds come from any region, mostly in the later epoch.
  if (i === DOUBLE_REFUND) {
    emit(home, 2, "refund", nextId("r", home), order, amount);
    const other = REGIONS.find((r) => r !== home);
    emit(other, 2, "refund", nextId("r", other), order, amount);
  } else if (paid && rand() < 0.04) {
    const from = pick(REGIONS);
    emit(from, rand() < 0.7 ? 2 : payEpoch, "refund", nextId("r", from), order, rand() < 0.5 ? amount : between(1, amount));
  }
}

let total = 0;
for (const region of REGIONS) {
  for (const epoch of EPOCHS) mkdirSync(join(outDir, region, `epoch-${epoch}`), { recursive: true });
}
for (const [key, lines] of [...out].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
  writeFileSync(join(outDir, key), lines.join("\n") + "\n");
  total += lines.length;
}
process.stdout.write(`wrote ${total} facts in ${out.size} files under ${outDir} (seed ${seed}, ${orderCount} orders, ${customerCount} customers)\n`);
