// What the browser tests share: signing a demo person in, in a browser
// context of their own, and logging jobs through the REST API.
import { expect, type Browser, type Page } from "@playwright/test";

const names: Record<string, string> = {
  ada: "Ada",
  lee: "Lee",
  tess: "Tess",
  tom: "Tom",
  sam: "Sam",
  fran: "Fran",
};

/** Opens `path` and waits until the page is hydrated, so that what the test
 * does next reaches the app's handlers rather than the bare HTML. */
export async function open(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await page.locator("body[data-hydrated]").waitFor();
}

/** Signs `username` in through the sign-in page of a new browser context. */
export async function signIn(browser: Browser, username: string, origin?: string): Promise<Page> {
  const context = await browser.newContext(origin ? { baseURL: origin } : {});
  const page = await context.newPage();
  await open(page, "/sign-in");
  await page.getByLabel("User name").fill(username);
  await page.getByLabel("Password").fill(`${username}-demo-pass`);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByTestId("who")).toContainText(names[username]);
  return page;
}

/** Logs a Network job for the demo's first client as `page`'s person, through
 * the REST API with the page's session; returns its reference. */
export async function logNetworkJob(page: Page, title: string): Promise<string> {
  const response = await page.context().request.post("/api/v1/jobs", {
    data: {
      client_id: "c001",
      title,
      description: "Seen by several people.",
      category: "Network",
      impact: "high",
      urgency: "medium",
      channel: "phone",
      group_id: "network",
    },
  });
  expect(response.status()).toBe(200);
  return (await response.json()).reference;
}
