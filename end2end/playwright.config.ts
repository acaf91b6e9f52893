// Browser tests run against the real server binary on the in-memory
// database with demo data, in Debian's Chromium (never a downloaded browser).
import { defineConfig } from "@playwright/test";

const port = Number(process.env.SWITCHBOARD_E2E_PORT ?? 3917);
const chromium = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const server = process.env.SWITCHBOARD_BIN ?? "../target/debug/switchboard";

export default defineConfig({
  testDir: "./tests",
  timeout: 60_000,
  expect: { timeout: 10_000 },
  workers: 1,
  reporter: [["list"]],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: "retain-on-failure",
    launchOptions: {
      executablePath: chromium,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    },
  },
  webServer: {
    command:
      `${server} --listen 127.0.0.1:${port} --database-url mem:// ` +
      `--demo --site-root ../target/site --log-level warn`,
    url: `http://127.0.0.1:${port}/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
  },
});
