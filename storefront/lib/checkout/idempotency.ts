/**
 * One Idempotency-Key per checkout attempt, reused on every retry of that attempt (a double click,
 * a lost connection, a retry after a decline): the API then replays the first answer instead of
 * placing a second order. Kept in sessionStorage per cart so a reload of the tab reuses it too.
 */

export const CHECKOUT_KEY_PREFIX = "mercato.checkout-key.";

type KeyStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

const KEY_SHAPE = /^[A-Za-z0-9_-]{16,128}$/;

export function isIdempotencyKey(value: unknown): value is string {
  return typeof value === "string" && KEY_SHAPE.test(value);
}

/** The key of this cart's attempt: the stored one, or a new one (stored before use). */
export function attemptKey(storage: KeyStorage | null, cartId: string, newKey: () => string = () => crypto.randomUUID()): string {
  const name = CHECKOUT_KEY_PREFIX + cartId;
  let stored: string | null = null;
  try {
    stored = storage?.getItem(name) ?? null;
  } catch {
    stored = null;
  }
  if (isIdempotencyKey(stored)) return stored;
  const key = newKey();
  try {
    storage?.setItem(name, key);
  } catch {
    // storage full or disabled: the key still lives in the page's state for retries
  }
  return key;
}

/** Start a new attempt next time (after the order went through, or the API refused the key). */
export function forgetAttemptKey(storage: KeyStorage | null, cartId: string): void {
  try {
    storage?.removeItem(CHECKOUT_KEY_PREFIX + cartId);
  } catch {
    // nothing stored
  }
}

/** Whether a failed attempt may be retried with the same key (else the next try needs a new key). */
export function keepsKey(code: string): boolean {
  return code !== "idempotency_key_mismatch" && code !== "invalid_idempotency_key";
}

export function sessionKeyStorage(): KeyStorage | null {
  try {
    return typeof window === "undefined" ? null : window.sessionStorage;
  } catch {
    return null;
  }
}

/** The key of an attempt already made for this cart (resuming after a reload), or null. */
export function storedAttemptKey(storage: KeyStorage | null, cartId: string): string | null {
  try {
    const stored = storage?.getItem(CHECKOUT_KEY_PREFIX + cartId) ?? null;
    return isIdempotencyKey(stored) ? stored : null;
  } catch {
    return null;
  }
}
