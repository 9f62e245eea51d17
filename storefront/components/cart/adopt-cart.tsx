"use client";
import { useEffect, useRef, useState } from "react";
import { useRouter } from "next/navigation";
import { adoptCart } from "@/lib/cart/actions";
import { writeCartMirror } from "@/lib/cart/mirror";

/**
 * Adopts the cart an email links to (`?cart_id=…`): a server action sets the cart cookie (pages
 * cannot set cookies while rendering), then the page reloads without the parameter.
 */
export function AdoptCart({ cartId, returnTo }: { cartId: string; returnTo: string }) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    adoptCart(cartId)
      .then((result) => {
        if (result.ok) {
          writeCartMirror({ id: result.cart.id, count: result.cart.item_count });
          router.replace(returnTo);
          router.refresh();
        } else {
          setError(result.message);
        }
      })
      .catch(() => setError("The connection was lost. Reload the page to try again."));
  }, [cartId, returnTo, router]);
  return error ? (
    <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
      {error}
    </p>
  ) : (
    <p role="status">Restoring your cart…</p>
  );
}
