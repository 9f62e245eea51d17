import { describe, expect, it } from "vitest";
import { thumbnailLabel } from "./gallery";

describe("thumbnailLabel", () => {
  it("says which image of how many, and what it shows", () => {
    expect(thumbnailLabel(1, 4, "Linen shirt in navy")).toBe("Show image 2 of 4: Linen shirt in navy");
    expect(thumbnailLabel(0, 3, "  ")).toBe("Show image 1 of 3");
    expect(thumbnailLabel(0, 3)).toBe("Show image 1 of 3");
  });
});
