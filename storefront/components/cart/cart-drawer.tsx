"use client";
import { usePathname } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import type { CartRead } from "@/lib/api/types";
import { onCartDrawerOpen } from "@/lib/cart/events";
import { CartEditor } from "./cart-editor";

/**
 * The cart drawer: a modal <dialog> (the browser traps focus in it and makes the page inert;
 * Escape closes it and focus returns to the button that opened it). Mounted once in the layout;
 * AddToCart opens it with the cart the API just answered. Following one of its links (Check out,
 * View cart, a product) closes it: the next page is not left behind a modal.
 */
export function CartDrawer() {
  const ref = useRef<HTMLDialogElement>(null);
  const [cart, setCart] = useState<{ cart: CartRead; version: number } | null>(null);
  const pathname = usePathname();

  useEffect(() => ref.current?.close(), [pathname]); // any navigation, even one not started here

  useEffect(
    () =>
      onCartDrawerOpen((next) => {
        setCart((prev) => ({ cart: next, version: (prev?.version ?? 0) + 1 }));
        const dialog = ref.current;
        if (dialog && !dialog.open) dialog.showModal();
      }),
    [],
  );

  return (
    <dialog
      ref={ref}
      aria-labelledby="cart-drawer-title"
      onKeyDown={(event) => {
        if (event.key === "Tab" && ref.current) trapTab(ref.current, event);
      }}
      onClick={(event) => {
        const onLink = event.target instanceof Element && event.target.closest("a[href]");
        if (event.target === ref.current || onLink) ref.current?.close(); // the backdrop, a link
      }}
      className="fixed inset-y-0 right-0 left-auto m-0 h-dvh max-h-dvh w-full max-w-md bg-white p-0 shadow-xl backdrop:bg-black/40"
    >
      <div className="flex h-full flex-col">
        <div className="flex items-center justify-between border-b border-gray-200 px-4 py-3">
          <h2 id="cart-drawer-title" className="text-lg font-semibold">
            Your cart
          </h2>
          <button type="button" onClick={() => ref.current?.close()} className="rounded-md px-2 py-1 text-sm font-medium hover:bg-gray-100">
            Close<span className="sr-only"> cart</span>
          </button>
        </div>
        <div className="flex-1 overflow-y-auto px-4 py-2">
          {cart ? <CartEditor key={cart.version} initialCart={cart.cart} compact /> : null}
        </div>
      </div>
    </dialog>
  );
}

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Keep Tab inside the drawer (a modal dialog alone lets focus leave for the browser's toolbar). */
function trapTab(dialog: HTMLDialogElement, event: React.KeyboardEvent) {
  const items = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}
