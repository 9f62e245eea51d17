"use client";
import { useActionState, useState } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { refundOrder } from "@/lib/admin/actions";
import { amountInput } from "@/lib/admin/money";
import { initialAdminState } from "@/lib/admin/state";
import { formatMoney } from "@/lib/format/money";
import { AdminField } from "./fields";
import { useKeepValuesOnError } from "./keep-values";

/** Full or partial refund, capped at what was captured minus what was already refunded. */
export function RefundForm({ orderId, refundable, currency }: { orderId: string; refundable: number; currency: string }) {
  const [state, action] = useActionState(refundOrder, initialAdminState);
  const keep = useKeepValuesOnError(state);
  const [mode, setMode] = useState<"full" | "partial">("full");
  return (
    <form action={action} {...keep} className="flex flex-col gap-3" aria-label="Refund">
      <input type="hidden" name="order_id" value={orderId} />
      <input type="hidden" name="refundable" value={refundable} />
      <p className="text-sm">Up to {formatMoney({ amount: refundable, currency })} can be refunded.</p>
      <fieldset>
        <legend className="text-sm font-medium">Refund</legend>
        <div className="mt-1 flex flex-wrap gap-4">
          <div className="flex items-center gap-2">
            <input id="refund-full" type="radio" name="mode" value="full" checked={mode === "full"} onChange={() => setMode("full")} className="h-4 w-4" />
            <label htmlFor="refund-full" className="text-sm">
              Everything ({formatMoney({ amount: refundable, currency })})
            </label>
          </div>
          <div className="flex items-center gap-2">
            <input id="refund-partial" type="radio" name="mode" value="partial" checked={mode === "partial"} onChange={() => setMode("partial")} className="h-4 w-4" />
            <label htmlFor="refund-partial" className="text-sm">
              Part of it
            </label>
          </div>
        </div>
      </fieldset>
      {mode === "partial" ? (
        <AdminField id="refund-amount" label={`Amount to refund (${currency})`} hint={`At most ${amountInput(refundable)}.`} error={state.fieldErrors?.amount}>
          {(p) => <input {...p} name="amount" inputMode="decimal" required defaultValue={state.values?.amount} />}
        </AdminField>
      ) : null}
      <AdminField id="refund-reason" label="Reason">
        {(p) => <input {...p} name="reason" maxLength={200} defaultValue={state.values?.reason} />}
      </AdminField>
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel="Refunding…" variant="danger">
          Issue refund
        </SubmitButton>
      </div>
    </form>
  );
}
