"use client";
import { useState, useTransition } from "react";
import { addToCart } from "@/lib/cart/actions";
import { openCartDrawer } from "@/lib/cart/events";
import { writeCartMirror } from "@/lib/cart/mirror";

/**
 * "Add to cart" for one SKU (the product page renders it for the selected variant). Creates the
 * cart when there is none (the server action sets the httpOnly cookie), updates the badge mirror,
 * opens the cart drawer and announces the result politely.
 */
export function AddToCart({ sku, productName, disabled }: { sku: string; productName: string; disabled: boolean }) {
  const [pending, startTransition] = useTransition();
  const [status, setStatus] = useState<{ kind: "ok" | "error"; text: string } | null>(null);

  function add() {
    if (pending) return; // one add at a time (the button keeps focus, so it is not disabled)
    setStatus(null);
    startTransition(async () => {
      let result;
      try {
        result = await addToCart(sku, 1);
      } catch {
        setStatus({ kind: "error", text: "The connection was lost. Check your connection and try again." });
        return;
      }
      if (!result.ok) {
        setStatus({ kind: "error", text: result.message });
        return;
      }
      writeCartMirror({ id: result.cart.id, count: result.cart.item_count });
      setStatus({ kind: "ok", text: `Added ${productName} to your cart.` });
      openCartDrawer(result.cart);
    });
  }

  return (
    <div>
      <button
        type="button"
        onClick={add}
        disabled={disabled}
        aria-disabled={disabled || pending}
        className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60 sm:w-auto"
      >
        Add to cart
      </button>
      <p aria-live="polite" className="mt-2 min-h-5 text-sm">
        {pending ? <span className="text-muted">Adding…</span> : null}
        {!pending && status?.kind === "ok" ? <span className="text-green-800">{status.text}</span> : null}
      </p>
      {status?.kind === "error" ? (
        <p role="alert" className="text-sm text-red-800">
          {status.text}
        </p>
      ) : null}
    </div>
  );
}
