import { describe, expect, it } from "vitest";
import { CHECKOUT_KEY_PREFIX, attemptKey, forgetAttemptKey, isIdempotencyKey, keepsKey, storedAttemptKey } from "./idempotency";

class MemoryStorage {
  map = new Map<string, string>();
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

const CART = "0b7c6f2e-3d1a-4e8b-9c2d-5f6a7b8c9d0e";

describe("checkout idempotency keys", () => {
  it("creates one key per cart attempt and reuses it on retry", () => {
    const storage = new MemoryStorage();
    let n = 0;
    const make = () => `key-${++n}-0123456789abcdef`;
    const first = attemptKey(storage, CART, make);
    expect(attemptKey(storage, CART, make)).toBe(first);
    expect(storage.getItem(CHECKOUT_KEY_PREFIX + CART)).toBe(first);
    expect(storedAttemptKey(storage, CART)).toBe(first);
    expect(n).toBe(1);
  });
  it("starts a new attempt after forgetting, and per cart", () => {
    const storage = new MemoryStorage();
    const first = attemptKey(storage, CART);
    forgetAttemptKey(storage, CART);
    expect(storedAttemptKey(storage, CART)).toBeNull();
    const second = attemptKey(storage, CART);
    expect(second).not.toBe(first);
    expect(attemptKey(storage, "another-cart")).not.toBe(second);
  });
  it("ignores a tampered stored value and works without storage", () => {
    const storage = new MemoryStorage();
    storage.setItem(CHECKOUT_KEY_PREFIX + CART, "short");
    const key = attemptKey(storage, CART);
    expect(isIdempotencyKey(key)).toBe(true);
    expect(key).not.toBe("short");
    expect(isIdempotencyKey(attemptKey(null, CART))).toBe(true);
    const broken = { getItem: () => { throw new Error("denied"); }, setItem: () => { throw new Error("full"); }, removeItem: () => {} };
    expect(isIdempotencyKey(attemptKey(broken, CART))).toBe(true);
  });
  it("keeps the key on retryable failures only", () => {
    for (const code of ["card_declined", "network", "request_in_progress", "insufficient_stock", "unavailable"]) expect(keepsKey(code)).toBe(true);
    expect(keepsKey("idempotency_key_mismatch")).toBe(false);
    expect(keepsKey("invalid_idempotency_key")).toBe(false);
  });
});
