"use client";
import { useEffect } from "react";
import { useRouter } from "next/navigation";
import { readCartMirror, writeCartMirror, type CartMirror } from "@/lib/cart/mirror";

/**
 * Keeps the localStorage mirror in step with the server's view of the cart cookie:
 * - the server has a cart → mirror it (id + count);
 * - the server has none but the mirror remembers one → ask /api/cart/adopt to restore the cookie,
 *   then refresh the server components; if the cart is gone (`id: null`), forget it.
 */
export function CartMirrorSync({ cart }: { cart: CartMirror | null }) {
  const router = useRouter();
  const id = cart?.id ?? null;
  const count = cart?.count ?? 0;
  useEffect(() => {
    if (id) {
      writeCartMirror({ id, count });
      return;
    }
    const remembered = readCartMirror();
    if (!remembered) return;
    const controller = new AbortController();
    fetch("/api/cart/adopt", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ cart_id: remembered.id }),
      signal: controller.signal,
    })
      .then(async (res) => {
        if (res.ok) {
          const adopted = (await res.json()) as CartMirror | { id: null };
          if (adopted.id === null) {
            writeCartMirror(null); // ordered, expired or not this shopper's: forget it
            return;
          }
          writeCartMirror(adopted);
          router.refresh();
        } else if (res.status === 404 || res.status === 422) {
          writeCartMirror(null);
        }
      })
      .catch(() => {
        // offline or aborted: try again on the next navigation
      });
    return () => controller.abort();
  }, [id, count, router]);
  return null;
}
