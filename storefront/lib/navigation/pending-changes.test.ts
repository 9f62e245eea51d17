import { describe, expect, it } from "vitest";
import { settled, trackChange } from "./pending-changes";

describe("pending changes", () => {
  it("is settled when nothing is on its way, and waits for every change sent", async () => {
    expect(settled()).toBeNull();
    let finishFirst!: () => void;
    let failSecond!: (e: Error) => void;
    const first = trackChange(new Promise<void>((resolve) => (finishFirst = resolve)));
    const second = trackChange(new Promise<void>((_, reject) => (failSecond = reject)));
    second.catch(() => {});
    const waiting = settled();
    expect(waiting).not.toBeNull();
    let done = false;
    void waiting!.then(() => (done = true));
    finishFirst();
    await first;
    await Promise.resolve();
    expect(done).toBe(false); // the second is still on its way
    failSecond(new Error("network"));
    await waiting;
    expect(done).toBe(true);
    expect(settled()).toBeNull(); // a failed change counts as settled too
  });
});
