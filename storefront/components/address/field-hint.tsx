/**
 * A field's hint under its input, shared by the checkout's and the address book's forms. `hint`:
 * the text; null keeps the line empty, so a hint that comes and goes as another field changes
 * (the Postal code's example, as the country changes) moves nothing below it; undefined: no hint.
 * The input names the hint in its `aria-describedby` only while it has text (`hintDescribes`).
 */
export function FieldHint({ id, hint }: { id: string; hint: string | null | undefined }) {
  if (hint === undefined) return null;
  return (
    <p id={id} className="mt-1 min-h-4 text-xs text-muted">
      {hint}
    </p>
  );
}

/** The hint's id for the input's `aria-describedby` while the hint has text, else null. */
export function hintDescribes(id: string, hint: string | null | undefined): string | null {
  return hint ? id : null;
}
