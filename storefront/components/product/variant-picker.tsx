"use client";

import { useId, useState } from "react";
import { AddToCart } from "@/components/cart/add-to-cart";
import type { Schema } from "@/lib/api/types";
import { availabilityText, choose, findVariant, initialSelection, valueState } from "@/lib/catalog/variants";
import { formatMoney } from "@/lib/format/money";

type VariantRead = Schema<"VariantRead">;
type OptionRead = Schema<"OptionRead">;

/**
 * Option pickers (one radio group per option) with availability per value: a value whose
 * variants are all sold out is disabled and says so. Shows the chosen variant's price,
 * compare-at price and stock ("Only 2 left" from the API's `low_stock`), and its add-to-cart.
 */
export function VariantPicker({ productName, options, variants }: { productName: string; options: OptionRead[]; variants: VariantRead[] }) {
  const [selection, setSelection] = useState(() => initialSelection(variants));
  const id = useId();
  const variant = findVariant(variants, selection);
  const price = variant?.price;
  const compareAt = variant?.compare_at_price && price && variant.compare_at_price.amount > price.amount ? variant.compare_at_price : null;
  const text = availabilityText(variant);
  const soldOut = !variant || !variant.in_stock;

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
              const inputId = `${id}-${option.name}-${value}`;
              return (
                // The radio lies transparent over its label: a click anywhere on the swatch is on
                // the radio itself (as a test's `check()` clicks it), the label draws the state.
                <div key={value} className="relative">
                  <input
                    type="radio"
                    id={inputId}
                    name={`${id}-${option.name}`}
                    value={value}
                    checked={selection[option.name] === value}
                    disabled={state === "sold_out"}
                    onChange={() => setSelection((s) => choose(variants, s, option.name, value))}
                    className="peer absolute inset-0 h-full w-full cursor-pointer opacity-0 disabled:cursor-not-allowed"
                  />
                  <label
                    htmlFor={inputId}
                    className="block min-w-12 cursor-pointer rounded-md border border-gray-300 px-3 py-2 text-center text-sm peer-checked:border-brand-600 peer-checked:bg-brand-50 peer-checked:font-semibold peer-focus-visible:outline-3 peer-focus-visible:outline-brand-600 peer-disabled:cursor-not-allowed peer-disabled:bg-gray-50 peer-disabled:text-gray-600 peer-disabled:line-through"
                  >
                    {value}
                    {state === "sold_out" ? <span className="sr-only"> (sold out)</span> : null}
                  </label>
                </div>
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
