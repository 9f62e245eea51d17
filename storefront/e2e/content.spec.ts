/**
 * CMS content in the shop, from the local content source seeded by `mercato demo seed`: the home
 * hero and announcement bar, the journal (list, pages, a post), a CMS page from the footer, the
 * editorial block on a product page, and the RSS feed.
 */
import { expect, test } from "./fixtures";

test("the home hero and announcement bar come from the site settings", async ({ page }) => {
  await page.goto("/");
  await expect(page.getByRole("heading", { level: 1, name: "Good things, made well" })).toBeVisible();
  const announcement = page.getByRole("complementary", { name: "Announcement" });
  await expect(announcement).toContainText("Free standard delivery in Germany");
  await expect(announcement.getByRole("link", { name: "Shipping and returns" })).toHaveAttribute("href", "/pages/shipping-returns");
  await page.getByRole("link", { name: "Read our journal" }).click();
  await expect(page).toHaveURL(/\/blog$/);
  await expect(page.getByRole("heading", { level: 1, name: "Journal" })).toBeVisible();
});

test("the journal lists posts newest first, pages, and opens a post", async ({ page }) => {
  await page.goto("/blog");
  const posts = page.getByRole("list", { name: "Posts" });
  await expect(posts.getByRole("listitem")).toHaveCount(4);
  await expect(posts.getByRole("heading", { level: 2 }).first()).toHaveText("How to care for linen so it lasts for decades");
  await page.getByRole("link", { name: "Older posts" }).click();
  await expect(page.getByRole("list", { name: "Posts" }).getByRole("link", { name: /Choosing a teapot/ })).toBeVisible();
  await page.getByRole("link", { name: "Latest posts" }).click();

  await page.getByRole("link", { name: "How to care for linen so it lasts for decades" }).click();
  await expect(page).toHaveURL(/\/blog\/caring-for-linen$/);
  await expect(page.getByRole("heading", { level: 1, name: "How to care for linen so it lasts for decades" })).toBeVisible();
  await expect(page.getByRole("img", { name: "Cover illustration for “How to care for linen so it lasts for decades”" })).toBeVisible();
  await expect(page.getByText("By Lena Hart")).toBeVisible();
  await expect(page.locator("time")).toHaveAttribute("datetime", "2026-11-28T09:00:00Z");
  await expect(page.getByRole("heading", { level: 2, name: "What you need to know" })).toBeVisible();
  await expect(page.getByRole("link", { name: "our care guide" })).toHaveAttribute("href", "/pages/shipping-returns");
  await expect(page.locator('meta[name="description"]')).toHaveAttribute("content", /Wash cool, dry flat/);
  await expect(page.locator('meta[property="og:type"]')).toHaveAttribute("content", "article");

  const missing = await page.goto("/blog/no-such-post");
  expect(missing?.status()).toBe(404);
});

test("a CMS page is linked from the footer", async ({ page }) => {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Footer" }).getByRole("link", { name: "About us" }).click();
  await expect(page).toHaveURL(/\/pages\/about$/);
  await expect(page.getByRole("heading", { level: 1, name: "About us" })).toBeVisible();
  await expect(page.getByText("independent makers")).toBeVisible();
  await page.goto("/pages/faq");
  await expect(page.getByRole("heading", { level: 2, name: "Do you ship abroad?" })).toBeVisible();
});

test("a product page shows its editorial", async ({ page }) => {
  await page.goto("/p/everyday-denim-jacket");
  await expect(page.getByRole("heading", { level: 2, name: "The story" })).toBeVisible();
  await expect(page.getByRole("list", { name: "Highlights" }).getByRole("listitem").first()).toHaveText("Rigid 13 oz denim that softens with wear");
  await expect(page.getByRole("img", { name: "Close-up of the material" })).toBeVisible();
});

test("the RSS feed is valid XML listing the posts", async ({ page, request }) => {
  const response = await request.get("/blog/rss.xml");
  expect(response.status()).toBe(200);
  expect(response.headers()["content-type"]).toContain("application/rss+xml");
  const xml = await response.text();
  await page.goto("/blog");
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "application/xml");
    return {
      error: doc.getElementsByTagName("parsererror").length,
      items: [...doc.getElementsByTagName("item")].map((i) => i.getElementsByTagName("title")[0]?.textContent),
      root: doc.documentElement.nodeName,
    };
  }, xml);
  expect(parsed.error).toBe(0);
  expect(parsed.root).toBe("rss");
  expect(parsed.items).toHaveLength(5);
  expect(parsed.items[0]).toBe("How to care for linen so it lasts for decades");
});
