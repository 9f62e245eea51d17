/**
 * Helpers for the cart and checkout specs: pick a product from the real API, add it to the cart
 * from its product page, fill the checkout, and (for stock tests) act as an admin created with
 * `mercato users create-admin` against the harness's data dir.
 */
import type { APIRequestContext, Page } from "@playwright/test";
import { promoteToAdmin } from "./admin-helpers";
import { expect } from "./fixtures";
import type { Shop } from "./fixtures";

export interface PickedProduct {
  slug: string;
  title: string;
  sku: string;
  variantTitle: string;
}

interface ApiVariant {
  sku: string;
  title: string;
  available: number;
  in_stock: boolean;
}

/**
 * The `index`-th in-stock product (newest first) whose first variant has at least `minStock`
 * units: each spec passes its own index so specs never share a SKU's stock.
 */
export async function pickProduct(request: APIRequestContext, shop: Shop, index: number, minStock = 5): Promise<PickedProduct> {
  const res = await request.get(`${shop.apiUrl}/api/v1/products?sort=name&in_stock=true&limit=100`);
  expect(res.ok()).toBe(true);
  const { items } = (await res.json()) as { items: Array<{ slug: string; title: string }> };
  const found: PickedProduct[] = [];
  for (const item of items) {
    const detail = await request.get(`${shop.apiUrl}/api/v1/products/${item.slug}`);
    const product = (await detail.json()) as { title: string; variants: ApiVariant[] };
    const first = product.variants[0];
    if (first && first.in_stock && first.available >= minStock) {
      found.push({ slug: item.slug, title: product.title, sku: first.sku, variantTitle: first.title });
      if (found.length > index) return found[index]!;
    }
  }
  throw new Error(`fewer than ${index + 1} products with stock ≥ ${minStock}`);
}

/** From the product page: "Add to cart" for the first (selected) variant, announced on the page. */
export async function addFromProductPage(page: Page, product: PickedProduct): Promise<void> {
  await page.goto(`/p/${product.slug}`);
  await page.getByRole("button", { name: "Add to cart" }).first().click();
  await expect(page.getByText(`Added ${product.title} to your cart.`)).toBeVisible();
}

export interface Contact {
  email: string;
  firstName?: string;
  lastName?: string;
}

/** Fill contact + address, continue, pick the first shipping option. */
export async function fillCheckout(page: Page, contact: Contact): Promise<void> {
  await page.goto("/checkout");
  await expect(page.getByRole("heading", { level: 1, name: "Checkout" })).toBeVisible();
  await page.getByLabel("Email").fill(contact.email);
  await page.getByLabel("First name").fill(contact.firstName ?? "Ada");
  await page.getByLabel("Last name").fill(contact.lastName ?? "Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("Hauptstraße 1");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Country").selectOption("DE");
  await page.getByRole("button", { name: "Continue to shipping" }).click();
  const firstOption = page.getByRole("group", { name: "Shipping method" }).getByRole("radio").first();
  await expect(firstOption).toBeVisible();
  await firstOption.check();
  await expect(firstOption).toBeChecked();
  await expect(page.getByRole("button", { name: /^Pay / })).toBeEnabled();
}

export async function payWithCard(page: Page, number: string): Promise<void> {
  await page.getByLabel("Card number").fill(number);
  await page.getByLabel("Expiry (MM/YY)").fill("12/34");
  await page.getByLabel("Security code (CVC)").fill("123");
  await page.getByRole("button", { name: /^Pay / }).click();
}

export const ORDER_URL = /\/orders\/[0-9a-f-]{36}\?token=/;

/** Register a customer through the API (unique email). */
export async function registerCustomer(request: APIRequestContext, shop: Shop, prefix: string) {
  const email = `${prefix}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.com`;
  const password = "correct horse battery staple";
  const res = await request.post(`${shop.apiUrl}/api/v1/auth/register`, { data: { email, password, full_name: "Grace Hopper" } });
  expect(res.status()).toBe(201);
  return { email, password };
}

async function tokenFor(request: APIRequestContext, shop: Shop, email: string, password: string): Promise<string> {
  const res = await request.post(`${shop.apiUrl}/api/v1/auth/token`, { form: { username: email, password, grant_type: "password" } });
  expect(res.ok()).toBe(true);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** An admin's bearer token: register, then promote with `mercato users create-admin`. */
export async function adminToken(request: APIRequestContext, shop: Shop): Promise<string> {
  const { email, password } = await registerCustomer(request, shop, "admin");
  promoteToAdmin(shop, email);
  return tokenFor(request, shop, email, password);
}

/** Set a SKU's on-hand stock through the admin API. */
export async function setStock(request: APIRequestContext, shop: Shop, token: string, sku: string, onHand: number): Promise<void> {
  const res = await request.post(`${shop.apiUrl}/api/v1/admin/inventory/${encodeURIComponent(sku)}/adjustments`, {
    headers: { Authorization: `Bearer ${token}` },
    data: { on_hand: onHand, reason: "e2e: last unit" },
  });
  expect(res.ok(), await res.text()).toBe(true);
}

/** The raw .eml texts that mention `needle` (soft line breaks of quoted-printable undone). */
export function emailsMentioning(shop: Shop, needle: string): string[] {
  return shop
    .readEmails()
    .map((raw) => raw.replace(/=\r?\n/g, "").replace(/=3D/g, "="))
    .filter((text) => text.includes(needle));
}
