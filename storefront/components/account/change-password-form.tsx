"use client";
import { useActionState } from "react";
import { changePasswordAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { Field, FormMessage, SubmitButton, usePasswordConfirmation } from "./form-parts";

export function ChangePasswordForm() {
  const [state, action] = useActionState(changePasswordAction, initialFormState);
  const errors = state.fieldErrors ?? {};
  const { onSubmit, confirmError } = usePasswordConfirmation();
  return (
    <form action={action} onSubmit={onSubmit} className="space-y-4" noValidate aria-labelledby="password-heading">
      <FormMessage state={state} />
      <Field name="current_password" label="Current password" type="password" autoComplete="current-password" required error={errors.current_password} />
      <Field name="new_password" label="New password" type="password" autoComplete="new-password" required hint="At least 8 characters." error={errors.new_password} />
      <Field name="confirm_password" label="Confirm password" type="password" autoComplete="new-password" required error={confirmError ?? errors.confirm_password} />
      <SubmitButton pendingLabel="Changing…">Change password</SubmitButton>
    </form>
  );
}
