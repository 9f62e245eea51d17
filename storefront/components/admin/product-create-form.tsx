"use client";
import { useActionState, useState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { createProduct } from "@/lib/admin/actions";
import { initialAdminState } from "@/lib/admin/state";
import { AdminField } from "./fields";
import { useKeepValuesOnError } from "./keep-values";
import { CatalogFields, type CategoryOption, type CollectionOption } from "./catalog-fields";

interface Row {
  key: number;
}

/** New product: details, SEO, category/collections and one or more variants with price and stock. */
export function ProductCreateForm({ currency, categories, collections }: { currency: string; categories: CategoryOption[]; collections: CollectionOption[] }) {
  const [state, action] = useActionState(createProduct, initialAdminState);
  const keep = useKeepValuesOnError(state);
  const [rows, setRows] = useState<Row[]>([{ key: 1 }]);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} {...keep} className="flex max-w-3xl flex-col gap-4" aria-label="New product">
      <input type="hidden" name="currency" value={currency} />
      <CatalogFields values={state.values} errors={errors} categories={categories} collections={collections} />
      <fieldset className="rounded-lg border border-gray-200 p-4">
        <legend className="px-1 font-semibold">Variants</legend>
        <div className="grid gap-3 sm:grid-cols-2">
          <AdminField id="option_name" label="Option name" hint="What tells the variants apart, e.g. Size or Colour.">
            {(p) => <input {...p} name="option_name" defaultValue="Size" maxLength={100} />}
          </AdminField>
          <AdminField id="weight_grams" label="Weight per item (grams)">
            {(p) => <input {...p} name="weight_grams" type="number" min={0} inputMode="numeric" defaultValue="500" />}
          </AdminField>
        </div>
        {errors.variants ? (
          <p id="variants-error" className="mt-2 text-sm text-red-700">
            {errors.variants}
          </p>
        ) : null}
        <ol className="mt-3 flex flex-col gap-3">
          {rows.map((row, index) => {
            const n = index + 1;
            return (
              <li key={row.key} className="rounded-md border border-gray-100 bg-gray-50 p-3">
                <fieldset>
                  <legend className="text-sm font-medium">Variant {n}</legend>
                  <div className="mt-2 grid gap-3 sm:grid-cols-4">
                    <AdminField id={`variant-${row.key}-sku`} label={`SKU of variant ${n}`}>
                      {(p) => <input {...p} name="variant_sku" required pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}" maxLength={64} />}
                    </AdminField>
                    <AdminField id={`variant-${row.key}-option`} label={`Option value of variant ${n}`}>
                      {(p) => <input {...p} name="variant_option" maxLength={100} placeholder="e.g. M" />}
                    </AdminField>
                    <AdminField id={`variant-${row.key}-price`} label={`Price of variant ${n} (${currency})`}>
                      {(p) => <input {...p} name="variant_price" required inputMode="decimal" placeholder="12.50" />}
                    </AdminField>
                    <AdminField id={`variant-${row.key}-stock`} label={`Stock of variant ${n}`}>
                      {(p) => <input {...p} name="variant_stock" type="number" min={0} inputMode="numeric" defaultValue="0" />}
                    </AdminField>
                  </div>
                  {rows.length > 1 ? (
                    <button
                      type="button"
                      className="mt-2 text-sm text-red-700 underline"
                      onClick={() => setRows((all) => all.filter((r) => r.key !== row.key))}
                    >
                      Remove variant {n}
                    </button>
                  ) : null}
                </fieldset>
              </li>
            );
          })}
        </ol>
        <button
          type="button"
          className="mt-3 rounded-md border border-gray-300 px-3 py-2 text-sm font-medium"
          onClick={() => setRows((all) => [...all, { key: Math.max(...all.map((r) => r.key)) + 1 }])}
        >
          Add variant
        </button>
      </fieldset>
      <AdminField id="status" label="Visibility" hint="A draft is hidden from the shop; a published product is in it.">
        {(p) => (
          <select {...p} name="status" defaultValue="draft">
            <option value="draft">Draft</option>
            <option value="active">Published</option>
          </select>
        )}
      </AdminField>
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel="Creating…">Create product</SubmitButton>
      </div>
    </form>
  );
}
