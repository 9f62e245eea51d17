/**
 * The admin's shipping and content screens in a real browser, by role and accessible name: staff
 * buy a carrier label for a paid order (simulated carrier) and see the shipment with its tracking
 * number, label and the Shipments list; staff write a blog post in Markdown and it shows on /blog.
 */
import type { APIRequestContext, Page } from "@playwright/test";
import { PASSWORD, apiToken, createCustomer, placeOrder, signInThroughForm } from "./account-helpers";
import { payOrder, promoteToAdmin } from "./admin-helpers";
import { expect, test, type Shop } from "./fixtures";

async function signInStaff(page: Page, request: APIRequestContext, shop: Shop, tag: string): Promise<void> {
  const email = await createCustomer(request, shop, tag, "Shop Staff");
  promoteToAdmin(shop, email);
  await signInThroughForm(page, email, PASSWORD, "/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
}

test("staff buy a label for a paid order and the shipment appears with its tracking number", async ({ page, request, shop }) => {
  test.setTimeout(240_000);
  const email = await createCustomer(request, shop, "label-buyer", "Label Buyer");
  const token = await apiToken(request, shop, email);
  const order = await placeOrder(request, shop, token);
  await payOrder(request, shop, token, order.id);

  await signInStaff(page, request, shop, "label-staff");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Shipments" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Shipments" })).toBeVisible();

  await page.goto(`/admin/orders/${order.id}`);
  await expect(page.getByTestId("order-status")).toHaveText("paid");
  const shipments = page.getByRole("region", { name: "Shipments" });
  await expect(shipments.getByText("No shipments yet.")).toBeVisible();
  const create = page.getByRole("form", { name: "Create shipment" });
  await expect(create.getByRole("spinbutton", { name: /^Quantity of .* to ship$/ }).first()).toBeVisible();
  await create.getByRole("button", { name: "Buy label" }).click();
  // the packed order has nothing left to ship, so the form gives way to the new shipment
  const tracking = shipments.getByTestId("tracking-number");
  await expect(tracking).toHaveCount(1, { timeout: 30_000 });
  const number = (await tracking.textContent())?.trim() ?? "";
  expect(number).not.toBe("");
  await expect(tracking).toHaveAttribute("href", `/track/${encodeURIComponent(number)}`);
  const label = shipments.getByRole("link", { name: `Download label ${number}` });
  await expect(label).toHaveText("Download label");
  const download = await page.request.get((await label.getAttribute("href")) ?? "");
  expect(download.status()).toBe(200);
  expect(download.headers()["content-type"]).toMatch(/application\/pdf|image\/png/);
  // everything was packed: nothing is left to ship
  await expect(page.getByRole("region", { name: "Create shipment" }).getByText("Nothing left to ship.")).toBeVisible();

  // the shipment is in the Shipments list, and the public tracking page knows the number
  await page.goto("/admin/shipments");
  await expect(page.getByRole("row").filter({ hasText: number })).toHaveCount(1);
  await page.getByLabel("Status").selectOption("voided");
  await page.getByRole("button", { name: "Filter shipments" }).click();
  await expect(page.getByText("No shipments match these filters.")).toBeVisible();
  await page.goto(`/track/${encodeURIComponent(number)}`);
  await expect(page.getByText(number).first()).toBeVisible();
});

test("staff write a blog post in Markdown and it shows on /blog", async ({ page, request, shop }) => {
  test.setTimeout(180_000);
  await signInStaff(page, request, shop, "content-staff");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Content" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Content" })).toBeVisible();
  await page.getByRole("link", { name: "New post" }).click();

  const suffix = `${Date.now()}`.slice(-8);
  const title = `Workshop notes ${suffix}`;
  const slug = `workshop-notes-${suffix}`;
  const form = page.getByRole("form", { name: "New post" });
  await form.getByLabel("Title").fill(title);
  await form.getByLabel("Slug").fill(slug);
  await form.getByLabel("Excerpt").fill("What we learned at the bench.");
  await form
    .getByLabel("Body")
    .fill(`# Glazing\n\nWe fire at **high** heat, *slowly*.\n\n- one kiln\n- two days\n\nRead [our guide](/pages/about) or [this](javascript:alert(1)).`);
  await form.getByRole("button", { name: "Create post" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Post created." })).toBeVisible({ timeout: 30_000 });
  // the stored body comes back as Markdown; the unsafe link kept only its text
  await expect(page.getByLabel("Body")).toHaveValue(/^# Glazing\n\nWe fire at \*\*high\*\* heat, \*slowly\*\.\n\n- one kiln\n- two days\n\nRead \[our guide\]\(\/pages\/about\) or this\.$/);

  await expect
    .poll(
      async () => {
        await page.goto("/blog");
        return page.getByRole("link", { name: title }).count();
      },
      { timeout: 60_000, intervals: [1000, 2000, 3000] },
    )
    .toBeGreaterThan(0);
  await page.getByRole("link", { name: title }).first().click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Glazing" })).toBeVisible();
  await expect(page.getByRole("link", { name: "our guide" })).toHaveAttribute("href", "/pages/about");
  await expect(page.getByRole("link", { name: "this" })).toHaveCount(0);
  await expect(page.getByRole("listitem").filter({ hasText: "two days" })).toBeVisible();

  // a stale edit is refused: the API checks the _rev the form was opened with
  await page.goto("/admin/content?type=post");
  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  const stale = await page.context().newPage();
  await stale.goto(page.url());
  await page.getByLabel("Title").fill(`${title} (revised)`);
  await page.getByRole("button", { name: "Save post" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Post saved." })).toBeVisible({ timeout: 30_000 });
  await stale.getByLabel("Title").fill(`${title} (other)`);
  await stale.getByRole("button", { name: "Save post" }).click();
  await expect(stale.getByRole("alert").filter({ hasText: "Someone else changed this document" })).toBeVisible({ timeout: 30_000 });
  await stale.close();

  // deleting asks for confirmation
  await page.reload();
  const del = page.getByRole("form", { name: "Delete post" });
  await del.getByLabel(/Yes, delete/).check();
  await del.getByRole("button", { name: "Delete post" }).click();
  await expect(page).toHaveURL(/\/admin\/content\?deleted=1$/, { timeout: 30_000 });
  await expect(page.getByRole("link", { name: `${title} (revised)` })).toHaveCount(0);
});
