import type { Metadata } from "next";
import { AdoptCart } from "@/components/cart/adopt-cart";
import { CartEditor, EmptyCart } from "@/components/cart/cart-editor";
import { getCart } from "@/lib/cart/server";

export const metadata: Metadata = { title: "Cart", alternates: { canonical: "/cart" }, robots: { index: false } };

/** The cart page (never cached: it reads the cart cookie). `?cart_id=` adopts an emailed cart. */
export default async function CartPage({ searchParams }: PageProps<"/cart">) {
  const params = await searchParams;
  const linked = typeof params.cart_id === "string" ? params.cart_id : null;
  const cart = await getCart();
  const adopt = linked && linked.toLowerCase() !== cart?.id;
  const open = cart && cart.status === "open" ? cart : null;
  return (
    <div className="mx-auto max-w-3xl">
      <h1 className="mb-6 text-2xl font-bold">Your cart</h1>
      {adopt ? (
        <AdoptCart cartId={linked} returnTo="/cart" />
      ) : open ? (
        <CartEditor initialCart={open} />
      ) : (
        <EmptyCart />
      )}
    </div>
  );
}
