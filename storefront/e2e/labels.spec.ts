import type { Page } from "@playwright/test";
import { createCustomer, signInThroughForm } from "./account-helpers";
import { promoteToAdmin } from "./admin-helpers";
import { addFromProductPage, pickProduct } from "./checkout-helpers";
import { expect, test } from "./fixtures";

/**
 * The name of every text field, number field, select and checkbox on the page (its aria-label or
 * its label's text), as `getByLabel` reads it.
 */
async function fieldNames(page: Page): Promise<string[]> {
  return page
    .locator("input:not([type=hidden]):not([type=radio]):not([type=submit]), select, textarea")
    .evaluateAll((fields) =>
      fields.map((field) => {
        const own = field.getAttribute("aria-label");
        if (own) return own.trim();
        const label = field.id ? document.querySelector(`label[for="${field.id}"]`) : field.closest("label");
        return (label?.textContent ?? "").replace(/\s+/g, " ").trim();
      }),
    );
}

/** Each field is found by its name alone, as a shopper's test finds it (`getByLabel`, substring). */
async function expectEachFieldFoundByItsLabel(page: Page, where: string): Promise<void> {
  const names = await fieldNames(page);
  expect(names.length, where).toBeGreaterThan(0);
  for (const name of names) {
    expect(name, `${where}: a field without a label`).not.toBe("");
    expect(await page.getByLabel(name).count(), `${where}: "${name}"`).toBe(1);
  }
}

test("every form field a shopper fills in is found by its label alone", async ({ page, request, shop }) => {
  for (const path of ["/account/register", "/account/sign-in", "/account/forgot-password", "/search?q=shirt"]) {
    await page.goto(path);
    await expectEachFieldFoundByItsLabel(page, path);
  }
  const product = await pickProduct(request, shop, 3);
  await addFromProductPage(page, product);
  await page.goto("/checkout");
  await expect(page.getByRole("heading", { level: 2 }).first()).toBeVisible();
  await expectEachFieldFoundByItsLabel(page, "/checkout (guest)");

  const email = await createCustomer(request, shop, "labels");
  await signInThroughForm(page, email);
  for (const path of ["/account/profile", "/account/addresses/new"]) {
    await page.goto(path);
    await expectEachFieldFoundByItsLabel(page, path);
  }
});

test("every form field of the admin is found by its label alone", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "labels-admin", "Shop Staff");
  promoteToAdmin(shop, email);
  await signInThroughForm(page, email, undefined, "/admin");
  for (const path of ["/admin/products", "/admin/products/new", "/admin/discounts/new", "/admin/content/new", "/admin/orders", "/admin/customers"]) {
    await page.goto(path);
    await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
    await expectEachFieldFoundByItsLabel(page, path);
  }
});
