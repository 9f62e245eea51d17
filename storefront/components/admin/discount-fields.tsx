"use client";
import { useState } from "react";
import { amountInput } from "@/lib/admin/money";
import { AdminField } from "./fields";

export interface DiscountValues {
  code?: string;
  kind?: string;
  value?: number;
  min_subtotal?: number;
  usage_limit?: number | null;
  per_customer_limit?: number | null;
  starts_at?: string | null;
  ends_at?: string | null;
}

/** The terms of a discount code; the code and its kind are fixed once created. */
export function DiscountFields({ currency, initial, editing, errors = {} }: { currency: string; initial?: DiscountValues; editing?: boolean; errors?: Record<string, string> }) {
  const [kind, setKind] = useState(initial?.kind ?? "percentage");
  const valueDefault = initial?.value === undefined ? undefined : kind === "fixed" ? amountInput(initial.value) : String(initial.value);
  return (
    <div className="grid gap-3 sm:grid-cols-2">
      {editing ? (
        <input type="hidden" name="kind" value={kind} />
      ) : (
        <>
          <AdminField id="discount-code" label="Code" hint="Letters, digits, - and _; shoppers type it at checkout." error={errors.code}>
            {(p) => <input {...p} name="code" required minLength={3} maxLength={64} pattern="[A-Za-z0-9_\-]+" defaultValue={initial?.code} />}
          </AdminField>
          <AdminField id="discount-kind" label="Kind" error={errors.kind}>
            {(p) => (
              <select {...p} name="kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                <option value="percentage">Percentage off</option>
                <option value="fixed">Fixed amount off</option>
                <option value="free_shipping">Free shipping</option>
              </select>
            )}
          </AdminField>
        </>
      )}
      {kind !== "free_shipping" ? (
        <AdminField id="discount-value" label={kind === "fixed" ? `Amount off (${currency})` : "Percent off"} error={errors.value}>
          {(p) => <input {...p} name="value" required inputMode="decimal" defaultValue={valueDefault} />}
        </AdminField>
      ) : null}
      <AdminField id="discount-min" label={`Minimum subtotal (${currency})`} hint="0 for none." error={errors.min_subtotal}>
        {(p) => <input {...p} name="min_subtotal" inputMode="decimal" defaultValue={amountInput(initial?.min_subtotal ?? 0)} />}
      </AdminField>
      <AdminField id="discount-limit" label="Total uses allowed" hint="Empty for no limit." error={errors.usage_limit}>
        {(p) => <input {...p} name="usage_limit" type="number" min={1} defaultValue={initial?.usage_limit ?? undefined} />}
      </AdminField>
      <AdminField id="discount-per-customer" label="Uses per customer" hint="Empty for no limit." error={errors.per_customer_limit}>
        {(p) => <input {...p} name="per_customer_limit" type="number" min={1} defaultValue={initial?.per_customer_limit ?? undefined} />}
      </AdminField>
      <AdminField id="discount-starts" label="Valid from (UTC day)" error={errors.starts_at}>
        {(p) => <input {...p} name="starts_at" type="date" defaultValue={initial?.starts_at?.slice(0, 10)} />}
      </AdminField>
      <AdminField id="discount-ends" label="Valid until (UTC day, exclusive)" error={errors.ends_at}>
        {(p) => <input {...p} name="ends_at" type="date" defaultValue={initial?.ends_at?.slice(0, 10)} />}
      </AdminField>
    </div>
  );
}
