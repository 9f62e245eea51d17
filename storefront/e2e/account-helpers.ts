/**
 * Helpers for the account specs: reading links out of the .eml files, proving the session tokens
 * never reach page JavaScript, creating customers through the API, and screenshots.
 */
import type { APIRequestContext, BrowserContext, Page } from "@playwright/test";
import { expect } from "./fixtures";
import type { Shop } from "./fixtures";

export const PASSWORD = "correct horse battery staple";

export function uniqueEmail(tag: string): string {
  return `acct-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
}

/** The decoded bodies of a MIME message (quoted-printable and base64 parts decoded). */
export function mimeBodies(raw: string): string[] {
  return raw.split(/\r?\n--[^\r\n]+/).map((part) => {
    const split = part.search(/\r?\n\r?\n/);
    if (split < 0) return part;
    const head = part.slice(0, split);
    const body = part.slice(split).replace(/^\r?\n\r?\n/, "");
    if (/Content-Transfer-Encoding:\s*quoted-printable/i.test(head)) {
      // the escapes are bytes of UTF-8 ("€" is =E2=82=AC): decode them as such
      const bytes = body.replace(/=\r?\n/g, "").replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, "latin1").toString("utf8");
    }
    if (/Content-Transfer-Encoding:\s*base64/i.test(head)) return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
    return body;
  });
}

/** Waits for the email to `to` that contains a link to `path` and returns the link (newest first). */
export async function emailedLink(shop: Shop, to: string, path: string, skip = 0): Promise<string> {
  const pattern = new RegExp(`https?://[^\\s"'<>]+${path.replace(/[/]/g, "\\/")}\\?token=[^\\s"'<>&]+`);
  const find = (): string[] =>
    shop
      .readEmails()
      .filter((raw) => new RegExp(`^To: ${to.replace(/[.+]/g, "\\$&")}\\s*$`, "mi").test(raw))
      .flatMap((raw) => mimeBodies(raw).map((body) => pattern.exec(body)?.[0]).filter((l): l is string => !!l).slice(0, 1));
  await expect.poll(() => find().length, { timeout: 30_000, message: `an email to ${to} linking to ${path}` }).toBeGreaterThan(skip);
  return find()[skip]!;
}

/** The session cookies' values never appear in document.cookie, localStorage or sessionStorage. */
export async function expectTokensHidden(page: Page, context: BrowserContext, shop: Shop): Promise<void> {
  const cookies = await context.cookies(shop.storefrontUrl);
  const secrets = cookies.filter((c) => /mercato_(at|rt)$/.test(c.name));
  for (const c of secrets) expect(c.httpOnly, `${c.name} is httpOnly`).toBe(true);
  const visible = await page.evaluate(() => `${document.cookie}\n${JSON.stringify({ ...localStorage })}\n${JSON.stringify({ ...sessionStorage })}`);
  for (const c of secrets) expect(visible).not.toContain(c.value);
  expect(visible).not.toMatch(/mercato_(at|rt)=/);
  expect(visible).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/); // no JWT at all
}

/** A customer created through the API (the browser journey of registering is its own test). */
export async function createCustomer(request: APIRequestContext, shop: Shop, tag: string, fullName = "Test Shopper"): Promise<string> {
  const email = uniqueEmail(tag);
  const res = await request.post(`${shop.apiUrl}/api/v1/auth/register`, { data: { email, password: PASSWORD, full_name: fullName } });
  expect(res.status()).toBe(201);
  return email;
}

export async function apiToken(request: APIRequestContext, shop: Shop, email: string, password = PASSWORD): Promise<string> {
  const res = await request.post(`${shop.apiUrl}/api/v1/auth/token`, { form: { username: email, password, grant_type: "password" } });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function signInThroughForm(page: Page, email: string, password = PASSWORD, next = "/account"): Promise<void> {
  await page.goto(`/account/sign-in?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(new RegExp(`${next.replace(/[/?]/g, "\\$&")}$`));
}

/** Full-page screenshots at desktop (1280) and phone (390) width under test-results/screenshots/. */
export async function screenshots(page: Page, name: string): Promise<void> {
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
    await page.screenshot({ path: `test-results/screenshots/account-${name}-${width}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

/** A customer's order placed through the API (awaiting payment), for the history pages. */
export async function placeOrder(request: APIRequestContext, shop: Shop, token: string): Promise<{ id: string; number: string; title: string }> {
  const auth = { Authorization: `Bearer ${token}` };
  const list = (await (await request.get(`${shop.apiUrl}/api/v1/products?limit=10&in_stock=true&sort=price_desc`)).json()) as { items: Array<{ slug: string }> };
  let sku: string | null = null;
  let title = "";
  for (const { slug } of list.items) {
    const product = (await (await request.get(`${shop.apiUrl}/api/v1/products/${slug}`)).json()) as { title: string; variants: Array<{ sku: string; available: number; is_active: boolean }> };
    const variant = product.variants.find((v) => v.is_active && v.available > 3);
    if (variant) {
      sku = variant.sku;
      title = product.title;
      break;
    }
  }
  expect(sku, "a product with stock").toBeTruthy();
  const cart = (await (await request.post(`${shop.apiUrl}/api/v1/carts`, { headers: auth })).json()) as { id: string; email?: string };
  const added = await request.post(`${shop.apiUrl}/api/v1/carts/${cart.id}/lines`, { headers: auth, data: { sku, quantity: 1 } });
  expect(added.status()).toBeLessThan(300);
  const address = { first_name: "History", last_name: "Shopper", line1: "Invalidenstraße 117", postal_code: "10115", city: "Berlin", country: "DE" };
  const me = (await (await request.get(`${shop.apiUrl}/api/v1/me`, { headers: auth })).json()) as { email: string };
  const addr = await request.put(`${shop.apiUrl}/api/v1/carts/${cart.id}/address`, { headers: auth, data: { email: me.email, shipping_address: address, same_as_shipping: true } });
  expect(addr.status()).toBe(200);
  const options = (await (await request.get(`${shop.apiUrl}/api/v1/carts/${cart.id}/shipping-options`, { headers: auth })).json()) as { items: Array<{ code: string }> };
  const ship = await request.put(`${shop.apiUrl}/api/v1/carts/${cart.id}/shipping-method`, { headers: auth, data: { code: options.items[0]!.code } });
  expect(ship.status()).toBe(200);
  const checkout = await request.post(`${shop.apiUrl}/api/v1/checkout`, { headers: { ...auth, "Idempotency-Key": `acct-${Date.now()}` }, data: { cart_id: cart.id } });
  expect(checkout.status(), await checkout.text()).toBeLessThan(300);
  const body = (await checkout.json()) as { order?: { id: string; number: string }; id?: string; number?: string };
  const order = body.order ?? { id: body.id!, number: body.number! };
  return { ...order, title };
}
