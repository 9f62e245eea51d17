/**
 * React resets a form after its action ran (`<form action={fn}>`), failed or not: fields go
 * back to their defaults, and a controlled radio or select can even show another choice than
 * the one the component holds. After a failed attempt the form must show what was sent, so the
 * user corrects it rather than types it again (or submits a default they did not choose).
 */

/** What `restoreFields` reads and writes of a form control (an HTMLInputElement and the like). */
export interface FieldLike {
  name: string;
  type: string;
  value: string;
  checked?: boolean;
  options?: ArrayLike<{ value: string; selected: boolean }>;
}

/** Never written back: set by the page (hidden), impossible to set (file) or not to echo (password). */
const SKIP = new Set(["hidden", "file", "password", "submit", "button", "reset", "image"]);

/**
 * Put the submitted values back into the form's controls: text in order per name (a form may have
 * several `variant_sku`), radios and checkboxes checked when their value was sent, options
 * selected when theirs was.
 */
export function restoreFields(fields: Iterable<FieldLike>, sent: { getAll(name: string): FormDataEntryValue[] }): void {
  const position = new Map<string, number>();
  for (const field of fields) {
    if (!field.name || SKIP.has(field.type)) continue;
    const values = sent.getAll(field.name).filter((v): v is string => typeof v === "string");
    if (field.type === "radio" || field.type === "checkbox") {
      field.checked = values.includes(field.value);
    } else if (field.type.startsWith("select") && field.options) {
      for (const option of Array.from(field.options)) option.selected = values.includes(option.value);
    } else {
      const i = position.get(field.name) ?? 0;
      position.set(field.name, i + 1);
      if (i < values.length) field.value = values[i]!;
    }
  }
}
