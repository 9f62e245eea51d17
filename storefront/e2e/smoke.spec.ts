import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { apiToken, createCustomer } from "./account-helpers";
import { expect, test } from "./fixtures";

test("the home page lists real products from the API", async ({ page, request, shop }, testInfo) => {
  const res = await request.get(`${shop.apiUrl}/api/v1/products?sort=newest&limit=12`);
  expect(res.ok()).toBe(true);
  const { items } = (await res.json()) as { items: { title: string }[] };
  expect(items.length).toBeGreaterThan(0);

  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  const csp = response?.headers()["content-security-policy"] ?? "";
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);

  await expect(page.getByRole("heading", { level: 2, name: "New arrivals" })).toBeVisible();
  const grid = page.getByRole("list", { name: "New arrivals" });
  for (const item of items.slice(0, 4)) {
    await expect(grid.getByRole("link", { name: item.title, exact: true }).first()).toBeVisible();
  }
  await expect(page.getByRole("navigation", { name: "Categories" }).getByRole("link").first()).toBeVisible();
  await expect(page.getByRole("combobox", { name: "Search products" })).toBeVisible();
  await expect(page.getByRole("link", { name: /^Cart/ })).toContainText("0");

  await page.screenshot({ path: `test-results/screenshots/home-1280.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `test-results/screenshots/home-390.png`, fullPage: true });
  testInfo.annotations.push({ type: "screenshots", description: "test-results/screenshots/home-*.png" });
});

test("the skip link moves focus to the main content", async ({ page }) => {
  await page.goto("/");
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await expect(skip).toBeFocused();
  await page.keyboard.press("Enter");
  await expect(page.locator("main#main")).toBeFocused();
});

test.describe("CSRF", () => {
  let attacker: Server;
  let attackerOrigin = "";
  let formHtml = "";

  test.beforeAll(async () => {
    // A page on another site (localhost vs 127.0.0.1 are different sites) that auto-posts a form.
    attacker = createServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "text/html" });
      res.end(formHtml);
    });
    await new Promise<void>((resolve) => attacker.listen(0, "127.0.0.1", resolve));
    attackerOrigin = `http://localhost:${(attacker.address() as AddressInfo).port}`;
  });

  test.afterAll(async () => {
    await new Promise<void>((resolve) => attacker.close(() => resolve()));
  });

  test("a cross-site form POST to a state-changing route is refused", async ({ page, context, request, shop }) => {
    const created = await request.post(`${shop.apiUrl}/api/v1/carts`);
    expect(created.status()).toBe(201);
    const cartId = ((await created.json()) as { id: string }).id;
    formHtml = `<!doctype html><form method="post" action="${shop.storefrontUrl}/api/cart/adopt">
      <input name="cart_id" value="${cartId}"></form><script>document.forms[0].submit()</script>`;

    const refused = page.waitForResponse((r) => r.url() === `${shop.storefrontUrl}/api/cart/adopt`);
    await page.goto(attackerOrigin);
    const response = await refused;
    expect(response.status()).toBe(403);
    expect(response.headers()["content-type"]).toContain("application/problem+json");
    expect(((await response.json()) as { code: string }).code).toBe("csrf_refused");
    const cookies = await context.cookies(shop.storefrontUrl);
    expect(cookies.map((c) => c.name)).not.toContain("mercato_cart");

    // Control: the same request from the shop's own page is accepted and sets the httpOnly cookie,
    // so the refusal above is the CSRF check and not a broken route.
    await page.goto("/");
    const status = await page.evaluate(async (id) => {
      const r = await fetch("/api/cart/adopt", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ cart_id: id }),
      });
      return r.status;
    }, cartId);
    expect(status).toBe(200);
    const cart = (await context.cookies(shop.storefrontUrl)).find((c) => c.name === "mercato_cart");
    expect(cart?.value).toBe(cartId);
    expect(cart?.httpOnly).toBe(true);
    expect(cart?.sameSite).toBe("Lax");
    expect(await page.evaluate(() => document.cookie)).not.toContain(cartId);
  });
});

test.describe("hostile addresses", () => {
  test("a path whose escapes are not UTF-8 is a 400 problem, not a 500", async ({ request }) => {
    for (const path of ["/p/%FF", "/orders/%ED%A0%80", "/track/%C0%AE", "/media/demo/%FF.svg"]) {
      const res = await request.get(path, { maxRedirects: 0 });
      expect(res.status(), path).toBe(400);
      expect(res.headers()["content-type"], path).toContain("application/problem+json");
      expect(((await res.json()) as { code: string }).code, path).toBe("invalid_path");
    }
  });

  test("an order token the API refuses outright (NUL, too long) is the not-found page", async ({ request }) => {
    const id = "00000000-0000-4000-8000-000000000000";
    for (const token of ["%00", "x".repeat(300)]) {
      const res = await request.get(`/orders/${id}?token=${token}`);
      expect(res.status(), token.slice(0, 8)).toBe(404);
    }
  });

  test("a signed-in visitor's non-ASCII next= is redirected as an encoded same-site path", async ({ request, shop }) => {
    const email = await createCustomer(request, shop, "next-redirect");
    const token = await apiToken(request, shop, email);
    const res = await request.get("/account/sign-in?next=%2F%E3%80%80%2Fevil.example", {
      headers: { Cookie: `mercato_at=${token}` },
      maxRedirects: 0,
    });
    expect(res.status()).toBe(307);
    expect(res.headers()["location"]).toBe("/%E3%80%80/evil.example");
  });
});
