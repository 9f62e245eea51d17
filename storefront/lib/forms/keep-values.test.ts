import { describe, expect, it } from "vitest";
import { restoreFields, type FieldLike } from "./keep-values";

function sent(entries: Array<[string, string]>): FormData {
  const data = new FormData();
  for (const [name, value] of entries) data.append(name, value);
  return data;
}

describe("restoreFields", () => {
  it("puts back the chosen radio, the typed text and the chosen option after a reset", () => {
    const delta: FieldLike = { name: "mode", type: "radio", value: "delta", checked: true };
    const set: FieldLike = { name: "mode", type: "radio", value: "set", checked: false };
    const quantity: FieldLike = { name: "quantity", type: "number", value: "" };
    const reason: FieldLike = { name: "reason", type: "text", value: "" };
    const options = [
      { value: "percentage", selected: true },
      { value: "fixed", selected: false },
    ];
    const kind: FieldLike = { name: "kind", type: "select-one", value: "percentage", options };
    restoreFields([delta, set, quantity, reason, kind], sent([["mode", "set"], ["quantity", "-4"], ["reason", "stock take"], ["kind", "fixed"]]));
    expect([delta.checked, set.checked]).toEqual([false, true]);
    expect(quantity.value).toBe("-4");
    expect(reason.value).toBe("stock take");
    expect(options.map((o) => o.selected)).toEqual([false, true]);
  });

  it("fills repeated names in order, unticks what was not sent and leaves hidden, file and password fields alone", () => {
    const first: FieldLike = { name: "variant_sku", type: "text", value: "" };
    const second: FieldLike = { name: "variant_sku", type: "text", value: "" };
    const box: FieldLike = { name: "collections", type: "checkbox", value: "summer", checked: true };
    const hidden: FieldLike = { name: "version", type: "hidden", value: "3" };
    const password: FieldLike = { name: "password", type: "password", value: "" };
    const later: FieldLike = { name: "amount", type: "text", value: "keep" };
    restoreFields([first, second, box, hidden, password, later], sent([["variant_sku", "A-1"], ["variant_sku", "A-2"], ["version", "2"], ["password", "secret"]]));
    expect([first.value, second.value]).toEqual(["A-1", "A-2"]);
    expect(box.checked).toBe(false);
    expect(hidden.value).toBe("3");
    expect(password.value).toBe("");
    expect(later.value).toBe("keep");
  });
});
