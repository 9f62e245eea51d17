import { expect, test } from "./fixtures";
import {
  ORDER_URL,
  addFromProductPage,
  adminToken,
  closeDrawer,
  emailsMentioning,
  fillCheckout,
  payWithCard,
  pickProduct,
  registerCustomer,
  setStock,
} from "./checkout-helpers";

const uniqueEmail = (prefix: string) => `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;

test("guest checkout with 4242: discount, confirmation turns paid, the emails link to the order", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 2);
  const email = uniqueEmail("guest");
  await addFromProductPage(page, product);
  await closeDrawer(page);
  await fillCheckout(page, { email });

  const total = page.getByTestId("order-total");
  const before = await total.textContent();
  await page.getByLabel("Discount code").fill("NOT-A-CODE");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("not valid");
  await page.getByLabel("Discount code").fill("WELCOME10");
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page.getByText("WELCOME10")).toBeVisible();
  await expect(total).not.toHaveText(before!);
  await expect(page.getByText("Discount", { exact: true })).toBeVisible();

  await page.screenshot({ path: "test-results/screenshots/checkout-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screenshots/checkout-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await payWithCard(page, "4242 4242 4242 4242");
  await expect(page).toHaveURL(ORDER_URL, { timeout: 30_000 });
  const status = page.getByRole("status").filter({ hasText: /payment/i });
  await expect(status).toContainText("Payment received", { timeout: 30_000 });
  await expect(page.getByRole("heading", { level: 1, name: /^Order / })).toBeVisible();
  await expect(page.getByText(product.title)).toBeVisible();
  await expect(page.getByText("Hauptstraße 1")).toBeVisible();
  // the cart is gone after the order went through
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("0");

  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "").trim();
  const orderPath = new URL(page.url()).pathname + new URL(page.url()).search;
  await expect.poll(() => emailsMentioning(shop, number).length, { timeout: 30_000 }).toBeGreaterThan(0);
  const mail = emailsMentioning(shop, number).find((m) => m.includes(`${shop.storefrontUrl}/orders/`));
  expect(mail).toBeTruthy();
  expect(mail).toContain(email);
  const link = /https?:\/\/[^\s"<>]+\/orders\/[0-9a-f-]{36}\?token=[^\s"<>]+/.exec(mail!)?.[0];
  expect(link).toBeTruthy();

  await page.screenshot({ path: "test-results/screenshots/confirmation-1280.png", fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screenshots/confirmation-390.png", fullPage: true });

  // Following the email's link (a fresh browser: guest access by the signed token) shows the order.
  const fresh = await page.context().browser()!.newContext();
  const emailed = await fresh.newPage();
  await emailed.goto(link!.replace(/&amp;/g, "&"));
  await expect(emailed.getByRole("heading", { level: 1, name: `Order ${number}` })).toBeVisible();
  await expect(emailed.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received");
  // without the token a guest gets nothing
  await emailed.goto(`${shop.storefrontUrl}${orderPath.split("?")[0]}`);
  await expect(emailed.getByRole("heading", { level: 1, name: `Order ${number}` })).toHaveCount(0);
  await fresh.close();
});

test("a declined card shows a clear error and a retry on the same order succeeds", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 3);
  const email = uniqueEmail("declined");
  await addFromProductPage(page, product);
  await closeDrawer(page);
  await fillCheckout(page, { email });
  await payWithCard(page, "4000 0000 0000 0002");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Your card was declined", { timeout: 30_000 });
  await expect(page).toHaveURL(/\/checkout$/);

  await page.getByLabel("Card number").fill("4242 4242 4242 4242");
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page).toHaveURL(ORDER_URL, { timeout: 30_000 });
  await expect(page.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received", { timeout: 30_000 });

  // one order: exactly one "received" email for this shopper, and its number is the one paid
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "").trim();
  await expect.poll(() => emailsMentioning(shop, number).length, { timeout: 30_000 }).toBeGreaterThan(0);
  const placed = emailsMentioning(shop, email).filter((m) => /^Subject:.*received/im.test(m));
  expect(placed).toHaveLength(1);
  expect(placed[0]).toContain(number);
});

test("the challenge card needs the bank's approval", async ({ page, context, request, shop }) => {
  const product = await pickProduct(request, shop, 4);
  await addFromProductPage(page, product);
  await closeDrawer(page);
  await fillCheckout(page, { email: uniqueEmail("challenge") });
  await payWithCard(page, "4000 0025 0000 3155");
  const approve = page.getByRole("link", { name: "Approve the payment with your bank" });
  await expect(approve).toBeVisible({ timeout: 30_000 });

  const [bank] = await Promise.all([context.waitForEvent("page"), approve.click()]);
  await bank.getByRole("button", { name: "Approve" }).click();
  await expect(bank.getByText("Payment approved")).toBeVisible();
  await bank.close();

  await page.getByRole("button", { name: "I have approved it — view my order" }).click();
  await expect(page).toHaveURL(ORDER_URL);
  await expect(page.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received", { timeout: 30_000 });
});

test("two tabs buying the last unit: one order, one clear sold-out message", async ({ browser, request, shop }) => {
  const product = await pickProduct(request, shop, 5);
  await setStock(request, shop, await adminToken(request, shop), product.sku, 1);
  const tabs = await Promise.all([browser.newContext(), browser.newContext()]);
  const pages = await Promise.all(tabs.map((c) => c.newPage()));
  for (const [i, page] of pages.entries()) {
    await page.goto(shop.storefrontUrl);
    await addFromProductPage(page, product);
    await closeDrawer(page);
    await fillCheckout(page, { email: uniqueEmail(`tab${i}`) });
    await page.getByLabel("Card number").fill("4242 4242 4242 4242");
    await page.getByLabel("Expiry (MM/YY)").fill("12/34");
    await page.getByLabel("Security code (CVC)").fill("123");
  }
  // both press Pay at the same moment
  await Promise.all(pages.map((page) => page.getByRole("button", { name: /^Pay / }).click()));
  const outcomes = await Promise.all(
    pages.map(async (page) => {
      const soldOut = page.getByRole("main").getByRole("alert").filter({ hasText: "sold out" });
      await expect.poll(async () => ORDER_URL.test(page.url()) || (await soldOut.count()) > 0, { timeout: 30_000 }).toBe(true);
      return ORDER_URL.test(page.url()) ? "ordered" : "sold out";
    }),
  );
  expect(outcomes.sort()).toEqual(["ordered", "sold out"]);
  const loser = pages[outcomes.indexOf("sold out")]!;
  await expect(loser.getByRole("main").getByRole("alert")).toContainText(`${product.title} (${product.variantTitle}) has just sold out`);
  await expect(loser.getByText(/Sold out — remove it|Only \d+ left/).first()).toBeVisible();
  await Promise.all(tabs.map((c) => c.close()));
});

test("a signed-in customer buys and sees the order as its owner", async ({ page, context, request, shop }) => {
  const { email, password } = await registerCustomer(request, shop, "customer");
  await page.goto("/account/sign-in?next=/");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("link", { name: "Account", exact: true })).toBeVisible();

  const product = await pickProduct(request, shop, 6);
  await addFromProductPage(page, product);
  await closeDrawer(page);
  await page.goto("/checkout");
  await expect(page.getByLabel("Email")).toHaveValue(email);
  await fillCheckout(page, { email, firstName: "Grace", lastName: "Hopper" });
  await payWithCard(page, "4242424242424242");
  await expect(page).toHaveURL(ORDER_URL, { timeout: 30_000 });
  await expect(page.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received", { timeout: 30_000 });
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "").trim();

  // the owner sees it through the session alone (no token)
  await page.goto(new URL(page.url()).pathname);
  await expect(page.getByRole("heading", { level: 1, name: `Order ${number}` })).toBeVisible();
  // and it is the customer's order at the API
  const cookies = await context.cookies(shop.storefrontUrl);
  const visible = await page.evaluate(() => document.cookie + JSON.stringify({ ...localStorage }));
  for (const name of ["mercato_at", "mercato_rt"]) {
    const value = cookies.find((c) => c.name === name)?.value;
    expect(value).toBeTruthy();
    expect(visible).not.toContain(value!);
  }
  const access = cookies.find((c) => c.name === "mercato_at")!.value;
  const mine = await request.get(`${shop.apiUrl}/api/v1/orders`, { headers: { Authorization: `Bearer ${access}` } });
  expect(((await mine.json()) as { items: Array<{ number: string }> }).items.map((o) => o.number)).toContain(number);
});

test("a connection lost during payment: the retry reuses the Idempotency-Key and finds the same order", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 7);
  const email = uniqueEmail("lost");
  await addFromProductPage(page, product);
  await closeDrawer(page);
  await fillCheckout(page, { email });
  // The server places and pays the order, but its answer never reaches the browser.
  let lost = 0;
  await page.route("**/checkout", async (route) => {
    if (route.request().method() !== "POST" || lost > 0) return route.continue();
    lost += 1;
    await route.fetch();
    await route.abort("internetdisconnected");
  });
  await payWithCard(page, "4242 4242 4242 4242");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("connection was lost", { timeout: 30_000 });
  expect(lost).toBe(1);
  await page.getByRole("button", { name: /^Pay / }).click();
  await expect(page).toHaveURL(ORDER_URL, { timeout: 30_000 });
  await expect(page.getByRole("status").filter({ hasText: /payment/i })).toContainText("Payment received", { timeout: 30_000 });
  const number = (await page.getByRole("heading", { level: 1 }).textContent())!.replace("Order ", "").trim();
  await expect.poll(() => emailsMentioning(shop, number).length, { timeout: 30_000 }).toBeGreaterThan(0);
  expect(emailsMentioning(shop, email).filter((m) => /^Subject:.*received/im.test(m))).toHaveLength(1);
});
