/**
 * Where the keyboard focus lands after an action that replaces or disables the control that had
 * it: never on <body> (a keyboard or screen reader user would start again from the top).
 */
import type { Page } from "@playwright/test";
import { expect, test } from "./fixtures";
import { PASSWORD, apiToken, createCustomer, emailedLink, placeOrder, signInThroughForm } from "./account-helpers";
import { createProductViaApi, createStaff, payOrder } from "./admin-helpers";
import { addFromProductPage, payWithCard, pickProduct } from "./checkout-helpers";

const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

async function fillAddressByKeyboard(page: Page, email: string): Promise<void> {
  await page.goto("/checkout");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("First name").fill("Ada");
  await page.getByLabel("Last name").fill("Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("Hauptstraße 1");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByRole("button", { name: "Continue to shipping" }).focus();
  await page.keyboard.press("Enter");
}

test("checkout by keyboard: the focus follows the address, the discount code and a declined card", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 18);
  await addFromProductPage(page, product);
  await fillAddressByKeyboard(page, uniqueEmail("focus"));

  // the address form gives way to its summary: the focus moves on to the shipping step
  await expect(page.getByRole("heading", { name: "2. Shipping" })).toBeFocused();
  await page.getByRole("radio").first().focus();
  await page.keyboard.press("Space");
  await expect(page.getByRole("radio").first()).toBeChecked();
  const summary = page.getByRole("complementary", { name: "Order summary" });
  await expect(summary.getByText("Calculated next")).toHaveCount(0); // the method is saved

  // a refused code keeps the focus on Apply and names the field's error
  await summary.getByLabel("Discount code").fill("NOT-A-CODE");
  await summary.getByRole("button", { name: "Apply" }).press("Enter");
  await expect(summary.getByRole("alert")).toContainText("not valid");
  await expect(summary.getByLabel("Discount code")).toHaveAttribute("aria-invalid", "true");
  await expect(summary.getByLabel("Discount code")).toHaveAccessibleDescription(/not valid/);
  await expect(summary.getByRole("button", { name: "Apply" })).toBeFocused();
  await summary.getByLabel("Discount code").fill("WELCOME10");
  await summary.getByRole("button", { name: "Apply" }).press("Enter");
  // the field and its button are replaced: the focus goes to "Remove code", and back to the field after it
  await expect(summary.getByRole("button", { name: "Remove code" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(summary.getByLabel("Discount code")).toBeFocused();
  await expect(summary.getByRole("button", { name: "Remove code" })).toHaveCount(0);

  // "Edit address" is replaced by the form: the focus goes to its first field
  await page.getByRole("button", { name: "Edit address" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByLabel("Email")).toBeFocused();
  await page.getByRole("button", { name: "Continue to shipping" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { name: "2. Shipping" })).toBeFocused();
  await page.getByRole("radio").first().focus();
  await page.keyboard.press("Space");

  // a declined card: the Pay button keeps the focus while paying and after, the error is announced
  await payWithCard(page, "4000 0000 0000 0002");
  await expect(page.getByRole("region", { name: "3. Payment" }).getByRole("alert")).toContainText("declined");
  await expect(page.getByRole("button", { name: /^Pay / })).toBeFocused();

  // a card that needs the bank's approval: the card form is replaced, the focus goes to what to do next
  await page.getByLabel("Card number").fill("4000 0025 0000 3155");
  await page.getByRole("button", { name: /^Pay / }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("link", { name: /Approve the payment with your bank/ })).toBeVisible();
  await expect(page.getByText("Your bank asks you to approve this payment.").locator("..")).toBeFocused();
});

test("a form's submit button keeps the focus through its action (admin publish and save)", async ({ page, request, shop }) => {
  const staff = await createStaff(request, shop, "focus-staff");
  const product = await createProductViaApi(request, shop, staff.token, { title: `Focus lamp ${Date.now()}` });
  await signInThroughForm(page, staff.email, PASSWORD, `/admin/products/${product.id}`);

  const visibility = page.getByRole("region", { name: "Visibility" });
  await visibility.getByRole("button", { name: "Unpublish" }).focus();
  await page.keyboard.press("Enter");
  await expect(visibility.getByRole("status")).toContainText("Unpublished");
  await expect(visibility.getByRole("button", { name: "Publish" })).toBeFocused();

  const details = page.getByRole("form", { name: "Product details" });
  await details.getByLabel("Description").fill("Kept focus.");
  await details.getByRole("button", { name: "Save product" }).focus();
  await page.keyboard.press("Enter");
  await expect(details.getByRole("status")).toHaveText("Product saved.");
  await expect(details.getByRole("button", { name: "Save product" })).toBeFocused();
});

test("the profile's Save button keeps the focus after saving", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "focus-profile");
  await signInThroughForm(page, email, PASSWORD, "/account/profile");
  const profile = page.getByRole("form", { name: "Your details" });
  await profile.getByLabel("Full name").fill("Focus Keeper");
  await profile.getByRole("button", { name: "Save profile" }).focus();
  await page.keyboard.press("Enter");
  await expect(profile.getByRole("status")).not.toBeEmpty();
  await expect(profile.getByRole("button", { name: "Save profile" })).toBeFocused();
});

test("confirming an email or setting a new password moves the focus to the outcome that replaced the form", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "focus-links");
  await page.goto(await emailedLink(shop, email, "/account/verify-email"));
  await page.getByRole("button", { name: "Confirm my email address" }).press("Enter");
  await expect(page.getByRole("main").getByRole("status")).toContainText("verified");
  await expect(page.getByRole("main").getByRole("status")).toBeFocused();

  const asked = await request.post(`${shop.apiUrl}/api/v1/auth/password-reset`, { data: { email } });
  expect(asked.status()).toBe(202);
  await page.goto(await emailedLink(shop, email, "/account/reset-password"));
  await page.getByLabel("New password").fill("Marigold lighthouse ninety");
  await page.getByLabel("Confirm password").fill("Marigold lighthouse ninety");
  await page.getByRole("button", { name: "Set new password" }).press("Enter");
  await expect(page.getByRole("main").getByRole("status")).toContainText("changed");
  await expect(page.getByRole("main").getByRole("status")).toBeFocused();
});

test("after an action that redirects (address added or deleted, product created) its message has the focus", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "focus-flash");
  await signInThroughForm(page, email, PASSWORD, "/account/addresses/new");
  await page.getByLabel("Full name").fill("Flash Gordon");
  await page.getByLabel("Address line 1").fill("Hauptstraße 9");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByRole("button", { name: "Add address" }).press("Enter");
  const status = page.getByRole("main").getByRole("status").filter({ hasText: /address/ });
  await expect(status).toHaveText("The address has been added.");
  await expect(status).toBeFocused();

  page.once("dialog", (dialog) => void dialog.accept());
  await page.getByRole("button", { name: /^Delete address/ }).press("Enter");
  await expect(status).toHaveText("The address has been deleted.");
  await expect(status).toBeFocused();

  const staff = await createStaff(request, shop, "focus-flash-staff");
  await page.context().clearCookies();
  await signInThroughForm(page, staff.email, PASSWORD, "/admin/products/new");
  const form = page.getByRole("form", { name: "New product" });
  await form.getByLabel("Title").fill(`Flash lamp ${Date.now()}`);
  await form.getByLabel("SKU of variant 1").fill(`FLASH-${Date.now()}`);
  await form.getByLabel("Option value of variant 1").fill("One size");
  await form.getByLabel("Price of variant 1 (EUR)").fill("20.00");
  await form.getByRole("button", { name: "Create product" }).press("Enter");
  await expect(page.getByText("Product created.")).toBeFocused();
});

test("an admin action that removes its own form (last lines shipped, order cancelled) says so in a focused message", async ({ page, request, shop }) => {
  test.setTimeout(240_000);
  const email = await createCustomer(request, shop, "focus-ship-buyer", "Parcel Buyer");
  const token = await apiToken(request, shop, email);
  const shipped = await placeOrder(request, shop, token);
  await payOrder(request, shop, token, shipped.id);
  const cancelled = await placeOrder(request, shop, token);
  const staff = await createStaff(request, shop, "focus-ship-staff");
  await signInThroughForm(page, staff.email, PASSWORD, `/admin/orders/${shipped.id}`);

  // every line is shipped: the form gives way to "Nothing left to ship", the message has the focus
  const create = page.getByRole("form", { name: "Create shipment" });
  await expect(create.getByRole("spinbutton", { name: /^Quantity of .* to ship$/ }).first()).toBeVisible();
  await create.getByRole("button", { name: "Buy label" }).press("Enter");
  const status = page.getByRole("main").getByRole("status").filter({ hasText: "Label bought" });
  await expect(status).toHaveText(/^Label bought: .+ tracking number \S+\.$/, { timeout: 30_000 });
  await expect(status).toBeFocused();
  await expect(page.getByRole("region", { name: "Create shipment" }).getByText("Nothing left to ship.")).toBeVisible();
  const number = (await page.getByRole("region", { name: "Shipments" }).getByTestId("tracking-number").textContent())?.trim() ?? "";
  await expect(status).toContainText(number);

  // "Cancel order" names its order, apart from its form; after it the form is gone
  await page.goto(`/admin/orders/${cancelled.id}`);
  const cancel = page.getByRole("form", { name: "Cancel order" }).getByRole("button");
  await expect(cancel).toHaveAccessibleName(`Cancel order ${cancelled.number}`);
  await cancel.press("Enter");
  const done = page.getByRole("main").getByRole("status").filter({ hasText: "Order cancelled." });
  await expect(done).toBeVisible({ timeout: 30_000 });
  await expect(done).toBeFocused();
  await expect(page.getByRole("form", { name: "Cancel order" })).toHaveCount(0);
});

test("creating a discount says it was created, in a focused message", async ({ page, request, shop }) => {
  const staff = await createStaff(request, shop, "focus-discount");
  await signInThroughForm(page, staff.email, PASSWORD, "/admin/discounts/new");
  const form = page.getByRole("form", { name: "New discount" });
  const code = `FOCUS${Date.now()}`;
  await form.getByLabel("Code").fill(code);
  await form.getByLabel("Kind").selectOption({ label: "Percentage off" });
  await form.getByLabel("Percent off").fill("10");
  await form.getByRole("button", { name: "Create discount" }).press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: `Discount ${code}` })).toBeVisible({ timeout: 20_000 });
  const status = page.getByRole("main").getByRole("status").filter({ hasText: "Discount created." });
  await expect(status).toBeVisible();
  await expect(status).toBeFocused();
});

test("Mark delivered on the Shipments list says so in a focused message and keeps the list's filters", async ({ page, request, shop }) => {
  test.setTimeout(240_000);
  const email = await createCustomer(request, shop, "focus-list-buyer", "Parcel Buyer");
  const token = await apiToken(request, shop, email);
  const staff = await createStaff(request, shop, "focus-list-staff");
  await signInThroughForm(page, staff.email, PASSWORD, "/admin/shipments");

  // the simulated carrier moves a parcel on every few seconds and may deliver it before staff
  // do: then there is no "Mark delivered" to press (or it is refused), and a fresh parcel is tried
  for (let attempt = 1; ; attempt++) {
    const order = await placeOrder(request, shop, token);
    await payOrder(request, shop, token, order.id);
    const created = await request.post(`${shop.apiUrl}/api/v1/admin/shipments`, { headers: { Authorization: `Bearer ${staff.token}` }, data: { order_id: order.id } });
    expect(created.status(), await created.text()).toBeLessThan(300);
    const shipment = (await created.json()) as { id: string; provider: string; tracking_number: string };

    await page.goto(`/admin/shipments?carrier=${encodeURIComponent(shipment.provider)}`);
    const form = page.getByRole("form", { name: `Mark shipment ${shipment.tracking_number} delivered` });
    const button = form.getByRole("button", { name: "Mark delivered" });
    if ((await button.count()) === 0 && attempt < 3) continue;
    await button.focus();
    await page.keyboard.press("Enter");
    const status = page.getByRole("main").getByRole("status").filter({ hasText: `Shipment ${shipment.tracking_number} marked delivered.` });
    const refused = page.getByRole("main").getByRole("alert");
    await expect(status.or(refused).first()).toBeVisible({ timeout: 30_000 });
    if ((await status.count()) === 0 && attempt < 3) continue;

    await expect(status).toHaveText(`Shipment ${shipment.tracking_number} marked delivered.`);
    await expect(status).toBeFocused();
    // back on the list as it was: the same filter, in the URL and in the form
    const url = new URL(page.url());
    expect(url.pathname).toBe("/admin/shipments");
    expect(url.searchParams.get("carrier")).toBe(shipment.provider);
    expect(url.searchParams.get("done")).toBe("delivered");
    await expect(page.getByLabel("Carrier integration")).toHaveValue(shipment.provider);
    await expect(page.getByRole("row").filter({ hasText: shipment.tracking_number })).toContainText("delivered");
    await expect(form).toHaveCount(0);
    break;
  }

  // a hand-made link cannot make the list say something untrue
  await page.goto("/admin/shipments?done=delivered&shipment=00000000-0000-0000-0000-000000000000");
  await expect(page.getByRole("heading", { level: 1, name: "Shipments" })).toBeVisible();
  await expect(page.getByRole("main").getByText(/marked delivered/)).toHaveCount(0);
});
