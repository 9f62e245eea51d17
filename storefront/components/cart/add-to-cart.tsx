"use client";
import { useState, useTransition } from "react";
import { addToCart } from "@/lib/cart/actions";
import { writeCartMirror } from "@/lib/cart/mirror";
import { trackChange } from "@/lib/navigation/pending-changes";

const MAX_QUANTITY = 1_000_000; // the API's limit for one line

/**
 * "Add to cart" for one SKU with its quantity (the product page renders it for the selected
 * variant; `available`: its stock, the most the field offers). Creates the cart when there is
 * none (the server action sets the httpOnly cookie), updates the badge mirror and announces the
 * result politely (no drawer or dialog: the page stays usable, its links clickable, ADR 0057). The API has the last word on stock.
 */
export function AddToCart({ sku, productName, disabled, available }: { sku: string; productName: string; disabled: boolean; available?: number }) {
  const [pending, startTransition] = useTransition();
  const [status, setStatus] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [quantity, setQuantity] = useState("1");
  const max = Math.min(MAX_QUANTITY, Math.max(1, available ?? MAX_QUANTITY));

  function add() {
    if (pending) return; // one add at a time (the button keeps focus, so it is not disabled)
    setStatus(null);
    const count = /^\d{1,7}$/.test(quantity.trim()) ? Number(quantity.trim()) : 0;
    if (count < 1) {
      setStatus({ kind: "error", text: "Enter a quantity of at least 1." });
      return;
    }
    if (count > max) {
      setStatus({ kind: "error", text: `Only ${max} can be added.` });
      return;
    }
    startTransition(async () => {
      let result;
      try {
        result = await trackChange(addToCart(sku, count)); // a link followed meanwhile waits for it
      } catch {
        setStatus({ kind: "error", text: "The connection was lost. Check your connection and try again." });
        return;
      }
      if (!result.ok) {
        setStatus({ kind: "error", text: result.message });
        return;
      }
      writeCartMirror({ id: result.cart.id, count: result.cart.item_count });
      setStatus({ kind: "ok", text: count > 1 ? `Added ${count} × ${productName} to your cart.` : `Added ${productName} to your cart.` });
    });
  }

  return (
    <div>
      <div className="flex flex-col gap-3 sm:flex-row sm:items-end">
        <label className="flex flex-col text-sm font-semibold">
          Quantity
          <input
            type="number"
            inputMode="numeric"
            min={1}
            max={max}
            step={1}
            value={quantity}
            disabled={disabled}
            onChange={(event) => setQuantity(event.target.value)}
            className="mt-1 h-12 w-24 rounded-md border border-gray-300 px-3 font-normal disabled:bg-gray-50"
          />
        </label>
        <button
          type="button"
          onClick={add}
          disabled={disabled}
          aria-disabled={disabled || pending}
          className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60 sm:w-auto"
        >
          Add to cart
        </button>
      </div>
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
