import { describe, expect, it } from "vitest";
import { accountIdOf, actorLabel } from "./actors";

const ID = "0b6c8a52-3f1e-4c8e-9d7a-5e2f1a9b8c7d";

describe("actors", () => {
  it("finds the account of staff:<id> and user:<id>", () => {
    expect(accountIdOf(`staff:${ID}`)).toBe(ID);
    expect(accountIdOf(`user:${ID}`)).toBe(ID);
    expect(accountIdOf("system")).toBeNull();
    expect(accountIdOf(null)).toBeNull();
  });
  it("names staff by email, keeps what it cannot name", () => {
    const emails = new Map([[ID, "owner@example.com"]]);
    expect(actorLabel(`user:${ID}`, emails)).toBe("owner@example.com");
    expect(actorLabel(`staff:${ID}`, emails)).toBe("owner@example.com");
    expect(actorLabel("user:0b6c8a52-3f1e-4c8e-9d7a-000000000000", emails)).toBe("user:0b6c8a52-3f1e-4c8e-9d7a-000000000000");
    expect(actorLabel("worker", emails)).toBe("worker");
    expect(actorLabel(null, emails)).toBe("—");
  });
});
