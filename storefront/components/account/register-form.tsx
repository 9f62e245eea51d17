"use client";
import { useActionState } from "react";
import { registerAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { invalidateWishlist } from "@/lib/wishlist/store";
import { Checkbox, Field, FormMessage, SubmitButton } from "./form-parts";

export function RegisterForm({ next }: { next?: string }) {
  const [state, action] = useActionState(registerAction, initialFormState);
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={invalidateWishlist} className="space-y-4" noValidate>
      <FormMessage state={state} />
      {next ? <input type="hidden" name="next" value={next} /> : null}
      <Field name="full_name" label="Full name" autoComplete="name" required defaultValue={state.values?.full_name} error={errors.full_name} maxLength={200} />
      <Field name="email" label="Email" type="email" autoComplete="email" inputMode="email" required defaultValue={state.values?.email} error={errors.email} />
      <Field name="password" label="Password" type="password" autoComplete="new-password" required hint="At least 8 characters." error={errors.password} />
      <Checkbox name="marketing_consent" label="Send me news about new arrivals and offers" defaultChecked={state.values?.marketing_consent === "on"} hint="By email. You can change this any time in your profile." />
      <SubmitButton pendingLabel="Creating your account…">Create account</SubmitButton>
    </form>
  );
}
