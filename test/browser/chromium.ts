// Debian's headless Chromium driven by playwright-core: a fresh profile per launch, no network
// services, no sandbox (CI runs as root). Tests skip with a reason when the binary is missing.
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext } from "playwright-core";

export const CHROMIUM = process.env["CALMLOG_CHROMIUM"] ?? "/usr/bin/chromium";

/** True when the browser binary is installed (`.ci/run` installs it). */
export function hasChromium(): boolean {
  return existsSync(CHROMIUM);
}

/** Starts headless Chromium with a fresh user-data dir (a persistent context is how Playwright takes one). */
export async function launch(viewport = { width: 1280, height: 800 }): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), "calmlog-chromium-"));
  return chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}
