/**
 * What this browser remembers about an order placed from it, in localStorage per order id: the
 * order page's URL (with a guest's signed token) and, while the bank's approval (3-D Secure) is
 * under way, the approval link of that payment intent. The API keeps neither in a readable form
 * (the challenge token is stored hashed), so a checkout reopened in another tab, or the order
 * page, can only offer them from here. Parse helpers are pure and unit-tested.
 */

export const ORDER_MEMORY_PREFIX = "mercato.order.";

type MemoryStorage = Pick<Storage, "getItem" | "setItem">;

export interface RememberedOrder {
  /** `/orders/{id}` or `/orders/{id}?token=…` */
  url: string;
  /** the bank's approval page for one payment intent (absolute http(s) URL) */
  approval?: { intentId: string; url: string };
}

const ORDER_URL = /^\/orders\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\?token=[A-Za-z0-9._~%-]+)?$/i;

/** The order id of a confirmation page path, or null when it is not one. */
export function orderIdOf(url: string): string | null {
  return ORDER_URL.exec(url)?.[1]?.toLowerCase() ?? null;
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

export function parseRememberedOrder(raw: string | null | undefined): RememberedOrder | null {
  if (!raw) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (!value || typeof value !== "object") return null;
    const { url, approval } = value as Record<string, unknown>;
    if (typeof url !== "string" || !orderIdOf(url)) return null;
    const out: RememberedOrder = { url };
    if (approval && typeof approval === "object") {
      const a = approval as Record<string, unknown>;
      if (typeof a.intentId === "string" && a.intentId && isHttpUrl(a.url)) out.approval = { intentId: a.intentId, url: a.url };
    }
    return out;
  } catch {
    return null;
  }
}

export function localOrderStorage(): MemoryStorage | null {
  try {
    return typeof window === "undefined" ? null : window.localStorage;
  } catch {
    return null;
  }
}

export function recallOrder(storage: MemoryStorage | null, orderId: string): RememberedOrder | null {
  try {
    return parseRememberedOrder(storage?.getItem(ORDER_MEMORY_PREFIX + orderId.toLowerCase()));
  } catch {
    return null;
  }
}

/** Remember the order page of `orderUrl`, and the approval link when one is given (else kept). */
export function rememberOrder(storage: MemoryStorage | null, orderUrl: string, approval?: { intentId: string; url: string }): void {
  const id = orderIdOf(orderUrl);
  if (!id || !storage) return;
  const previous = recallOrder(storage, id);
  // a URL with the guest token beats one without (the owner's session may end)
  const url = previous && previous.url.includes("?token=") && !orderUrl.includes("?token=") ? previous.url : orderUrl;
  const next: RememberedOrder = { url };
  const keptApproval = approval && isHttpUrl(approval.url) ? approval : previous?.approval;
  if (keptApproval) next.approval = keptApproval;
  try {
    storage.setItem(ORDER_MEMORY_PREFIX + id, JSON.stringify(next));
  } catch {
    // storage full or disabled: the order email still has the link
  }
}

/** The approval link for the order's current intent, if this browser started that challenge. */
export function approvalUrlFor(remembered: RememberedOrder | null, intentId: string | null | undefined): string | null {
  return remembered?.approval && intentId && remembered.approval.intentId === intentId ? remembered.approval.url : null;
}
