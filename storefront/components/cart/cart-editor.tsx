"use client";
import Image from "next/image";
import Link from "@/components/ui/page-link";
import { useRouter } from "next/navigation";
import { useEffect, useRef, useState, useTransition } from "react";
import type { CartRead } from "@/lib/api/types";
import { removeCartLine, updateCartLine } from "@/lib/cart/actions";
import { CART_MIRROR_KEY, writeCartMirror } from "@/lib/cart/mirror";
import { lineProblem, removeLine, setLineQuantity } from "@/lib/cart/optimistic";
import { checkQuantity } from "@/lib/cart/quantity";
import { shippingWaiver, waiverText } from "@/lib/checkout/shipping-waiver";
import type { CartResult } from "@/lib/cart/result";
import { formatMoney } from "@/lib/format/money";
import { trackChange } from "@/lib/navigation/pending-changes";

/**
 * The cart's lines with quantity steppers and remove buttons, plus the totals. Changes show at
 * once (optimistic), then the API's re-priced cart replaces them; on failure the previous cart
 * comes back with an alert. Used by the /cart page.
 */
export function CartEditor({ initialCart }: { initialCart: CartRead }) {
  const [cart, setCart] = useState(initialCart);
  const [error, setError] = useState<string | null>(null);
  /** line id → why its typed quantity was not applied (shown next to that field) */
  const [lineErrors, setLineErrors] = useState<Record<string, string>>({});
  const [announce, setAnnounce] = useState("");
  const [, startTransition] = useTransition();
  const confirmed = useRef(initialCart); // the last cart the API answered with
  const queue = useRef(Promise.resolve());
  const pending = useRef(0); // changes sent or waiting to be: only the last one's answer is shown
  /** a removed line took the focus with it: give it to the list (or the empty cart's link) */
  const refocus = useRef(false);
  const listRef = useRef<HTMLUListElement>(null);
  const emptyRef = useRef<HTMLDivElement>(null);

  // Another tab changed this cart (its mirror write fires `storage` here only): read the page
  // again, so the lines shown agree with the header's count, unless a change of ours is on its way.
  const router = useRouter();
  useEffect(() => {
    function onStorage(event: StorageEvent) {
      if (event.key === CART_MIRROR_KEY && pending.current === 0) router.refresh();
    }
    window.addEventListener("storage", onStorage);
    return () => window.removeEventListener("storage", onStorage);
  }, [router]);
  const [shownInitial, setShownInitial] = useState(initialCart);
  if (shownInitial !== initialCart) {
    // the page was read again: its cart replaces ours (adjusting state while rendering)
    setShownInitial(initialCart);
    setCart(initialCart);
  }
  useEffect(() => {
    confirmed.current = initialCart;
  }, [initialCart]);

  useEffect(() => {
    if (!refocus.current) return;
    refocus.current = false;
    (listRef.current ?? emptyRef.current?.querySelector<HTMLElement>("a"))?.focus();
  }, [cart]);

  function change(optimistic: CartRead, run: () => Promise<CartResult>, done: string, lineId?: string) {
    setError(null);
    setLineErrors({});
    setCart(optimistic);
    pending.current += 1;
    // one request at a time, in click order, so answers cannot overtake each other; a link
    // followed meanwhile waits for them (PageLink)
    queue.current = trackChange(queue.current.then(async () => {
      let result: CartResult;
      try {
        result = await run();
      } catch {
        result = { ok: false, code: "network", message: "The connection was lost. Your cart was not changed." };
      }
      pending.current -= 1;
      startTransition(() => {
        if (result.ok) {
          confirmed.current = result.cart;
          writeCartMirror({ id: result.cart.id, count: result.cart.item_count });
          setAnnounce(done);
          // a later change is on its way: showing this answer would undo it on screen (a line
          // removed since would come back, taking the focus with it) until its own answer
          if (pending.current === 0) setCart(result.cart);
        } else {
          setCart(confirmed.current);
          setError(result.message);
          if (lineId) setLineErrors({ [lineId]: result.message });
          setAnnounce("");
        }
      });
    }));
  }

  function setQuantity(lineId: string, name: string, quantity: number) {
    change(setLineQuantity(cart, lineId, quantity), () => updateCartLine(lineId, quantity), `${name}: quantity ${quantity}`, lineId);
  }

  /** A typed quantity refused before it is sent (or `null`: fine, nothing left to say). */
  function quantityProblem(lineId: string, message: string | null) {
    setError(message);
    setLineErrors(message ? { [lineId]: message } : {});
  }

  function remove(lineId: string, name: string) {
    refocus.current = true;
    change(removeLine(cart, lineId), () => removeCartLine(lineId), `Removed ${name}`);
  }

  const waiver = shippingWaiver(cart.shipping_method?.price.amount, cart.shipping_total, cart.discount_code);

  if (cart.lines.length === 0) {
    return (
      <div ref={emptyRef}>
        <p aria-live="polite" className="sr-only">{announce}</p>
        <EmptyCart />
      </div>
    );
  }

  return (
    <div>
      <p aria-live="polite" className="sr-only">
        {announce}
      </p>
      {error ? (
        <p role="alert" className="mb-3 rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {error}
        </p>
      ) : null}
      <ul ref={listRef} tabIndex={-1} aria-label="Cart items" className="divide-y divide-gray-200">
        {cart.lines.map((line) => {
          const name = `${line.product_title} ${line.variant_title}`.trim();
          const problem = lineProblem(line);
          const canIncrease = line.quantity < line.max_quantity && !line.unavailable;
          return (
            <li key={line.id} className="flex gap-3 py-4">
              <div className={"h-24 w-24 shrink-0 overflow-hidden rounded-md bg-gray-100"}>
                {line.image_url ? (
                  <Image src={line.image_url} alt="" width={96} height={96} sizes="96px" unoptimized className="h-full w-full object-cover" />
                ) : null}
              </div>
              <div className="flex min-w-0 flex-1 flex-col gap-1">
                <div className="flex justify-between gap-2">
                  <div className="min-w-0">
                    <p className="font-medium">
                      {line.product_slug ? <Link href={`/p/${line.product_slug}`} className="hover:underline">{line.product_title}</Link> : line.product_title}
                    </p>
                    <p className="text-sm text-muted">{line.variant_title}</p>
                  </div>
                  <p className="shrink-0 font-medium">{formatMoney(line.line_total)}</p>
                </div>
                {problem ? (
                  <p className="text-sm font-medium text-red-800">{problem}</p>
                ) : null}
                <div className="flex flex-wrap items-center gap-3">
                  <div className="inline-flex items-center rounded-md border border-gray-300">
                    <button
                      type="button"
                      aria-label={`Decrease quantity of ${name}`}
                      aria-disabled={line.quantity <= 1}
                      onClick={() => line.quantity > 1 && setQuantity(line.id, name, line.quantity - 1)}
                      className="h-9 w-9 text-lg aria-disabled:cursor-not-allowed aria-disabled:opacity-40"
                    >
                      −
                    </button>
                    <QuantityInput
                      key={line.id}
                      id={`quantity-${line.id}`}
                      label={`Quantity of ${name}`}
                      quantity={line.quantity}
                      max={line.max_quantity}
                      error={lineErrors[line.id]}
                      onProblem={(message) => quantityProblem(line.id, message)}
                      onCommit={(quantity) => (quantity === 0 ? remove(line.id, name) : setQuantity(line.id, name, quantity))}
                    />
                    <button
                      type="button"
                      aria-label={`Increase quantity of ${name}`}
                      aria-disabled={!canIncrease}
                      onClick={() => canIncrease && setQuantity(line.id, name, line.quantity + 1)}
                      className="h-9 w-9 text-lg aria-disabled:cursor-not-allowed aria-disabled:opacity-40"
                    >
                      +
                    </button>
                  </div>
                  <button
                    type="button"
                    aria-label={`Remove ${name}`}
                    onClick={() => remove(line.id, name)}
                    className="text-sm text-brand-700 underline"
                  >
                    Remove
                  </button>
                  <span className="text-sm text-muted">{formatMoney(line.unit_price)} each</span>
                </div>
                {lineErrors[line.id] ? (
                  <p id={`quantity-${line.id}-error`} className="text-sm font-medium text-red-800">{lineErrors[line.id]}</p>
                ) : null}
              </div>
            </li>
          );
        })}
      </ul>
      <dl className="mt-4 space-y-1 border-t border-gray-200 pt-4 text-sm">
        <div className="flex justify-between">
          <dt>Subtotal</dt>
          <dd data-testid="cart-subtotal">{formatMoney(cart.subtotal)}</dd>
        </div>
        {cart.discount_total.amount > 0 ? (
          <div className="flex justify-between">
            <dt>Discount</dt>
            <dd>−{formatMoney(cart.discount_total)}</dd>
          </div>
        ) : null}
        {cart.discount_code && cart.discount_total.amount === 0 ? (
          <div className="flex justify-between text-green-800">
            <dt>Code {cart.discount_code}</dt>
            <dd>{waiver ? `Shipping ${waiverText({ ...waiver, code: null })}` : "Its saving shows at checkout"}</dd>
          </div>
        ) : null}
        <p className="text-muted">Shipping and taxes are calculated at checkout.</p>
      </dl>
      <div className="mt-4 flex flex-col gap-3 sm:flex-row sm:justify-end">
        <Link href="/checkout" className="rounded-md bg-brand-600 px-6 py-2 text-center font-semibold text-white hover:bg-brand-700">
          Check out
        </Link>
      </div>
    </div>
  );
}

/**
 * A line's quantity, typed: applied when the field is left or Enter is pressed (not on every
 * keystroke); 0 removes the line. Anything else than a whole number up to the line's limit is
 * not sent: the field keeps it, marked invalid, and says why (`onProblem`); the quantity in the
 * cart stays. The API has the last word on stock (its refusal comes back as `error`).
 */
function QuantityInput(props: {
  id: string;
  label: string;
  quantity: number;
  max: number;
  error?: string;
  onProblem: (message: string | null) => void;
  onCommit: (quantity: number) => void;
}) {
  const { id, label, quantity, max, error, onProblem, onCommit } = props;
  const [draft, setDraft] = useState(String(quantity));
  // the cart's quantity changed (a stepper, the API's answer): show it, keeping the field (and focus)
  const [shown, setShown] = useState(quantity);
  if (shown !== quantity) {
    setShown(quantity);
    setDraft(String(quantity));
  }

  function commit() {
    const checked = checkQuantity(draft, max);
    if (!checked.ok) return onProblem(checked.message);
    if (checked.quantity === quantity) {
      setDraft(String(quantity));
      if (error) onProblem(null); // back to what the cart has: nothing is wrong any more
      return;
    }
    onCommit(checked.quantity);
  }

  return (
    <input
      id={id}
      aria-invalid={error ? true : undefined}
      aria-describedby={error ? `${id}-error` : undefined}
      type="number"
      inputMode="numeric"
      min={0}
      max={Math.max(max, quantity)}
      step={1}
      aria-label={label}
      value={draft}
      onChange={(event) => setDraft(event.target.value)}
      onBlur={commit}
      onKeyDown={(event) => {
        if (event.key === "Enter") {
          event.preventDefault();
          commit();
        }
      }}
      className="h-9 w-14 border-x border-gray-300 text-center tabular-nums [appearance:textfield] [&::-webkit-inner-spin-button]:appearance-none [&::-webkit-outer-spin-button]:appearance-none"
    />
  );
}

export function EmptyCart() {
  return (
    <div>
      <p className="text-muted">Your cart is empty.</p>
      <Link href="/" className="mt-4 inline-block font-medium text-brand-700 underline">
        Continue shopping
      </Link>
    </div>
  );
}
