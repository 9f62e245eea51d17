"use client";
import { useActionState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { createDiscount, updateDiscount } from "@/lib/admin/actions";
import { useKeepValuesOnError } from "./keep-values";
import { initialAdminState } from "@/lib/admin/state";
import { DiscountFields, type DiscountValues } from "./discount-fields";

export function DiscountForm({ currency, discountId, initial }: { currency: string; discountId?: string; initial?: DiscountValues }) {
  const [state, action] = useActionState(discountId ? updateDiscount : createDiscount, initialAdminState);
  const keep = useKeepValuesOnError(state);
  return (
    <form action={action} {...keep} className="flex max-w-2xl flex-col gap-4" aria-label={discountId ? "Edit discount" : "New discount"}>
      {discountId ? <input type="hidden" name="discount_id" value={discountId} /> : null}
      <DiscountFields currency={currency} initial={initial} editing={Boolean(discountId)} errors={state.fieldErrors} />
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel="Saving…">{discountId ? "Save discount" : "Create discount"}</SubmitButton>
      </div>
    </form>
  );
}
