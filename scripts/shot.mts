// Screenshots for the README: `npx tsx scripts/shot.mts PAGE OUT.png [WIDTH HEIGHT [viewport]]`.
import { launch } from "../test/browser/chromium.js";

const [file, out, w, h] = process.argv.slice(2);
if (file === undefined || out === undefined) throw new Error("usage: shot.mts PAGE OUT.png [WIDTH HEIGHT]");
const context = await launch({ width: Number(w ?? 1200), height: Number(h ?? 800) });
const page = await context.newPage();
await page.goto(file.includes("://") ? file : `file://${file}`);
await page.screenshot({ path: out, fullPage: process.argv[6] !== "viewport" });
await context.close();
