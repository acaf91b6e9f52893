// Two technicians on one job: each sees the other arrive, type and act
// without a reload; a change made from a stale view is refused with what
// changed, and the text being typed stays.
import { expect, test } from "@playwright/test";

import { logNetworkJob, open, signIn } from "./support";

test("two technicians on one job see each other's presence and actions live", async ({ browser }) => {
  const fran = await signIn(browser, "fran");
  const reference = await logNetworkJob(fran, "Both floors lost the network");

  const tess = await signIn(browser, "tess");
  await open(tess, `/jobs/${reference}`);
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  const lee = await signIn(browser, "lee");
  await open(lee, `/jobs/${reference}`);
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  const loadedAt = await tess.evaluate(() => performance.timeOrigin);

  await expect(tess.locator('.avatar[data-name="Lee Lead"]')).toBeVisible();
  await expect(lee.locator('.avatar[data-name="Tess Network"]')).toBeVisible();

  await lee.getByLabel("Text", { exact: true }).pressSequentially("Checking the core switch");
  await expect(tess.getByTestId("typing")).toContainText("Lee Lead typing");

  await lee.getByRole("button", { name: "Add to the job" }).click();
  await expect(tess.getByTestId("history")).toContainText("Checking the core switch");
  await expect(tess.getByTestId("typing")).toHaveCount(0);

  await tess.getByRole("button", { name: "Assign to me" }).click();
  await expect(lee.locator('[data-field="Technician"]')).toHaveText("Tess Network");
  await expect(lee.locator('[data-field="Status"]')).toHaveText("Assigned");
  await tess.getByRole("button", { name: "Start work" }).click();
  await expect(lee.locator('[data-field="Status"]')).toHaveText("In progress");

  await lee.close();
  await expect(tess.locator('.avatar[data-name="Lee Lead"]')).toHaveCount(0);
  expect(await tess.evaluate(() => performance.timeOrigin)).toBe(loadedAt);
});

test("a change from a stale view is refused with what changed, and the draft stays", async ({ browser }) => {
  const fran = await signIn(browser, "fran");
  const reference = await logNetworkJob(fran, "Printer queue stuck");

  const tess = await signIn(browser, "tess");
  // Tess's live feed can be frozen, so that her screen goes stale while
  // her requests still reach the desk.
  let frozen = false;
  await tess.routeWebSocket(/\/live/, (ws) => {
    const server = ws.connectToServer();
    ws.onMessage((message) => server.send(message));
    server.onMessage((message) => {
      if (!frozen) ws.send(message);
    });
  });
  await open(tess, `/jobs/${reference}`);
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  frozen = true;

  const lee = await signIn(browser, "lee");
  await open(lee, `/jobs/${reference}`);
  await lee.getByLabel("Text", { exact: true }).fill("Lee was here first");
  await lee.getByRole("button", { name: "Add to the job" }).click();
  await expect(lee.getByTestId("history")).toContainText("Lee was here first");
  await expect(tess.getByTestId("history")).not.toContainText("Lee was here first");

  await tess.getByLabel("Text", { exact: true }).fill("My careful diagnosis");
  await tess.getByRole("button", { name: "Add to the job" }).click();
  const conflict = tess.getByTestId("conflict");
  await expect(conflict).toContainText("changed since you saw it");
  await expect(conflict).toContainText("Lee Lead added an internal note");
  await expect(tess.getByLabel("Text", { exact: true })).toHaveValue("My careful diagnosis");
  await expect(tess.getByTestId("history")).toContainText("Lee was here first");

  await tess.getByRole("button", { name: "Add to the job" }).click();
  await expect(tess.getByLabel("Text", { exact: true })).toHaveValue("");
  await expect(lee.getByTestId("history")).toContainText("My careful diagnosis");
});
