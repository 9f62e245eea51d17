import { expect, test } from "./fixtures";
import { addFromProductPage, pickProduct } from "./checkout-helpers";

// The harness starts the API with its defaults: the offline weather and social fixtures.

test("the home page shows the community feed, sanitised, without images", async ({ page }) => {
  await page.goto("/");
  const feed = page.getByRole("region", { name: "From our community" });
  await expect(feed).toBeVisible();
  await expect(feed.getByText("Public posts tagged #mercatoshop on Mastodon")).toBeVisible();
  const posts = feed.getByRole("article");
  await expect(posts.first()).toBeVisible();
  expect(await posts.count()).toBeGreaterThanOrEqual(3);
  await expect(feed.getByRole("article", { name: "Lena Hoffmann" })).toContainText("The linen apron arrived in two days");
  await expect(feed.getByRole("link", { name: "View post by Lena Hoffmann on Mastodon" })).toHaveAttribute("href", /^https:\/\/mastodon\.social\/@lena\//);

  // the fixture with a tracking pixel, a script and a javascript: link comes out clean
  const jules = feed.getByRole("article", { name: "Jules" });
  await expect(jules).toContainText("Love my new scarf!");
  expect(await feed.locator("img, script, iframe, [onclick], [style]").count()).toBe(0);
  // the javascript: link lost its href: its text is plain text, not an anchor leading nowhere
  await expect(jules).toContainText("see photo");
  expect(await feed.locator("a:not([href])").count()).toBe(0);
  for (const link of await feed.locator("a[href]").all()) {
    expect(await link.getAttribute("href")).toMatch(/^https:\/\//);
    expect(await link.getAttribute("rel")).toContain("nofollow");
  }
  // content-warned, unlisted and boosted posts are never shown
  await expect(feed.getByText("Spoiler: the gift")).toHaveCount(0);
  await expect(feed.getByText("Follower-only note")).toHaveCount(0);

  await page.setViewportSize({ width: 390, height: 844 });
  await feed.scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/screenshots/social-feed-390.png", fullPage: true });
});

async function enterAddress(page: import("@playwright/test").Page, postal: string, city: string) {
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("Hafenstraße 1");
  await page.getByLabel("Postal code").fill(postal);
  await page.getByLabel("City").fill(city);
  await page.getByLabel("Country").selectOption("DE");
  await page.getByRole("button", { name: "Continue to shipping" }).click();
}

test("checkout warns that weather may delay delivery once a stormy address is entered", async ({ page, request, shop }) => {
  const api = await request.get(`${shop.apiUrl}/api/v1/integrations/weather?country=DE&postal_code=20095`);
  expect(((await api.json()) as { delivery_may_be_delayed: boolean }).delivery_may_be_delayed).toBe(true);

  const product = await pickProduct(request, shop, 12, 1);
  await addFromProductPage(page, product);
  await page.goto("/checkout");
  await page.getByLabel("Email").fill(`weather-${Date.now()}@example.com`);
  await enterAddress(page, "20095", "Hamburg");

  const notice = page.getByRole("status", { name: "Delivery weather" });
  await expect(notice).toContainText("Weather may delay delivery");
  await expect(notice).toContainText("Hamburg");
  await expect(notice).toContainText("your delivery may be delayed");
  // the notice informs, it does not block: shipping can be chosen and payment goes on
  const firstOption = page.getByRole("group", { name: "Shipping method" }).getByRole("radio").first();
  await firstOption.check();
  await expect(page.getByRole("button", { name: /^Pay / })).toBeEnabled();

  // rendered on the server too: a reload keeps the notice
  await page.reload();
  await expect(page.getByRole("status", { name: "Delivery weather" })).toContainText("Weather may delay delivery");

  // a calm address: no notice
  await page.getByRole("button", { name: "Edit address" }).click();
  await enterAddress(page, "10115", "Berlin");
  await expect(page.getByRole("group", { name: "Shipping method" })).toBeVisible();
  await expect(page.getByRole("status", { name: "Delivery weather" })).toBeEmpty();
  await expect(page.getByText("Weather may delay delivery")).toHaveCount(0);
});
