/**
 * What a shopper found going through whole journeys (round 3): small things a screen reader or a
 * phone shows that the other specs do not cover.
 */
import { expect, test } from "./fixtures";
import { PASSWORD, apiToken, createCustomer, placeOrder, signInThroughForm } from "./account-helpers";
import { addFromProductPage, pickProduct } from "./checkout-helpers";

test("the order history has a pages navigation only when there is another page", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "order-pages");
  await placeOrder(request, shop, await apiToken(request, shop, email));
  await signInThroughForm(page, email, PASSWORD, "/account/orders");
  await expect(page.getByRole("list", { name: "Orders" }).getByRole("listitem")).toHaveCount(1);
  await expect(page.getByRole("navigation", { name: "Order pages" })).toHaveCount(0);
});

test("a long word searched for wraps on a 375 px screen instead of running off it", async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 740 });
  const word = "Donaudampfschifffahrtsgesellschaftskapitaensmuetze";
  await page.goto(`/search?q=${word}`);
  const heading = page.getByRole("heading", { level: 1 });
  await expect(heading).toContainText(word);
  const box = await heading.boundingBox();
  expect(box!.x + box!.width).toBeLessThanOrEqual(375);
  expect(await heading.evaluate((h) => h.scrollWidth <= h.clientWidth)).toBe(true);
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
});

test("two tabs on one cart: a line added in one shows in the other's open cart page", async ({ page, context, request, shop }) => {
  const [first, second] = [await pickProduct(request, shop, 19), await pickProduct(request, shop, 20)];
  await addFromProductPage(page, first);
  const other = await context.newPage();
  await other.goto("/cart");
  const lines = other.getByRole("list", { name: "Cart items" }).getByRole("listitem");
  await expect(lines).toHaveCount(1);

  await addFromProductPage(page, second);
  await expect(other.getByRole("link", { name: /^Cart/ })).toContainText("2 items");
  // the lines, not only the header's count, follow (no reload)
  await expect(lines).toHaveCount(2);
  await expect(other.getByRole("link", { name: second.title })).toBeVisible();
});

test("passwords that do not match are caught at the field, and nothing typed is lost", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "pw-mismatch");
  await signInThroughForm(page, email, PASSWORD, "/account/profile");
  const form = page.getByRole("form", { name: "Change password" });
  const next = "Marigold lighthouse ninety";
  await form.getByLabel("Current password").fill(PASSWORD);
  await form.getByLabel("New password").fill(next);
  await form.getByLabel("Confirm password").fill("Marigold lighthouse nineteen");
  await form.getByRole("button", { name: "Change password" }).click();
  const confirm = form.getByLabel("Confirm password");
  await expect(confirm).toBeFocused();
  await expect(confirm).toHaveAttribute("aria-invalid", "true");
  await expect(confirm).toHaveAccessibleDescription("The passwords do not match.");
  // only the confirmation is typed again: the other two fields kept what was typed
  await expect(form.getByLabel("Current password")).toHaveValue(PASSWORD);
  await expect(form.getByLabel("New password")).toHaveValue(next);
  await confirm.fill(next);
  await form.getByRole("button", { name: "Change password" }).click();
  await expect(form.getByRole("status")).toContainText(/changed/i);
  await expect(confirm).not.toHaveAttribute("aria-invalid", "true");
});

test("asking for a reset link with something that is not an email address says so at the field", async ({ page }) => {
  await page.goto("/account/forgot-password");
  const email = page.getByLabel("Email");
  await email.fill("ada.example.com");
  await page.getByRole("button", { name: "Email me a reset link" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Enter a valid email address.");
  await expect(email).toBeFocused();
  await expect(email).toHaveAccessibleDescription("Enter a valid email address.");
  await expect(email).toHaveValue("ada.example.com");
  await expect(page.getByText(/we sent it a link/)).toHaveCount(0);
});

test("a category page names its subcategory navigation apart from the header's categories", async ({ page }) => {
  await page.goto("/c/clothing");
  await expect(page.getByRole("navigation", { name: "Categories", exact: true })).toHaveCount(1);
  await expect(page.getByRole("banner").getByRole("navigation", { name: "Categories", exact: true })).toBeVisible();
  await expect(page.getByRole("navigation", { name: "Subcategories" }).getByRole("link", { name: /^Women/ })).toBeAttached();
});
