// README screenshots of the playground: the release example run, then with epoch 1 sealed.
// `npx tsx scripts/shot-playground.mts OUTDIR` (after `npm run playground`).
import { join } from "node:path";
import { launch } from "../test/browser/chromium.js";

const out = process.argv[2] ?? ".";
const context = await launch({ width: 1400, height: 1000 });
const page = await context.newPage();
page.on("pageerror", (e) => console.error("page error:", e.message));
await page.goto(`file://${join(process.cwd(), "playground/dist/index.html")}`);
await page.waitForSelector("body[data-ready=true]");
await page.screenshot({ path: join(out, "playground-open.png") });
await page.click("#seal");
await page.waitForSelector(".sealed-relation");
await page.screenshot({ path: join(out, "playground-sealed.png") });
await context.close();
