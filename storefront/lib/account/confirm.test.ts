import { describe, expect, it } from "vitest";
import { confirmsDeletion } from "./confirm";

describe("confirmsDeletion", () => {
  it("takes exactly DELETE, in capital letters", () => {
    expect(confirmsDeletion("DELETE")).toBe(true);
    expect(confirmsDeletion(" DELETE ")).toBe(true);
    expect(confirmsDeletion("delete")).toBe(false);
    expect(confirmsDeletion("Delete")).toBe(false);
    expect(confirmsDeletion("")).toBe(false);
  });
});
