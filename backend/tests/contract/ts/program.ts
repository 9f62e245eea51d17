// Type-checked (tsc --strict) against the client generated from the OpenAPI document, the way the
// storefront uses it (openapi-typescript + openapi-fetch, by path). It must compile: a wrong
// shape in the spec (error bodies without `code`, optional Idempotency-Key, bare-array lists)
// breaks this file, and tests/contract/test_typescript_client.py fails.
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/api";

type Problem = components["schemas"]["Problem"];
type Money = components["schemas"]["Money"];

const api = createClient<paths>({ baseUrl: "http://127.0.0.1:8000" });

/** Place an order; a 409 problem's stable `code` (e.g. "insufficient_stock") is typed. */
export async function placeOrder(cartId: string, key: string): Promise<string> {
  const { data, error, response } = await api.POST("/api/v1/checkout", {
    params: { header: { "Idempotency-Key": key } },
    body: { cart_id: cartId },
  });
  if (error !== undefined) {
    if (response.status === 409) {
      const conflict: Problem = error;
      const code: string = conflict.code;
      const sku: string | undefined = conflict.sku;
      return `${code}:${sku ?? ""}`;
    }
    const fieldErrors = error.errors ?? [];
    return `${error.status} ${error.code} ${fieldErrors.map((e) => e.loc.join(".")).join(",")}`;
  }
  const total: Money = data.total;
  return `${data.id} ${total.amount} ${total.currency} ${data.payment?.client_secret ?? ""}`;
}

/** The Idempotency-Key header is required: forgetting it does not compile. */
export async function placeOrderWithoutKey(cartId: string): Promise<void> {
  // @ts-expect-error -- params.header["Idempotency-Key"] is required
  await api.POST("/api/v1/checkout", { body: { cart_id: cartId } });
}

/** Lists are `{items, next_cursor}`; a guest reads a cart without a token. */
export async function firstCategoryAndCart(cartId: string): Promise<string> {
  const categories = await api.GET("/api/v1/categories");
  const first = categories.data?.items[0]?.slug ?? "";
  const next: string | null | undefined = categories.data?.next_cursor;
  const cart = await api.GET("/api/v1/carts/{cart_id}", { params: { path: { cart_id: cartId } } });
  if (cart.error !== undefined) {
    return cart.error.code; // 404 cart_not_found is a Problem too
  }
  return `${first} ${String(next)} ${cart.data.lines.length}`;
}

/** Admin updates need the ETag they read. */
export async function renameProduct(id: string, etag: string): Promise<number> {
  const { error, response } = await api.PATCH("/api/v1/admin/products/{product_id}", {
    params: { path: { product_id: id }, header: { "If-Match": etag } },
    body: { name: "Renamed" },
  });
  if (error !== undefined && (response.status === 412 || response.status === 428)) {
    return error.current_version ?? -1;
  }
  return response.status;
}
