import { spawnSync } from "node:child_process";
import path from "node:path";
import type { APIRequestContext } from "@playwright/test";
import { apiToken, createCustomer } from "./account-helpers";
import { expect, type Shop } from "./fixtures";

/** `mercato users create-admin EMAIL` against the harness's data dir (promotes the account). */
export function promoteToAdmin(shop: Shop, email: string): void {
  const repo = path.resolve(__dirname, "..", "..");
  const result = spawnSync(path.join(repo, ".venv", "bin", "mercato"), ["users", "create-admin", email], {
    cwd: repo,
    encoding: "utf8",
    env: { ...process.env, MERCATO_DATA_DIR: shop.dataDir, MERCATO_ENV: "development", MERCATO_LOG_JSON: "false" },
  });
  expect(result.status, result.stderr).toBe(0);
}

/** A staff member signed up through the API and promoted: their email and bearer token. */
export async function createStaff(request: APIRequestContext, shop: Shop, tag: string): Promise<{ email: string; token: string }> {
  const email = await createCustomer(request, shop, tag, "Shop Staff");
  promoteToAdmin(shop, email);
  return { email, token: await apiToken(request, shop, email) };
}

/** A published product with one variant made through the admin API; its id, slug and SKU. */
export async function createProductViaApi(
  request: APIRequestContext,
  shop: Shop,
  token: string,
  { title, stock = 2, seoTitle = "" }: { title: string; stock?: number; seoTitle?: string },
): Promise<{ id: string; slug: string; sku: string }> {
  const sku = `E2E-${Date.now()}-${Math.floor(Math.random() * 1e6)}`;
  const res = await request.post(`${shop.apiUrl}/api/v1/admin/products`, {
    headers: { Authorization: `Bearer ${token}` },
    data: {
      title,
      status: "active",
      seo_title: seoTitle,
      options: [],
      variants: [{ sku, price: { amount: 2500, currency: "EUR" }, stock, is_active: true, weight_grams: 500, options: {} }],
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  const product = (await res.json()) as { id: string; slug: string };
  return { id: product.id, slug: product.slug, sku };
}

/** Pay a customer's order with the sandbox card through the API and wait until it is paid. */
export async function payOrder(request: APIRequestContext, shop: Shop, token: string, orderId: string): Promise<void> {
  const auth = { Authorization: `Bearer ${token}` };
  const started = await request.post(`${shop.apiUrl}/api/v1/orders/${orderId}/payment`, { headers: auth });
  expect(started.status(), await started.text()).toBe(200);
  const { payment } = (await started.json()) as { payment: { intent_id: string; client_secret: string } };
  const confirmed = await request.post(`${shop.apiUrl}/api/v1/payments/sandbox/intents/${payment.intent_id}/confirm`, {
    data: { client_secret: payment.client_secret, card_number: "4242424242424242", exp_month: 12, exp_year: 2040, cvc: "123" },
  });
  expect(confirmed.status(), await confirmed.text()).toBe(200);
  await expect
    .poll(async () => ((await (await request.get(`${shop.apiUrl}/api/v1/orders/${orderId}`, { headers: auth })).json()) as { status: string }).status, {
      timeout: 30_000,
    })
    .toBe("paid");
}
