import { describe, expect, it } from "vitest";
import { ORDER_MEMORY_PREFIX, approvalUrlFor, orderIdOf, parseRememberedOrder, recallOrder, rememberOrder } from "./order-memory";

const ID = "0b7c2f0e-1d2a-4c3b-9e8f-123456789abc";

function memory() {
  const items = new Map<string, string>();
  return { getItem: (k: string) => items.get(k) ?? null, setItem: (k: string, v: string) => void items.set(k, v), items };
}

describe("order memory", () => {
  it("reads the order id of a confirmation path only", () => {
    expect(orderIdOf(`/orders/${ID}?token=abc.def`)).toBe(ID);
    expect(orderIdOf(`/orders/${ID}`)).toBe(ID);
    expect(orderIdOf("https://evil.example/orders/" + ID)).toBeNull();
    expect(orderIdOf(`/orders/${ID}?token=a"b`)).toBeNull();
  });

  it("remembers the order page and the approval link of one intent", () => {
    const storage = memory();
    rememberOrder(storage, `/orders/${ID}?token=t1`, { intentId: "pi_1", url: "http://api.test/api/v1/payments/sandbox/intents/pi_1/challenge?token=x" });
    const remembered = recallOrder(storage, ID);
    expect(remembered?.url).toBe(`/orders/${ID}?token=t1`);
    expect(approvalUrlFor(remembered, "pi_1")).toContain("/challenge?token=x");
    // a new intent (paid with another card) has no approval link from here
    expect(approvalUrlFor(remembered, "pi_2")).toBeNull();
    expect(approvalUrlFor(null, "pi_1")).toBeNull();
  });

  it("keeps the approval link and the guest token when a later answer has neither", () => {
    const storage = memory();
    rememberOrder(storage, `/orders/${ID}?token=t1`, { intentId: "pi_1", url: "https://bank.test/ok" });
    rememberOrder(storage, `/orders/${ID}`);
    expect(recallOrder(storage, ID)).toEqual({ url: `/orders/${ID}?token=t1`, approval: { intentId: "pi_1", url: "https://bank.test/ok" } });
  });

  it("ignores malformed or unsafe stored values", () => {
    expect(parseRememberedOrder("not json")).toBeNull();
    expect(parseRememberedOrder(JSON.stringify({ url: "javascript:alert(1)" }))).toBeNull();
    expect(parseRememberedOrder(JSON.stringify({ url: `/orders/${ID}`, approval: { intentId: "pi_1", url: "javascript:alert(1)" } }))).toEqual({ url: `/orders/${ID}` });
    const storage = memory();
    rememberOrder(storage, "/somewhere-else");
    expect(storage.items.size).toBe(0);
    storage.setItem(ORDER_MEMORY_PREFIX + ID, "{");
    expect(recallOrder(storage, ID)).toBeNull();
  });
});
