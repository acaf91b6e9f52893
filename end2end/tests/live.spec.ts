// Two people in two browsers: a front-line agent logs a job and a
// technician's queue shows it without a reload; the technician's connection
// is cut and restored, and the queue catches up.
import * as net from "node:net";

import { expect, test, type Page } from "@playwright/test";

import { open, signIn } from "./support";

async function logJob(page: Page, title: string) {
  await open(page, "/jobs/new");
  await page.getByPlaceholder("Type a name or organisation").fill("Cleo");
  await page.getByRole("button", { name: /Cleo/ }).first().click();
  await expect(page.getByTestId("chosen-client")).toContainText("Cleo");
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Category").selectOption("Network");
  await page.getByLabel("Impact").selectOption("high");
  await page.getByLabel("Urgency").selectOption("high");
  await expect(page.getByTestId("priority-preview")).toContainText("P1");
  await page.locator("select[name=group]").selectOption("network");
  await page.getByRole("button", { name: "Log job" }).click();
  await expect(page.getByTestId("logged")).toContainText(title);
}

test("a job logged by the front line appears on a technician's queue without reload", async ({ browser }) => {
  const tess = await signIn(browser, "tess");
  await open(tess, "/");
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  const loadedAt = await tess.evaluate(() => performance.timeOrigin);

  const fran = await signIn(browser, "fran");
  await logJob(fran, "Core switch down in building B");

  const row = tess.locator("tr", { hasText: "Core switch down in building B" });
  await expect(row).toBeVisible();
  await expect(row).toContainText("P1");
  expect(await tess.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
});

/** A TCP relay in front of the server that can drop the network: every
 * open connection is cut and new ones are refused until it is restored. */
async function startRelay(target: URL): Promise<{ url: string; cut: () => void; restore: () => void; close: () => void }> {
  let down = false;
  const sockets = new Set<net.Socket>();
  const relay = net.createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  await new Promise<void>((resolve) => relay.listen(0, "127.0.0.1", resolve));
  const port = (relay.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    cut: () => {
      down = true;
      for (const s of sockets) s.destroy();
    },
    restore: () => {
      down = false;
    },
    close: () => relay.close(),
  };
}

test("a technician whose connection drops sees it, then catches up", async ({ browser, baseURL }) => {
  const relay = await startRelay(new URL(baseURL!));
  const tess = await signIn(browser, "tess", relay.url);
  await open(tess, `${relay.url}/`);
  await expect(tess.getByTestId("connection")).toHaveText("Live");

  relay.cut();
  await expect(tess.getByTestId("connection")).toContainText("Connection lost");

  const fran = await signIn(browser, "fran");
  await logJob(fran, "Logged while Tess was offline");
  await expect(tess.locator("tr", { hasText: "Logged while Tess was offline" })).toHaveCount(0);

  relay.restore();
  await expect(tess.getByTestId("connection")).toContainText(/Back online|Live/, { timeout: 20_000 });
  await expect(tess.locator("tr", { hasText: "Logged while Tess was offline" })).toBeVisible();
  relay.close();
});
