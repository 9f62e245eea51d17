import { describe, expect, it } from "vitest";
import { suggestQuery } from "./suggestions";

describe("suggestQuery", () => {
  it("trims, collapses spaces and ignores too-short input", () => {
    expect(suggestQuery("  linen   dress ")).toBe("linen dress");
    expect(suggestQuery("a")).toBeNull();
    expect(suggestQuery(" ")).toBeNull();
    expect(suggestQuery(null)).toBeNull();
    expect(suggestQuery("x".repeat(300))).toHaveLength(200);
  });
});
