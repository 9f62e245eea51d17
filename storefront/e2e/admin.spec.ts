/**
 * The shop run from /admin in a real browser, by role and accessible name: staff create a product
 * with two variants and stock, it appears in the shop after revalidation, a customer buys it,
 * staff ship it and refund part of it, and the customer sees each status change. Also: who may
 * open /admin, keyboard use of the mobile menu, and axe-core on the admin pages visited.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import AxeBuilder from "@axe-core/playwright";
import type { Page } from "@playwright/test";
import { expect, test, type Shop } from "./fixtures";
import { BACKUP_KEY } from "./harness";
import { PASSWORD, apiToken, createCustomer, placeOrder, signInThroughForm } from "./account-helpers";
import { createProductViaApi, createStaff, payOrder } from "./admin-helpers";
import { ORDER_URL, addFromProductPage, fillCheckout, payWithCard } from "./checkout-helpers";

/** `mercato ARGS…` against the harness's data dir; its output. */
function mercato(shop: Shop, ...args: string[]): string {
  const repo = path.resolve(__dirname, "..", "..");
  const result = spawnSync(path.join(repo, ".venv", "bin", "mercato"), args, {
    cwd: repo,
    encoding: "utf8",
    env: {
      ...process.env,
      MERCATO_DATA_DIR: shop.dataDir,
      MERCATO_ENV: "development",
      MERCATO_LOG_JSON: "false",
      MERCATO_BACKUP__ENCRYPTION_KEY: BACKUP_KEY,
    },
  });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout;
}

/** `mercato users create-admin EMAIL` (promotes the account). */
function promoteToAdmin(shop: Shop, email: string): void {
  mercato(shop, "users", "create-admin", email);
}

/** No serious or critical axe-core violation on the current page. */
async function expectAccessible(page: Page, name: string): Promise<void> {
  // after a server action Next.js streams the page's metadata again: wait until the <title> is
  // back (a page without one still fails here, after the timeout) before axe reads the document
  await expect(page).toHaveTitle(/\S/);
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]).analyze();
  const bad = results.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  expect(bad.map((v) => `${name}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

test("a visitor is sent to sign-in and a customer cannot open admin pages", async ({ page, request, shop }) => {
  test.slow();
  for (const target of ["/admin", "/admin/orders", "/admin/products/new"]) {
    await page.goto(target);
    await expect(page).toHaveURL(new RegExp(`/account/sign-in\\?next=${encodeURIComponent(target).replace(/[/?]/g, "\\$&")}$`));
  }
  const email = await createCustomer(request, shop, "not-staff");
  await signInThroughForm(page, email);
  for (const target of ["/admin", "/admin/customers", "/admin/operations"]) {
    await page.goto(target);
    await expect(page).toHaveURL(/\/admin\/forbidden$/);
    await expect(page.getByRole("heading", { level: 1, name: "Staff only" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Admin" })).toHaveCount(0);
  }
});

test("staff create a product, a customer buys it, staff ship and partly refund it", async ({ page, browser, request, shop }) => {
  test.setTimeout(480_000);
  const adminEmail = await createCustomer(request, shop, "owner", "Shop Owner");
  promoteToAdmin(shop, adminEmail);
  await signInThroughForm(page, adminEmail, PASSWORD, "/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page.getByRole("img", { name: /Revenue per day/ })).toBeVisible();
  await expectAccessible(page, "overview");

  // ---- create a product with two variants and stock
  const suffix = `${Date.now()}`.slice(-8);
  const title = `Admin Lamp ${suffix}`;
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Products" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Products" })).toBeVisible();
  await page.getByRole("link", { name: "New product" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "New product" })).toBeVisible();
  await page.getByLabel("Title").fill(title);
  await page.getByLabel("Brand").fill("Mercato Test");
  await page.getByLabel("Description").fill("A lamp made in the admin test.");
  await page.getByLabel("Headline in search results").fill(`${title} — buy online`);
  await page.getByLabel("SKU of variant 1").fill(`LAMP-${suffix}-S`);
  await page.getByLabel("Option value of variant 1").fill("Small");
  await page.getByLabel(/Price of variant 1/).fill("40.00");
  await page.getByLabel("Stock of variant 1").fill("7");
  await page.getByRole("button", { name: "Add variant" }).click();
  await page.getByLabel("SKU of variant 2").fill(`LAMP-${suffix}-L`);
  await page.getByLabel("Option value of variant 2").fill("Large");
  await page.getByLabel(/Price of variant 2/).fill("55.50");
  await page.getByLabel("Stock of variant 2").fill("3");
  await page.getByLabel("Visibility").selectOption("Published"); // by its label, as a person reads it
  await expectAccessible(page, "new product");
  await page.getByRole("button", { name: "Create product" }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible({ timeout: 20_000 });
  await expect(page.getByRole("status").filter({ hasText: "Product created." })).toBeVisible();
  await expect(page.getByRole("cell", { name: `LAMP-${suffix}-S`, exact: true })).toBeVisible();
  await expect(page.getByRole("cell", { name: `LAMP-${suffix}-L`, exact: true })).toBeVisible();
  await expectAccessible(page, "edit product");
  const shopLink = page.getByRole("link", { name: "View in shop" });
  const slug = (await shopLink.getAttribute("href"))!.replace("/p/", "");

  // a stale edit (another tab saved first) is refused with a clear message
  const other = await page.context().newPage();
  await other.goto(page.url());
  await other.getByLabel("Brand").fill("Saved elsewhere");
  await other.getByRole("button", { name: "Save product" }).click();
  await expect(other.getByRole("status").filter({ hasText: "Product saved." })).toBeVisible();
  await other.close();
  await page.getByLabel("Brand").fill("Stale edit");
  await page.getByRole("button", { name: "Save product" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Someone else changed this product");

  // stock: the movement history shows the initial stock and an adjustment with its reason
  await page.goto(`/admin/inventory/${encodeURIComponent(`LAMP-${suffix}-S`)}`);
  await page.getByLabel("Quantity").fill("2");
  await page.getByLabel("Reason").fill("Delivery received");
  await page.getByRole("button", { name: "Apply adjustment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "9 on hand" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "Delivery received" })).toBeVisible();
  await expectAccessible(page, "inventory");

  // ---- the product shows in the shop after revalidation
  await expect
    .poll(
      async () => {
        const response = await page.goto(`/p/${slug}`);
        return response?.status() === 200 && (await page.getByRole("heading", { level: 1, name: title }).count()) === 1;
      },
      { timeout: 60_000, intervals: [1000, 2000, 3000] },
    )
    .toBe(true);

  // ---- a customer buys the small variant
  const shopper = await browser.newContext({ baseURL: shop.storefrontUrl });
  const buyer = await shopper.newPage();
  const buyerEmail = await createCustomer(request, shop, "lamp-buyer", "Grace Hopper");
  await signInThroughForm(buyer, buyerEmail);
  await addFromProductPage(buyer, { slug, title, sku: `LAMP-${suffix}-S`, variantTitle: "Small" });
  await fillCheckout(buyer, { email: buyerEmail });
  await payWithCard(buyer, "4242 4242 4242 4242");
  await expect(buyer).toHaveURL(ORDER_URL, { timeout: 30_000 });
  await expect(buyer.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received", { timeout: 30_000 });
  const orderId = /\/orders\/([0-9a-f-]{36})/.exec(buyer.url())![1]!;

  // ---- staff find the order and ship it
  await page.goto("/admin/orders");
  await page.getByLabel("Customer email").fill(buyerEmail);
  await page.getByRole("button", { name: "Filter orders" }).click();
  await page.getByRole("row").filter({ hasText: buyerEmail }).getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/admin/orders/${orderId}$`));
  await expect(page.getByTestId("order-status")).toHaveText("paid");
  await expectAccessible(page, "order");
  await page.getByRole("button", { name: "Buy label" }).click();
  await expect(page.getByRole("region", { name: "Shipments" }).getByTestId("tracking-number")).toHaveCount(1, { timeout: 20_000 });
  // the simulated carrier picks the parcel up (and may deliver it) within seconds
  await expect.poll(async () => { await page.reload(); return page.getByTestId("order-status").textContent(); }, { timeout: 60_000, intervals: [1000, 2000, 3000] }).toMatch(/^(shipped|delivered)$/);

  await buyer.goto(`/account/orders/${orderId}`);
  await expect(buyer.getByText(/^(Shipped|Delivered)$/).first()).toBeVisible();

  // ---- a partial refund, capped at what was captured
  await page.getByLabel("Part of it").check();
  await page.getByLabel(/Amount to refund/).fill("99999");
  await page.getByLabel("Reason").fill("Scratch on the base");
  await page.getByRole("button", { name: "Issue refund" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("more than what can still be refunded");
  // the refused attempt keeps the chosen option and what was typed
  await expect(page.getByLabel("Part of it")).toBeChecked();
  await expect(page.getByLabel(/Amount to refund/)).toHaveValue("99999");
  await expect(page.getByLabel("Reason")).toHaveValue("Scratch on the base");
  await page.getByLabel(/Amount to refund/).fill("5.00");
  await page.getByRole("button", { name: "Issue refund" }).click();
  await expect(page.getByTestId("order-status")).toHaveText("partially refunded", { timeout: 20_000 });
  await expect(page.getByRole("row").filter({ hasText: /refund/i }).first()).toBeVisible();
  // the timeline names the staff member who acted by email, not by account id
  await expect(page.getByRole("region", { name: "Timeline" }).getByText(adminEmail).first()).toBeVisible();
  await expect(page.getByRole("region", { name: "Timeline" })).not.toContainText("staff:");

  await buyer.reload();
  await expect(buyer.getByText("Partly refunded", { exact: true }).first()).toBeVisible();
  await shopper.close();

  // ---- the customer and their order are listed in Customers
  await page.goto("/admin/customers");
  await page.getByLabel("Name or email").fill("Grace Hopper");
  await page.getByRole("main").getByRole("button", { name: "Search" }).click();
  await page.getByRole("row").filter({ hasText: buyerEmail }).getByRole("link").click();
  await expect(page.getByRole("heading", { level: 1, name: "Grace Hopper" })).toBeVisible();
  await expect(page.getByRole("button", { name: "Disable account" })).toBeVisible();
  await expectAccessible(page, "customer");
});

test("what staff type right after following a link from a list is kept", async ({ page, request, shop }) => {
  // The products list's filter ("Title or keyword") matches the label Title too: typed into
  // the list being left, a title would be lost (ADR 0057).
  const email = await createCustomer(request, shop, "staff-typing", "Typing Staff");
  promoteToAdmin(shop, email);
  await signInThroughForm(page, email, PASSWORD, "/admin/products");
  for (const link of ["New product", null]) {
    await page.goto("/admin/products");
    const main = page.getByRole("main");
    await (link ? main.getByRole("link", { name: link }) : main.getByRole("table").getByRole("link").first()).click();
    await page.getByLabel("Title").first().fill("Typed at once");
    await expect(page).toHaveURL(/\/admin\/products\/[^/?]+/);
    await page.waitForTimeout(500); // a late transition would have replaced the field by now
    await expect(page.getByLabel("Title", { exact: true })).toHaveValue("Typed at once");
  }
});

test("the admin menu works with the keyboard on a phone", async ({ page, request, shop }) => {
  test.slow();
  const email = await createCustomer(request, shop, "staff-phone", "Phone Staff");
  promoteToAdmin(shop, email);
  await page.setViewportSize({ width: 390, height: 844 });
  await signInThroughForm(page, email, PASSWORD, "/admin");
  const menu = page.getByRole("button", { name: "Admin menu" });
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Orders" })).toBeHidden();
  await menu.focus();
  await page.keyboard.press("Enter");
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Overview" })).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Tab");
  await expect(page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Orders" })).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Orders" })).toBeVisible();
  await expectAccessible(page, "orders (phone)");
  await page.goto("/admin/content");
  await expect(page.getByRole("heading", { level: 1, name: "Content" })).toBeVisible();
  await page.goto("/admin/operations");
  await expect(page.getByRole("heading", { level: 2, name: "Health" })).toBeVisible();
  await expectAccessible(page, "operations (phone)");
});

test("staff verify a backup from the operations page and see the result", async ({ page, request, shop }) => {
  test.setTimeout(240_000);
  const created = mercato(shop, "backup", "create");
  const backupId = /backup (mercato-\S+) created/.exec(created)?.[1];
  expect(backupId, created).toBeTruthy();
  const adminEmail = await createCustomer(request, shop, "backups", "Backup Owner");
  promoteToAdmin(shop, adminEmail);
  await signInThroughForm(page, adminEmail, PASSWORD, "/admin/operations");
  const providers = page.getByRole("table", { name: /^Providers/ });
  await expect(providers.getByRole("row", { name: /Carrier simulated \(built in\) OK/ })).toBeVisible();
  await expect(providers.getByRole("row", { name: /Payments sandbox \(built in\) OK/ })).toBeVisible();
  const backups = page.getByRole("region", { name: "Backups" });
  await expect(backups.getByRole("table", { name: "Stored backups, newest first" })).toContainText(backupId!);
  await backups.getByRole("button", { name: `Verify ${backupId} now` }).click();
  await expect(backups.getByRole("status").filter({ hasText: `Verification of ${backupId} queued` })).toBeVisible();
  // the worker restores it into a scratch database; the page shows the outcome once it is done
  const verifications = backups.getByRole("table", { name: "Recent verifications" });
  await expect(async () => {
    await page.reload();
    await expect(verifications.getByRole("row").nth(1)).toContainText("passed", { timeout: 1_000 });
  }).toPass({ timeout: 180_000, intervals: [1_000, 2_000] });
  await expect(verifications).toContainText(/\d+ tables and [\d,]+ rows match the backup's manifest/);
  await expect(backups.getByText("Last good verification")).toBeVisible();
  await expectAccessible(page, "operations with backups");
});

test("a refused stock take keeps the chosen kind and values, and the corrected count is set", async ({ page, request, shop }) => {
  const staff = await createStaff(request, shop, "stock-take");
  const { sku } = await createProductViaApi(request, shop, staff.token, { title: `Stock Take Mug ${Date.now()}`, stock: 2 });
  await signInThroughForm(page, staff.email, PASSWORD, `/admin/inventory/${encodeURIComponent(sku)}`);
  const form = page.getByRole("form", { name: "Adjust stock" });
  await form.getByLabel("Set the count on hand (stock take)").check();
  await form.getByLabel("Quantity").fill("-4");
  await form.getByLabel("Reason").fill("stock take");
  await form.getByRole("button", { name: "Apply adjustment" }).click();
  await expect(form.getByRole("alert")).toHaveText("Please correct the highlighted fields.");
  const quantity = form.getByLabel("Quantity");
  await expect(quantity).toHaveAttribute("aria-invalid", "true");
  await expect(quantity).toHaveAccessibleDescription("The count on hand cannot be below 0.");
  await expect(form.getByLabel("Set the count on hand (stock take)")).toBeChecked();
  await expect(quantity).toHaveValue("-4");
  await expect(form.getByLabel("Reason")).toHaveValue("stock take");
  await quantity.fill("7");
  await form.getByRole("button", { name: "Apply adjustment" }).click();
  await expect(page.getByRole("status").filter({ hasText: "7 on hand" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "stock take" })).toBeVisible();
  // the history names who adjusted by email, not by account id
  await expect(page.getByRole("row").filter({ hasText: "stock take" })).toContainText(staff.email);
  await expect(page.getByRole("table")).not.toContainText("user:");
});

test("a refused discount points at the field or says why, in words, and keeps what was entered", async ({ page, request, shop }) => {
  const staff = await createStaff(request, shop, "discount-errors");
  await signInThroughForm(page, staff.email, PASSWORD, "/admin/discounts/new");
  const form = page.getByRole("form", { name: "New discount" });
  const code = `E2E${Date.now()}`;
  await form.getByLabel("Code").fill(code);
  await form.getByLabel("Kind").selectOption({ label: "Fixed amount off" });
  await form.getByLabel(/Amount off/).fill("5.00");
  await form.getByLabel("Valid from (UTC day)").fill("2026-12-10");
  await form.getByLabel("Valid until (UTC day, exclusive)").fill("2026-12-01");
  await form.getByRole("button", { name: "Create discount" }).click();
  await expect(form.getByRole("alert")).toHaveText("Please correct the highlighted fields.");
  const until = form.getByLabel("Valid until (UTC day, exclusive)");
  await expect(until).toHaveAttribute("aria-invalid", "true");
  await expect(until).toHaveAccessibleDescription("Valid until must be after Valid from.");
  await expect(form.getByLabel("Kind")).toHaveValue("fixed");
  await expect(form.getByLabel(/Amount off/)).toHaveValue("5.00");
  await expect(form.getByLabel("Valid from (UTC day)")).toHaveValue("2026-12-10");
  await expect(until).toHaveValue("2026-12-01");
  // refused by the API as a whole (no field in `loc`): its message, never "see `errors`"
  await until.fill("");
  await form.getByLabel("Kind").selectOption({ label: "Percentage off" });
  await form.getByLabel("Percent off").fill("150");
  await form.getByRole("button", { name: "Create discount" }).click();
  await expect(form.getByRole("alert")).toHaveText("A percentage discount needs a value between 1 and 100.");
  await expect(page.getByRole("main")).not.toContainText("see `errors`");
  await expect(form.getByLabel("Code")).toHaveValue(code);
  await expect(form.getByLabel("Percent off")).toHaveValue("150");
});

test("the discount codes are listed newest first, a page at a time", async ({ page, request, shop }) => {
  const staff = await createStaff(request, shop, "discount-pages");
  const prefix = `PG${Date.now()}`;
  const codes = Array.from({ length: 26 }, (_, n) => `${prefix}${String(n).padStart(2, "0")}`);
  const [oldest, newest] = [`${prefix}00`, `${prefix}25`];
  for (const code of codes) {
    const res = await request.post(`${shop.apiUrl}/api/v1/admin/discounts`, {
      headers: { Authorization: `Bearer ${staff.token}` },
      data: { code, kind: "percentage", value: 5 },
    });
    expect(res.status(), await res.text()).toBe(201);
  }
  await signInThroughForm(page, staff.email, PASSWORD, "/admin/discounts");
  const table = page.getByRole("table", { name: "Discount codes, newest first" });
  await expect(table.getByRole("row").nth(1)).toContainText(newest);
  await expect(table.getByRole("link", { name: oldest, exact: true })).toHaveCount(0);
  await page.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/\/admin\/discounts\?cursor=/);
  await expect(page.getByRole("link", { name: oldest, exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: newest, exact: true })).toHaveCount(0);
  await expectAccessible(page, "discounts, second page");
});

test("renaming a product without its own search headline renames its page title too", async ({ page, request, shop }) => {
  test.slow();
  const staff = await createStaff(request, shop, "rename");
  const suffix = `${Date.now()}`.slice(-8);
  const { id, slug } = await createProductViaApi(request, shop, staff.token, { title: `Rename Vase ${suffix}` });
  await signInThroughForm(page, staff.email, PASSWORD, `/admin/products/${id}`);
  const form = page.getByRole("form", { name: "Product details" });
  // empty: the page title follows the product title
  await expect(form.getByLabel("Headline in search results")).toHaveValue("");
  await form.getByLabel("Title").fill(`Renamed Vase ${suffix}`);
  await form.getByRole("button", { name: "Save product" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Product saved." })).toBeVisible();
  await page.reload();
  await expect(form.getByLabel("Headline in search results")).toHaveValue("");
  await expect
    .poll(async () => { await page.goto(`/p/${slug}`); return page.title(); }, { timeout: 60_000, intervals: [1000, 2000, 3000] })
    .toContain(`Renamed Vase ${suffix}`);
});

test("the Overview's orders waiting for fulfilment include a partly refunded order with items to ship", async ({ page, request, shop }) => {
  test.slow();
  const buyer = await createCustomer(request, shop, "awaiting-buyer", "Awaiting Buyer");
  const token = await apiToken(request, shop, buyer);
  const order = await placeOrder(request, shop, token);
  await payOrder(request, shop, token, order.id);
  const staff = await createStaff(request, shop, "awaiting-staff");
  const refund = await request.post(`${shop.apiUrl}/api/v1/admin/orders/${order.id}/refund`, {
    headers: { Authorization: `Bearer ${staff.token}` },
    data: { amount: 100, reason: "goodwill" },
  });
  expect(refund.status(), await refund.text()).toBe(200);

  await signInThroughForm(page, staff.email, PASSWORD, "/admin");
  await page.getByRole("link", { name: /Waiting for fulfilment/ }).click();
  await expect(page).toHaveURL(/\/admin\/orders\?awaiting_fulfilment=true$/);
  await expect(page.getByLabel("Only orders waiting for fulfilment (paid, items still to ship)")).toBeChecked();
  await expect(page.getByRole("row").filter({ hasText: order.number })).toContainText("partially refunded");
  for (const status of await page.getByRole("row").locator("td:nth-child(4)").allTextContents()) {
    expect(["paid", "partially fulfilled", "partially refunded"]).toContain(status);
  }
});

test("every admin page's tab title says Admin, the Overview's too", async ({ page, request, shop }) => {
  const email = await createCustomer(request, shop, "staff-titles", "Title Staff");
  promoteToAdmin(shop, email);
  await signInThroughForm(page, email, PASSWORD, "/admin");
  await expect(page.getByRole("heading", { level: 1, name: "Overview" })).toBeVisible();
  await expect(page).toHaveTitle("Overview · Admin · Mercato");
  await page.getByRole("navigation", { name: "Admin" }).getByRole("link", { name: "Orders" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Orders" })).toBeVisible();
  await expect(page).toHaveTitle("Orders · Admin · Mercato");
});

test("staff see an order's lines in the customer's numbers: before the discount, the discount beneath", async ({ page, browser, request, shop }) => {
  test.slow();
  const staff = await createStaff(request, shop, "line-amounts");
  const product = await createProductViaApi(request, shop, staff.token, { title: `Line Amount Lamp ${Date.now()}`, stock: 5 }); // €25.00
  const code = `TENOFF${Date.now()}`;
  const discount = await request.post(`${shop.apiUrl}/api/v1/admin/discounts`, {
    headers: { Authorization: `Bearer ${staff.token}` },
    data: { code, kind: "percentage", value: 10 },
  });
  expect(discount.status(), await discount.text()).toBe(201);

  // a customer orders two with the code: the line is €50.00 before €5.00 off, €45.00 after
  const buyerEmail = await createCustomer(request, shop, "line-amounts-buyer", "Line Buyer");
  const auth = { Authorization: `Bearer ${await apiToken(request, shop, buyerEmail)}` };
  const cart = (await (await request.post(`${shop.apiUrl}/api/v1/carts`, { headers: auth })).json()) as { id: string };
  const added = await request.post(`${shop.apiUrl}/api/v1/carts/${cart.id}/lines`, { headers: auth, data: { sku: product.sku, quantity: 2 } });
  expect(added.status(), await added.text()).toBeLessThan(300);
  const applied = await request.post(`${shop.apiUrl}/api/v1/carts/${cart.id}/discount-codes`, { headers: auth, data: { code } });
  expect(applied.status(), await applied.text()).toBe(200);
  const address = { first_name: "Line", last_name: "Buyer", line1: "Invalidenstraße 117", postal_code: "10115", city: "Berlin", country: "DE" };
  const addressed = await request.put(`${shop.apiUrl}/api/v1/carts/${cart.id}/address`, { headers: auth, data: { email: buyerEmail, shipping_address: address, same_as_shipping: true } });
  expect(addressed.status(), await addressed.text()).toBe(200);
  const options = (await (await request.get(`${shop.apiUrl}/api/v1/carts/${cart.id}/shipping-options`, { headers: auth })).json()) as { items: Array<{ code: string }> };
  const shipping = await request.put(`${shop.apiUrl}/api/v1/carts/${cart.id}/shipping-method`, { headers: auth, data: { code: options.items[0]!.code } });
  expect(shipping.status(), await shipping.text()).toBe(200);
  const placed = await request.post(`${shop.apiUrl}/api/v1/checkout`, { headers: { ...auth, "Idempotency-Key": `line-amounts-${Date.now()}` }, data: { cart_id: cart.id } });
  expect(placed.status(), await placed.text()).toBe(201);
  const order = (await placed.json()) as { id: string; lines: Array<{ subtotal: { amount: number }; discount: { amount: number }; total: { amount: number } }> };
  expect(order.lines.map((l) => [l.subtotal.amount, l.discount.amount, l.total.amount])).toEqual([[5000, 500, 4500]]);

  await signInThroughForm(page, staff.email, PASSWORD, `/admin/orders/${order.id}`);
  const staffLine = page.getByRole("table", { name: "Items ordered" }).getByRole("row").filter({ hasText: product.sku });
  await expect(staffLine).toContainText("€50.00");
  await expect(staffLine).toContainText("−€5.00 discount");
  await expect(staffLine).not.toContainText("€45.00");
  await expect(page.getByText("Included tax", { exact: true })).toBeVisible(); // the shop's prices include tax, as on the customer's page
  await expectAccessible(page, "order with a discount");

  const shopper = await browser.newContext({ baseURL: shop.storefrontUrl });
  const buyer = await shopper.newPage();
  await signInThroughForm(buyer, buyerEmail, PASSWORD, `/account/orders/${order.id}`);
  const customerLine = buyer.getByRole("listitem").filter({ hasText: `SKU ${product.sku}` });
  await expect(customerLine).toContainText("€50.00");
  // the same amount and discount, in the same words, on both pages
  const amounts = async (line: typeof staffLine) => (await line.locator("span.text-right").first().innerText()).replace(/\s+/g, " ");
  expect(await amounts(staffLine)).toBe(await amounts(customerLine));
  await shopper.close();
});
