"use client";

import { useEffect, useId, useState } from "react";
import { AddToCart } from "@/components/cart/add-to-cart";
import type { Schema } from "@/lib/api/types";
import { availabilityText, choose, findVariant, initialSelection, VARIANT_PARAM, valueState } from "@/lib/catalog/variants";
import { formatMoney } from "@/lib/format/money";
import { useProductGallery } from "./product-gallery-state";

type VariantRead = Schema<"VariantRead">;
type OptionRead = Schema<"OptionRead">;

/**
 * Option pickers (one radio group per option) with availability per value: a value whose
 * variants are all sold out is disabled and says so. Shows the chosen variant's price,
 * compare-at price and stock ("Only 2 left" from the API's `low_stock`), and its add-to-cart.
 * Inside a `ProductGalleryProvider`, choosing a colour shows that colour's image.
 *
 * The choice is kept in the URL as `?variant={sku}` (replaced in place: no history entry, no
 * server render), so a reload or a shared link shows the same variant; `initialSku` is that
 * parameter as the server checked it (`variantFromParam`), undefined for the default choice.
 */
export function VariantPicker({
  productName,
  options,
  variants,
  initialSku,
}: {
  productName: string;
  options: OptionRead[];
  variants: VariantRead[];
  initialSku?: string;
}) {
  const [selection, setSelection] = useState(() => initialSelection(variants, initialSku));
  const id = useId();
  const gallery = useProductGallery();
  const variant = findVariant(variants, selection);
  const price = variant?.price;
  const compareAt = variant?.compare_at_price && price && variant.compare_at_price.amount > price.amount ? variant.compare_at_price : null;
  const text = availabilityText(variant);
  const soldOut = !variant || !variant.in_stock;

  // a stale `?variant=` (the server fell back to the default) leaves the URL: it named nothing shown
  useEffect(() => {
    if (initialSku) return;
    const url = new URL(window.location.href);
    if (!url.searchParams.has(VARIANT_PARAM)) return;
    url.searchParams.delete(VARIANT_PARAM);
    window.history.replaceState(null, "", url);
  }, [initialSku]);

  return (
    <div className="space-y-5">
      <p className="flex items-baseline gap-3 text-2xl font-semibold">
        {price ? <span>{formatMoney(price)}</span> : null}
        {compareAt ? (
          <s className="text-lg font-normal text-muted">
            <span className="sr-only">was </span>
            {formatMoney(compareAt)}
          </s>
        ) : null}
        {compareAt ? <span className="rounded bg-red-700 px-2 py-0.5 text-xs font-semibold text-white">Sale</span> : null}
      </p>
      {options.map((option) => (
        <fieldset key={option.name}>
          <legend className="mb-2 text-sm font-semibold">
            {option.name.charAt(0).toUpperCase() + option.name.slice(1)}: <span className="font-normal">{selection[option.name] ?? "choose"}</span>
          </legend>
          <div className="flex flex-wrap gap-2">
            {option.values.map((value) => {
              const state = valueState(variants, selection, option.name, value);
              return (
                // The radio lies transparent over the swatch, inside its label: a click on the
                // swatch's text lands on the radio (so a click by text and a radio's `check()`
                // both hit it), the label names it and draws its state.
                <label
                  key={value}
                  className="relative block min-w-12 cursor-pointer rounded-md border border-gray-300 px-3 py-2 text-center text-sm has-checked:border-brand-600 has-checked:bg-brand-50 has-checked:font-semibold has-focus-visible:outline-3 has-focus-visible:outline-brand-600 has-disabled:cursor-not-allowed has-disabled:bg-gray-50 has-disabled:text-gray-600 has-disabled:line-through"
                >
                  <input
                    type="radio"
                    name={`${id}-${option.name}`}
                    value={value}
                    checked={selection[option.name] === value}
                    disabled={state === "sold_out"}
                    onChange={() => {
                      const next = choose(variants, selection, option.name, value);
                      setSelection(next);
                      gallery?.selectionChanged(selection, next);
                      rememberVariant(findVariant(variants, next)?.sku);
                    }}
                    className="absolute inset-0 h-full w-full cursor-pointer opacity-0 disabled:cursor-not-allowed"
                  />
                  {value}
                  {state === "sold_out" ? <span className="sr-only"> (sold out)</span> : null}
                </label>
              );
            })}
          </div>
        </fieldset>
      ))}
      <p role="status" className={soldOut ? "font-medium text-red-700" : variant?.low_stock ? "font-medium text-amber-800" : "font-medium text-green-800"}>
        {text}
      </p>
      <AddToCart sku={variant?.sku ?? ""} productName={productName} disabled={soldOut} available={variant?.available} />
    </div>
  );
}

/** Put the chosen variant's SKU in the URL in place (Next's router keeps `useSearchParams` in step). */
function rememberVariant(sku: string | undefined) {
  const url = new URL(window.location.href);
  if (sku) url.searchParams.set(VARIANT_PARAM, sku);
  else url.searchParams.delete(VARIANT_PARAM);
  if (url.href !== window.location.href) window.history.replaceState(null, "", url);
}
