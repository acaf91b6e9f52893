// Triage in the browser: a team lead selects rows and reassigns them in
// one go while a technician's queue shows them arrive; a job that lands
// above the rows being read is announced instead of pushing them down;
// "take next" hands over the most urgent job.
import { expect, test } from "@playwright/test";

import { logNetworkJob, open, signIn } from "./support";

test("a lead bulk-reassigns three rows and another queue shows them land", async ({ browser }) => {
  const fran = await signIn(browser, "fran");
  for (const n of [1, 2, 3]) await logNetworkJob(fran, `Bulk mark ${n}`);

  const tom = await signIn(browser, "tom");
  await open(tom, "/?view=all&q=Bulk+mark");
  await expect(tom.getByTestId("connection")).toHaveText("Live");
  await expect(tom.getByTestId("total")).toHaveText("0");

  const lee = await signIn(browser, "lee");
  await open(lee, "/?view=all&q=Bulk+mark");
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  const rows = lee.locator("tbody tr[data-ref]");
  await expect(rows).toHaveCount(3);
  await rows.nth(0).getByRole("checkbox").click();
  await rows.nth(2).getByRole("checkbox").click({ modifiers: ["Shift"] });
  await expect(lee.getByTestId("bulk")).toContainText("3 selected");
  await lee.getByLabel("Bulk group").selectOption("desktop");
  await lee.getByLabel("Reason or note").fill("Hardware, not network");
  await lee.getByRole("button", { name: "Apply" }).click();
  await expect(lee.getByTestId("bulk-result")).toContainText("3 done, 0 refused");

  await expect(tom.locator("tbody tr[data-ref]")).toHaveCount(3);
  await expect(tom.getByTestId("total")).toHaveText("3");
  await expect(tom.locator("tbody tr[data-ref]").first()).toContainText("Desktop");

  await lee.getByLabel("Name for this view").fill("Bulk marks");
  await lee.getByRole("button", { name: "Save view" }).click();
  await expect(lee.locator('[data-saved="Bulk marks"]')).toBeVisible();
  await lee.reload();
  await expect(lee.locator('[data-saved="Bulk marks"]')).toHaveAttribute("href", /q=Bulk\+mark/);
});

test("a new job above the rows being read is announced, not pushed in", async ({ browser }) => {
  const tess = await signIn(browser, "tess");
  await open(tess, "/");
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  const list = tess.locator(".queue-scroll");
  await list.evaluate((el) => (el.scrollTop = 1200));
  // Rows above the scrolled-to part are no longer rendered: a spacer holds
  // their place.
  await expect(tess.locator("tbody tr.spacer").first()).not.toHaveAttribute("style", /height: 0px/);
  const firstShown = await tess.locator("tbody tr[data-ref]").first().getAttribute("data-ref");

  const fran = await signIn(browser, "fran");
  const response = await fran.context().request.post("/api/v1/jobs", {
    data: {
      client_id: "c002",
      title: "Whole site offline",
      category: "Network",
      impact: "high",
      urgency: "high",
      channel: "phone",
      group_id: "network",
    },
  });
  expect(response.status()).toBe(200);

  const notice = tess.getByTestId("new-jobs");
  await expect(notice).toHaveText("1 new job — show");
  await expect(tess.locator("tr", { hasText: "Whole site offline" })).toHaveCount(0);
  expect(await tess.locator("tbody tr[data-ref]").first().getAttribute("data-ref")).toBe(firstShown);

  await notice.click();
  await expect(tess.locator("tr", { hasText: "Whole site offline" })).toBeVisible();
  await expect(notice).toHaveCount(0);
});

test("take next assigns the most urgent unassigned job and opens it", async ({ browser }) => {
  const tess = await signIn(browser, "tess");
  await open(tess, "/?view=unassigned");
  await expect(tess.getByTestId("connection")).toHaveText("Live");
  const before = Number(await tess.getByTestId("count-unassigned").textContent());
  await tess.getByRole("button", { name: "Take next" }).click();
  await expect(tess).toHaveURL(/\/jobs\/J-\d+$/);
  await expect(tess.locator('[data-field="Technician"]')).toHaveText("Tess Network");
  await open(tess, "/?view=unassigned");
  await expect(tess.getByTestId("count-unassigned")).toHaveText(String(before - 1));
});

test("a view shows the columns its address names, and filters change without a reload", async ({ browser }) => {
  const lee = await signIn(browser, "lee");
  await open(lee, "/?view=all&cols=title,age");
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  await expect(lee.locator("thead th")).toHaveText(["", "Job", "Title", "Age"]);
  // A changed filter or column set is a new address, not a new page load.
  await lee.evaluate(() => ((window as unknown as { kept: boolean }).kept = true));
  await lee.getByText("Columns").click();
  await lee.locator("details.columns").getByLabel("Priority").click();
  await expect(lee).toHaveURL(/cols=priority,title,age/);
  await expect(lee.locator("thead th")).toHaveText(["", "Job", "Priority", "Title", "Age"]);
  await lee.locator("select[name=priority]").selectOption("P1");
  await expect(lee).toHaveURL(/priority=p1/);
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  await expect(lee.locator("tbody tr[data-ref] .badge").first()).toHaveText("P1");
  expect(await lee.evaluate(() => (window as unknown as { kept?: boolean }).kept)).toBe(true);
});

test("a client's name narrows the queue to that client's jobs", async ({ browser }) => {
  const lee = await signIn(browser, "lee");
  await open(lee, "/?view=all");
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  const first = lee.locator("tbody tr[data-ref]").first();
  const name = (await first.getByTitle(/^Only .*'s jobs$/).textContent()) ?? "";
  await first.getByTitle(`Only ${name}'s jobs`).click();
  await expect(lee).toHaveURL(/client=c\d+/);
  await expect(lee.getByTestId("client-filter")).toContainText(`Client: ${name}`);
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  const clients = await lee.locator("tbody tr[data-ref]").getByTitle(/^Only .*'s jobs$/).allTextContents();
  expect(clients.length).toBeGreaterThan(0);
  expect(new Set(clients)).toEqual(new Set([name]));
  await lee.getByLabel("Any client").click();
  await expect(lee.getByTestId("client-filter")).toHaveCount(0);
});

test("a lead triages with the keyboard: select rows, jump to the bulk bar, apply", async ({ browser }) => {
  const fran = await signIn(browser, "fran");
  for (const n of [1, 2, 3]) await logNetworkJob(fran, `Keyboard triage ${n}`);
  const lee = await signIn(browser, "lee");
  await open(lee, "/?view=all&q=Keyboard+triage");
  await expect(lee.getByTestId("connection")).toHaveText("Live");
  await expect(lee.locator("tbody tr[data-ref]")).toHaveCount(3);
  await lee.locator(".queue-scroll").focus();
  for (const key of ["x", "j", "x", "j", "x"]) await lee.keyboard.press(key);
  await expect(lee.getByTestId("bulk")).toContainText("3 selected");
  await lee.keyboard.press("b");
  const action = lee.locator("select[name=bulk-action]");
  await expect(action).toBeFocused();
  await action.selectOption("priority");
  await lee.locator("select[name=bulk-priority]").selectOption("P1");
  await lee.getByLabel("Reason or note").fill("Whole floor affected");
  await lee.getByLabel("Reason or note").press("Enter");
  await expect(lee.getByTestId("bulk-result")).toContainText("3 done, 0 refused");
  await expect(lee.locator("tbody tr[data-ref] .badge")).toHaveText(["P1", "P1", "P1"]);
});
