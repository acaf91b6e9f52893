// Linking jobs in the browser: a lead makes three reports children of a
// major incident in one bulk action while a technician has the incident
// open; the children appear there, where each stands stays live, and links
// are made and removed from the job page; a reply on the incident reaches
// every child.
import { expect, test } from "@playwright/test";

import { logNetworkJob, open, signIn } from "./support";

/** A word of one test run only, so that jobs of earlier runs against the
 * same server neither match the queue's search nor look alike. */
function fresh(): string {
  return (Date.now().toString(36) + Math.random().toString(36).slice(2, 6)).replace(/[^a-z0-9]/g, "");
}

test("a lead links three reports to a major incident and its page shows them live", async ({ browser }) => {
  const run = fresh();
  const fran = await signIn(browser, "fran");
  const parent = await logNetworkJob(fran, `Major incident: core switch ${run}`);
  const children: string[] = [];
  for (const n of [1, 2, 3]) children.push(await logNetworkJob(fran, `Outage ${run} report ${n}`));
  const related = await logNetworkJob(fran, `Switch firmware notice ${run}`);

  const tess = await signIn(browser, "tess");
  await open(tess, `/jobs/${parent}`);
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  const links = tess.getByTestId("links").locator("li");
  await expect(links).toHaveCount(0);

  const lee = await signIn(browser, "lee");
  await open(lee, `/?view=all&q=Outage+${run}`);
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  const rows = lee.locator("tbody tr[data-ref]");
  await expect(rows).toHaveCount(3);
  await rows.nth(0).getByRole("checkbox").click();
  await rows.nth(2).getByRole("checkbox").click({ modifiers: ["Shift"] });
  await lee.getByLabel("Bulk action").selectOption("link");
  await lee.getByLabel("Bulk link kind").selectOption("child_of");
  await lee.getByLabel("Link to job").fill(parent);
  await lee.getByRole("button", { name: "Apply" }).click();
  await expect(lee.getByTestId("bulk-result")).toContainText("3 done, 0 refused");
  for (const n of [0, 1, 2]) await expect(rows.nth(n)).toContainText(`child of ${parent}`);

  // The incident's page lists its children without a reload.
  await expect(links).toHaveCount(3);
  for (const child of children) {
    await expect(tess.locator(`[data-testid=links] li[data-ref="${child}"]`)).toContainText("Parent of");
  }
  await expect(links.first()).toContainText(`Outage ${run} report`);
  await expect(tess.getByTestId("job-page")).toContainText("linked the job: parent of");

  // Where a child stands follows it live.
  const child = tess.locator(`[data-testid=links] li[data-ref="${children[0]}"]`);
  await expect(child).toContainText("New");
  const take = await lee.context().request.post(`/api/v1/jobs/${children[0]}/changes`, {
    data: { version: 2, command: { kind: "take" } },
  });
  expect(take.status()).toBe(200);
  await expect(child).toContainText("Assigned");

  // A reply on the incident goes to every child's client.
  await tess.locator("select[name=action-kind]").selectOption("reply");
  await tess.getByLabel("Also send it to the clients of the 3 open child jobs").check();
  await tess.locator("textarea[name=action-text]").fill("The core switch is being replaced.");
  await tess.getByRole("button", { name: "Add to the job" }).click();
  await expect(tess.getByTestId("job-page")).toContainText("The core switch is being replaced.");
  const childPage = await signIn(browser, "tess");
  await open(childPage, `/jobs/${children[1]}`);
  await expect(childPage.getByTestId("job-page")).toContainText(`replied to the client, from the parent ${parent}`);
  await expect(childPage.getByTestId("job-page")).toContainText("The core switch is being replaced.");

  // Linking from the page, and a refusal that says what to do.
  await tess.locator("select[name=link-kind]").selectOption("duplicate_of");
  await tess.locator("input[name=link-other]").fill(children[1]);
  await tess.getByRole("button", { name: "Link", exact: true }).click();
  await expect(tess.getByTestId("problem")).toContainText("already parent of");
  await tess.locator("select[name=link-kind]").selectOption("related");
  await tess.locator("input[name=link-other]").fill(related);
  await tess.getByRole("button", { name: "Link", exact: true }).click();
  await expect(links).toHaveCount(4);
  await expect(tess.locator(`[data-testid=links] li[data-ref="${related}"]`)).toContainText("Switch firmware notice");

  await tess.getByRole("button", { name: `Remove the link to ${children[2]}` }).click();
  await expect(links).toHaveCount(3);
  await open(lee, `/jobs/${children[2]}`);
  await expect(lee.getByTestId("links").locator("li")).toHaveCount(0);
});

test("a report like the open job appears on its page as it is logged, and is linked from there", async ({ browser }) => {
  const run = fresh();
  const fran = await signIn(browser, "fran");
  const first = await logNetworkJob(fran, `Turnstile${run} at the loading${run} dock${run}`);
  const tess = await signIn(browser, "tess");
  await open(tess, `/jobs/${first}`);
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  await expect(tess.getByTestId("similar")).toHaveCount(0);

  const second = await logNetworkJob(fran, `Loading${run} dock${run} turnstile${run} will not turn`);
  const suggestion = tess.locator(`[data-testid=similar] li[data-ref="${second}"]`);
  await expect(suggestion).toContainText(`dock${run}, loading${run}, turnstile${run}`);
  await tess.getByRole("button", { name: `Choose ${second} in the link form` }).click();
  await expect(tess.locator("input[name=link-other]")).toHaveValue(second);
  await tess.locator("select[name=link-kind]").selectOption("duplicated_by");
  await tess.getByRole("button", { name: "Link", exact: true }).click();
  await expect(tess.locator(`[data-testid=links] li[data-ref="${second}"]`)).toContainText("Original of");
  await expect(suggestion).toHaveCount(0);
});
