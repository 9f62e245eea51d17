"use client";
import { useSyncExternalStore } from "react";
import { readCartMirror, subscribeCartMirror } from "@/lib/cart/mirror";

/**
 * The item count next to the cart link. On the server and during hydration it shows the count the
 * server read from the API; afterwards it follows the localStorage mirror, which cart actions
 * update (writeCartMirror) so the badge changes instantly. The count is announced politely, and
 * the link reads "Cart (2 items)".
 */
export function CartBadge({ serverCount }: { serverCount: number }) {
  const count = useSyncExternalStore(
    subscribeCartMirror,
    () => readCartMirror()?.count ?? serverCount,
    () => serverCount,
  );
  return (
    <span aria-live="polite" className="inline-flex min-w-6 justify-center rounded-full bg-brand-600 px-1.5 text-xs font-semibold leading-5 text-white">
      <span aria-hidden="true">{count}</span>
      {/* one piece of text: Chrome puts spaces around each visually hidden span it names */}
      <span className="sr-only">{`(${count} ${count === 1 ? "item" : "items"})`}</span>
    </span>
  );
}
