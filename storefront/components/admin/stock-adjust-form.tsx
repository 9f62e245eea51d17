"use client";
import { adjustStock } from "@/lib/admin/actions";
import { ActionForm } from "./action-form";
import { AdminField } from "./fields";

/** Add to / remove from the stock on hand, or set it after a stock take; with a reason. */
export function StockAdjustForm({ sku }: { sku: string }) {
  return (
    <ActionForm action={adjustStock} hidden={{ sku }} submit="Apply adjustment" pending="Applying…" className="grid max-w-xl gap-3" label="Adjust stock">
      {(state) => (
        <>
          <fieldset>
            <legend className="text-sm font-medium">Kind of adjustment</legend>
            <div className="mt-1 flex flex-wrap gap-4">
              <div className="flex items-center gap-2">
                <input id="mode-delta" type="radio" name="mode" value="delta" defaultChecked={state.values?.mode !== "set"} className="h-4 w-4" />
                <label htmlFor="mode-delta" className="text-sm">
                  Add or remove (e.g. 10 or -2)
                </label>
              </div>
              <div className="flex items-center gap-2">
                <input id="mode-set" type="radio" name="mode" value="set" defaultChecked={state.values?.mode === "set"} className="h-4 w-4" />
                <label htmlFor="mode-set" className="text-sm">
                  Set the count on hand (stock take)
                </label>
              </div>
            </div>
          </fieldset>
          <AdminField id="adjust-quantity" label="Quantity" error={state.fieldErrors?.quantity}>
            {(p) => <input {...p} name="quantity" type="number" required step={1} defaultValue={state.values?.quantity} />}
          </AdminField>
          <AdminField id="adjust-reason" label="Reason" hint="Recorded in the movement history, e.g. delivery received, damaged, stock take." error={state.fieldErrors?.reason}>
            {(p) => <input {...p} name="reason" required maxLength={500} defaultValue={state.values?.reason} />}
          </AdminField>
        </>
      )}
    </ActionForm>
  );
}
