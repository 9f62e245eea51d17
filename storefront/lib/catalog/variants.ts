/**
 * Variant selection on the product page (pure): which variant a set of chosen option values
 * means, whether each option value can still be chosen, and the availability line to show.
 */
export interface VariantLike {
  sku: string;
  options: Record<string, string>;
  is_active: boolean;
  in_stock: boolean;
  available: number;
  low_stock?: boolean;
}

export type Selection = Record<string, string>;
export type ValueState = "available" | "sold_out" | "unavailable";

function matches(variant: VariantLike, selection: Selection): boolean {
  return Object.entries(selection).every(([name, value]) => variant.options[name] === value);
}

/** The active variant matching every selected option value, if any. */
export function findVariant<V extends VariantLike>(variants: readonly V[], selection: Selection): V | undefined {
  return variants.find((v) => v.is_active && matches(v, selection));
}

/** First active variant in stock (else the first active one): the page's default selection. */
export function initialSelection(variants: readonly VariantLike[], preferredSku?: string): Selection {
  const active = variants.filter((v) => v.is_active);
  const chosen = active.find((v) => v.sku === preferredSku) ?? active.find((v) => v.in_stock) ?? active[0];
  return chosen ? { ...chosen.options } : {};
}

/** The product page's query parameter that keeps the chosen variant (its SKU): `/p/{slug}?variant={sku}`. */
export const VARIANT_PARAM = "variant";

/**
 * The SKU a `?variant=` value names when it is one of this product's active variants, else
 * undefined: a stale, repeated or foreign value falls back to the default selection, never an error.
 */
export function variantFromParam(variants: readonly VariantLike[], param: string | string[] | undefined): string | undefined {
  if (typeof param !== "string" || !param) return undefined;
  return variants.find((v) => v.is_active && v.sku === param)?.sku;
}

/**
 * Whether `name=value` (with the other selected values kept) leads to a variant in stock, a
 * sold-out one, or none at all.
 */
export function valueState(variants: readonly VariantLike[], selection: Selection, name: string, value: string): ValueState {
  const wanted = { ...selection, [name]: value };
  const candidates = variants.filter((v) => v.is_active && matches(v, wanted));
  if (candidates.length === 0) return "unavailable";
  return candidates.some((v) => v.in_stock) ? "available" : "sold_out";
}

/** Choose `name=value`; if the other values make no variant, keep the closest existing one. */
export function choose(variants: readonly VariantLike[], selection: Selection, name: string, value: string): Selection {
  const wanted = { ...selection, [name]: value };
  if (findVariant(variants, wanted)) return wanted;
  const fallback =
    variants.find((v) => v.is_active && v.in_stock && v.options[name] === value) ??
    variants.find((v) => v.is_active && v.options[name] === value);
  return fallback ? { ...fallback.options } : wanted;
}

/** "Sold out", "Only 2 left" (the API's `low_stock`), or "In stock". */
export function availabilityText(variant: VariantLike | undefined): string {
  if (!variant || !variant.is_active) return "Unavailable";
  if (!variant.in_stock || variant.available <= 0) return "Sold out";
  if (variant.low_stock) return `Only ${variant.available} left`;
  return "In stock";
}
