/**
 * POST /api/cart/adopt {cart_id}: re-adopt the cart remembered in localStorage when its cookie is
 * gone (cleared cookies, another browser profile restore). The cart must still be open and
 * readable by this shopper, else the answer is {id: null, count: 0}; an existing cart cookie is
 * never replaced. CSRF: proxy.ts refuses
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
  // Nothing to adopt (ordered, expired, or not this shopper's): a normal outcome after checkout or
  // sign-out, answered 200 so that the browser logs no failed request; the mirror forgets it.
  if (!cart || cart.status !== "open") return Response.json({ id: null, count: 0 }, { headers: { "Cache-Control": "no-store" } });
  await setCartId(cart.id);
  return Response.json({ id: cart.id, count: cart.item_count }, { headers: { "Cache-Control": "no-store" } });
}
