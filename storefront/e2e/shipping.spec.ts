/**
 * Shipping, end to end: an admin ships a paid order through the API (the simulated carrier buys
 * the label); the customer watches the parcel's timeline advance to delivered on the order page
 * and on the public tracking page, which shows nothing personal. The harness runs the simulated
 * carrier at one step every 2 s, polled every second.
 */
import { apiToken, createCustomer, placeOrder, signInThroughForm, PASSWORD } from "./account-helpers";
import { payOrder } from "./admin-helpers";
import { adminToken } from "./checkout-helpers";
import { expect, test } from "./fixtures";

test("an admin ships a paid order; the customer watches it arrive on the order and tracking pages", async ({ page, request, shop }) => {
  test.setTimeout(180_000);
  const email = await createCustomer(request, shop, "parcel", "Parcel Person");
  const token = await apiToken(request, shop, email);
  const order = await placeOrder(request, shop, token);
  await payOrder(request, shop, token, order.id);

  const admin = await adminToken(request, shop);
  const created = await request.post(`${shop.apiUrl}/api/v1/admin/shipments`, {
    headers: { Authorization: `Bearer ${admin}` },
    data: { order_id: order.id },
  });
  expect(created.status(), await created.text()).toBe(201);
  const shipment = (await created.json()) as { tracking_number: string; status: string };
  expect(shipment.status).toBe("label_created");

  // the customer's order page: a shipment with its timeline, refreshing itself until delivered
  await signInThroughForm(page, email, PASSWORD, `/orders/${order.id}`);
  await expect(page.getByRole("heading", { name: `Order ${order.number}` })).toBeVisible();
  const parcel = page.getByRole("article").filter({ hasText: shipment.tracking_number });
  await expect(parcel.getByRole("link", { name: shipment.tracking_number })).toBeVisible();
  const timeline = page.getByRole("list", { name: `Tracking history of parcel ${shipment.tracking_number}` });
  await expect(timeline.getByText("Label created").first()).toBeVisible();
  await expect(page.getByTestId("shipment-status")).toHaveText("Delivered", { timeout: 90_000 });
  await expect(timeline.getByText("Out for delivery").first()).toBeVisible();
  await expect(timeline.getByText("Picked up by Mercato Post")).toBeVisible();
  await page.setViewportSize({ width: 390, height: 844 });
  await expect(timeline).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth + 1)).toBe(true);
  await page.screenshot({ path: "test-results/screenshots/shipping-order-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });

  // the public tracking page, reached through the lookup form (typed in lower case)
  await page.goto("/track");
  await page.getByLabel("Tracking number").fill(shipment.tracking_number.toLowerCase());
  await page.getByRole("button", { name: "Track" }).click();
  await expect(page).toHaveURL(new RegExp(`/track/${shipment.tracking_number}$`));
  await expect(page.getByRole("heading", { name: `Parcel ${shipment.tracking_number}` })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("Delivered");
  const history = page.getByRole("list", { name: `Tracking history of parcel ${shipment.tracking_number}` });
  await expect(history.getByRole("listitem").first()).toContainText("Delivered");
  const text = (await page.locator("main").innerText()).toLowerCase();
  for (const secret of [email.toLowerCase(), "parcel person", "history shopper", "invalidenstraße", "10115", order.number.toLowerCase()]) {
    expect(text, `the tracking page shows ${secret}`).not.toContain(secret);
  }
  await page.screenshot({ path: "test-results/screenshots/shipping-track-1280.png", fullPage: true });

  // an unknown number: the lookup form again, saying so (test below)

  // one email per status change
  const mails = shop.readEmails().filter((raw) => raw.includes(order.number));
  expect(mails.filter((raw) => /Subject: Order \S+ has shipped/.test(raw))).toHaveLength(1);
  await expect.poll(() => shop.readEmails().filter((raw) => raw.includes(`Subject: Order ${order.number} delivered`)).length, { timeout: 30_000 }).toBe(1);
});

test("an unknown tracking number shows the lookup form again with what went wrong", async ({ page }) => {
  for (const typed of ["nonsense-123", "MP0000000000000000000"]) {
    await page.goto("/track");
    await page.getByLabel("Tracking number").fill(typed);
    await page.getByRole("button", { name: "Track" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Track a parcel" })).toBeVisible();
    const field = page.getByLabel("Tracking number");
    await expect(field).toHaveAttribute("aria-invalid", "true");
    await expect(field).toHaveAccessibleDescription("We could not find a parcel with that number.");
    await expect(field).toHaveValue(typed.replace("-", "").toUpperCase());
  }
});
