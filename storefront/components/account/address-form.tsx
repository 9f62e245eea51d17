"use client";
import { useActionState, useState } from "react";
import { addressHints, type CountryHints } from "@/lib/account/address-form";
import { saveAddressAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import type { Schema } from "@/lib/api/types";
import { Checkbox, Field, FormMessage, SelectField, SubmitButton } from "./form-parts";

type Address = Schema<"AddressRead">;

/**
 * Add (no `address`) or edit an address; the API validates, errors appear next to the fields.
 * As at checkout, the chosen country's hints (`hints`, from GET /shipping/countries) decide
 * whether a state/province is asked for and what the Postal code's example is; both follow the
 * Country select. The state/province field comes after the select, so showing it moves nothing
 * above it (the select keeps its place and focus).
 */
export function AddressForm({ address, countries, hints }: { address?: Address; countries: Array<[string, string]>; hints: CountryHints }) {
  const [state, action] = useActionState(saveAddressAction, initialFormState);
  const v = (name: keyof Address & string): string | undefined => state.values?.[name] ?? (address ? String(address[name] ?? "") : undefined);
  const e = state.fieldErrors ?? {};
  const initial = v("country") || (countries.some(([code]) => code === "DE") ? "DE" : (countries[0]?.[0] ?? "DE"));
  // the country picked since the form was last (re)set: after a refused submission React resets
  // the form to what was sent (`initial` then is the country sent)
  const [picked, setPicked] = useState<{ after: typeof state; code: string } | null>(null);
  const country = picked?.after === state ? picked.code : initial;
  const { regionRequired, postalCodeHint } = addressHints(hints, country);
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage state={state} />
      {address ? <input type="hidden" name="id" value={address.id} /> : null}
      <Field name="full_name" label="Full name" autoComplete="name" required defaultValue={v("full_name")} error={e.full_name} maxLength={200} />
      <Field name="company" label="Company" autoComplete="organization" defaultValue={v("company")} error={e.company} maxLength={200} />
      <Field name="line1" label="Address line 1" autoComplete="address-line1" required defaultValue={v("line1")} error={e.line1} maxLength={200} />
      <Field name="line2" label="Address line 2" autoComplete="address-line2" defaultValue={v("line2")} error={e.line2} maxLength={200} />
      <div className="grid gap-4 sm:grid-cols-2">
        <Field name="postal_code" label="Postal code" autoComplete="postal-code" required defaultValue={v("postal_code")} hint={postalCodeHint} error={e.postal_code} maxLength={20} />
        <Field name="city" label="City" autoComplete="address-level2" required defaultValue={v("city")} error={e.city} maxLength={100} />
      </div>
      <div className="grid gap-4 sm:grid-cols-2">
        {/* keyed by the country sent: React resets the form after a refused submission, and a
            select resets to the value it was created with, not to a later defaultValue */}
        <SelectField key={state.values?.country ?? ""} name="country" label="Country" autoComplete="country" options={countries} defaultValue={initial} error={e.country} onChange={(code) => setPicked({ after: state, code })} />
        {regionRequired ? <Field name="region" label="State / province" autoComplete="address-level1" required defaultValue={v("region")} error={e.region} maxLength={100} /> : null}
      </div>
      <Field name="phone" label="Phone" type="tel" autoComplete="tel" inputMode="tel" defaultValue={v("phone")} error={e.phone} maxLength={32} />
      <Checkbox name="is_default" label="Use as my default address" defaultChecked={state.values ? state.values.is_default === "true" : (address?.is_default ?? false)} />
      <SubmitButton pendingLabel="Saving…">{address ? "Save address" : "Add address"}</SubmitButton>
    </form>
  );
}
