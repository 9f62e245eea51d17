"use client";
import { useActionState } from "react";
import { forgotPasswordAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { Field, FormMessage, SubmitButton } from "./form-parts";

export function ForgotPasswordForm() {
  const [state, action] = useActionState(forgotPasswordAction, initialFormState);
  return (
    <form action={action} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <Field name="email" label="Email" type="email" autoComplete="email" inputMode="email" required defaultValue={state.values?.email} error={state.fieldErrors?.email} />
      <SubmitButton pendingLabel="Sending…">Email me a reset link</SubmitButton>
    </form>
  );
}
