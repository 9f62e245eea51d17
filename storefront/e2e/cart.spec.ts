import { expect, test } from "./fixtures";
import { addFromProductPage, fillCheckout, payWithCard, pickProduct } from "./checkout-helpers";

test("add to cart, change the quantity, reload and keep the cart; remove; adopt an emailed cart", async ({ page, context, browser, request, shop }) => {
  const product = await pickProduct(request, shop, 0);
  await addFromProductPage(page, product);
  // the add is announced and the badge follows
  await expect(page.getByText(`Added ${product.title}`)).toBeVisible();
  await expect(page.getByRole("dialog")).toHaveCount(0); // nothing modal over the page
  await expect(page.getByRole("link", { name: "Cart (1 item)", exact: true })).toBeVisible();

  const cookie = (await context.cookies(shop.storefrontUrl)).find((c) => c.name === "mercato_cart");
  expect(cookie?.httpOnly).toBe(true);
  const cartId = cookie!.value;
  expect(await page.evaluate(() => document.cookie)).not.toContain(cartId);
  expect(await page.evaluate(() => localStorage.getItem("mercato.cart"))).toContain(cartId);

  await page.goto("/cart");
  await expect(page.getByRole("heading", { level: 1, name: "Your cart" })).toBeVisible();
  const items = page.getByRole("list", { name: "Cart items" });
  await expect(items.getByRole("listitem")).toHaveCount(1);
  const name = `${product.title} ${product.variantTitle}`;
  const quantity = page.getByRole("spinbutton", { name: `Quantity of ${name}` });
  const subtotal = page.getByTestId("cart-subtotal");
  const before = await subtotal.textContent();
  await expect(quantity).toHaveValue("1");

  await page.getByRole("button", { name: `Increase quantity of ${name}` }).click();
  await expect(quantity).toHaveValue("2");
  await expect(subtotal).not.toHaveText(before!);
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("2"); // the API answered
  await page.screenshot({ path: "test-results/screenshots/cart-1280.png", fullPage: true });

  await page.reload();
  await expect(quantity).toHaveValue("2");
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("2");

  // A lost connection rolls the optimistic change back and says so.
  await page.route("**/cart", (route) => (route.request().method() === "POST" ? route.abort("internetdisconnected") : route.continue()));
  await page.getByRole("button", { name: `Increase quantity of ${name}` }).click();
  await expect(page.getByRole("main").getByRole("alert")).toContainText("connection");
  await expect(quantity).toHaveValue("2");
  await page.unroute("**/cart");

  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: "test-results/screenshots/cart-390.png", fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // The abandoned-cart email's link adopts the cart in a browser that never had it.
  const other = await browser.newContext();
  const elsewhere = await other.newPage();
  await elsewhere.goto(`${shop.storefrontUrl}/cart?cart_id=${cartId}`);
  await expect(elsewhere).toHaveURL(/\/cart$/);
  await expect(elsewhere.getByRole("spinbutton", { name: `Quantity of ${name}` })).toHaveValue("2");
  await other.close();

  // A typed quantity applies on Enter.
  await quantity.fill("3");
  await quantity.press("Enter");
  await expect(quantity).toHaveValue("3");
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("3"); // the API answered
  // What is not a whole number up to the line's limit is not sent, and the field says why.
  for (const typed of ["", "-3", "2.5"]) {
    await quantity.fill(typed);
    await quantity.blur();
    await expect(quantity).toHaveAttribute("aria-invalid", "true");
    await expect(quantity).toHaveAccessibleDescription("Enter a whole number from 1 to 20.");
  }
  await quantity.fill("999");
  await quantity.press("Enter");
  await expect(quantity).toHaveAccessibleDescription("You can buy at most 20 of this item.");
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("You can buy at most 20 of this item.");
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("3");
  // a valid quantity again: nothing is wrong any more
  await quantity.fill("3");
  await quantity.press("Enter");
  await expect(quantity).not.toHaveAttribute("aria-invalid", "true");
  await expect(page.getByRole("main").getByRole("alert")).toHaveCount(0);

  await page.getByRole("button", { name: `Decrease quantity of ${name}` }).click();
  await expect(quantity).toHaveValue("2");
  await page.getByRole("button", { name: `Remove ${name}` }).click();
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("0"); // the API answered
  await page.reload();
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Cart (0 items)", exact: true })).toBeVisible();
});

test("the product page adds the quantity asked for; a typed 0 removes the line", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 2);
  await page.goto(`/p/${product.slug}`);
  await page.getByLabel("Quantity").fill("0");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByRole("main").getByRole("alert")).toHaveText("Enter a quantity of at least 1.");
  await page.getByLabel("Quantity").fill("2");
  await page.getByRole("button", { name: "Add to cart" }).click();
  await expect(page.getByText(`Added 2 × ${product.title}`)).toBeVisible();
  await page.getByRole("link", { name: /cart/i }).click(); // the header's: the only one
  const name = `${product.title} ${product.variantTitle}`;
  const quantity = page.getByRole("spinbutton", { name: `Quantity of ${name}` });
  await expect(quantity).toHaveValue("2");
  await quantity.fill("0");
  await quantity.press("Enter");
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
});

test("a quantity typed in the cart just before Check out reaches the checkout", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 3);
  await addFromProductPage(page, product);
  await page.goto("/cart");
  const name = `${product.title} ${product.variantTitle}`;
  await page.getByRole("main").getByRole("spinbutton", { name: `Quantity of ${name}` }).fill("3");
  await page.getByRole("main").getByRole("link", { name: "Check out" }).click(); // leaving the field applies it
  await expect(page).toHaveURL(/\/checkout/);
  await expect(page.getByRole("main").getByText(/× 3\b/).first()).toBeVisible();
});

test("the header's cart link followed while an add is on its way shows the added line", async ({ page, request, shop }) => {
  const product = await pickProduct(request, shop, 4);
  await page.goto(`/p/${product.slug}`);
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.getByRole("banner").getByRole("link", { name: /^Cart/ }).click(); // at once, no waiting
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByRole("main").getByText(product.title).first()).toBeVisible();
});

test("cart, checkout and order pages are never cached", async ({ request, shop }) => {
  for (const path of ["/cart", "/checkout", "/cart?cart_id=00000000-0000-4000-8000-000000000000"]) {
    const res = await request.get(`${shop.storefrontUrl}${path}`);
    expect(res.status()).toBe(200);
    expect(res.headers()["cache-control"]).toContain("no-store");
  }
  const order = await request.get(`${shop.storefrontUrl}/orders/00000000-0000-4000-8000-000000000000?token=forged`);
  expect(order.status()).toBe(404);
  const status = await request.get(`${shop.storefrontUrl}/orders/not-an-id/status`);
  expect(status.status()).toBe(404);
  expect(status.headers()["content-type"]).toContain("application/problem+json");
});

test("an ordered cart whose payment was declined is not counted in the header", async ({ page, request, shop }) => {
  await addFromProductPage(page, await pickProduct(request, shop, 16));
  await expect(page.getByRole("link", { name: "Cart (1 item)", exact: true })).toBeVisible();
  await fillCheckout(page, { email: `badge-${Date.now()}@example.com` });
  await payWithCard(page, "4000 0000 0000 0002");
  await expect(page.getByRole("main").getByRole("alert")).toContainText("Your card was declined", { timeout: 30_000 });
  const cart = page.getByRole("banner").getByRole("link", { name: /^Cart/ });
  await expect(cart).toHaveAccessibleName("Cart (0 items)");
  await cart.click();
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
  await expect(cart).toHaveAccessibleName("Cart (0 items)");
  await page.reload();
  await expect(cart).toHaveAccessibleName("Cart (0 items)");
  await page.goto("/");
  await expect(cart).toHaveAccessibleName("Cart (0 items)");
});

test("the cart keeps the keyboard's place: a typed quantity, a stepper at its limit, a removed line", async ({ page, request, shop }) => {
  const first = await pickProduct(request, shop, 3);
  const second = await pickProduct(request, shop, 4);
  await addFromProductPage(page, first);
  await addFromProductPage(page, second);
  await page.goto("/cart");
  const name = `${first.title} ${first.variantTitle}`;
  const quantity = page.getByRole("spinbutton", { name: `Quantity of ${name}` });

  // a quantity typed and applied with Enter: the field keeps the focus
  await quantity.focus();
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type("2");
  await page.keyboard.press("Enter");
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("3"); // the API answered
  await expect(quantity).toHaveValue("2");
  await expect(quantity).toBeFocused();

  // "−" down to 1: the button cannot go further but keeps the focus
  const decrease = page.getByRole("button", { name: `Decrease quantity of ${name}` });
  await decrease.focus();
  await page.keyboard.press("Enter");
  await expect(quantity).toHaveValue("1");
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("2");
  await expect(decrease).toBeDisabled();
  await expect(decrease).toBeFocused();
  await page.keyboard.press("Enter"); // nothing happens
  await expect(quantity).toHaveValue("1");

  // a removed line: the focus goes to the list, then to the empty cart's link. The cart's
  // changes answer slowly here, so the second removal is made before the first one's answer
  // (which must not bring the second line back on screen, nor take the focus away).
  let answered = 0;
  await page.route("**/cart", async (route) => {
    if (route.request().method() !== "POST") return route.continue();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const response = await route.fetch();
    answered += 1;
    await route.fulfill({ response });
  });
  await page.getByRole("button", { name: `Remove ${name}` }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("list", { name: "Cart items" })).toBeFocused();
  await page.getByRole("button", { name: `Remove ${second.title} ${second.variantTitle}` }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
  await expect.poll(() => answered, { timeout: 30_000 }).toBe(2); // both removals answered
  await expect(page.getByText("Your cart is empty.")).toBeVisible();
  await expect(page.getByRole("link", { name: "Continue shopping" })).toBeFocused();
});
