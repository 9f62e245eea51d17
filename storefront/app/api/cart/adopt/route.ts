/**
 * POST /api/cart/adopt {cart_id}: re-adopt the cart remembered in localStorage when its cookie is
 * gone (cleared cookies, another browser profile restore). The cart must still be open and
 * readable by this shopper; an existing cart cookie is never replaced. CSRF: proxy.ts refuses
 * cross-site requests before this runs.
 */
import { problemResponse } from "@/lib/api/problem-response";
import { getCart, getCartId, setCartId } from "@/lib/cart/server";
import { isCartId } from "@/lib/cart/mirror";

export const dynamic = "force-dynamic";

async function readCartId(request: Request): Promise<unknown> {
  const type = request.headers.get("content-type") ?? "";
  try {
    if (type.includes("application/json")) {
      const body: unknown = await request.json();
      return body && typeof body === "object" ? (body as Record<string, unknown>).cart_id : undefined;
    }
    if (type.includes("form")) return (await request.formData()).get("cart_id");
  } catch {
    return undefined;
  }
  return undefined;
}

export async function POST(request: Request): Promise<Response> {
  const current = await getCartId();
  if (current) {
    const cart = await getCart(current);
    if (cart) return Response.json({ id: cart.id, count: cart.item_count }, { headers: { "Cache-Control": "no-store" } });
  }
  const candidate = await readCartId(request);
  if (!isCartId(candidate)) return problemResponse(422, "validation_error", "cart_id must be a cart id (UUID).");
  const cart = await getCart(candidate);
  if (!cart || cart.status !== "open") return problemResponse(404, "cart_not_found", "That cart is gone.");
  await setCartId(cart.id);
  return Response.json({ id: cart.id, count: cart.item_count }, { headers: { "Cache-Control": "no-store" } });
}
