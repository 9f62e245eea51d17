"use client";
import { useActionState } from "react";
import { resetPasswordAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { Field, FormMessage, SubmitButton, usePasswordConfirmation } from "./form-parts";
import Link from "@/components/ui/page-link";

export function ResetPasswordForm({ token }: { token: string }) {
  const [state, action] = useActionState(resetPasswordAction, initialFormState);
  const confirmation = usePasswordConfirmation();
  if (state.status === "success") {
    return (
      <div className="space-y-4">
        <FormMessage state={state} focusSuccess />
        <Link href="/account/sign-in" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Go to sign in
        </Link>
      </div>
    );
  }
  const errors = state.fieldErrors ?? {};
  return (
    <form action={action} onSubmit={confirmation.onSubmit} className="space-y-4" noValidate>
      <FormMessage state={state} />
      {state.code === "invalid_token" ? (
        <p className="text-sm">
          <Link href="/account/forgot-password" className="text-brand-700 underline">
            Request a new link
          </Link>
        </p>
      ) : null}
      <input type="hidden" name="token" value={token} />
      <Field name="new_password" label="New password" type="password" autoComplete="new-password" required hint="At least 8 characters." error={errors.new_password} />
      <Field name="confirm_password" label="Confirm password" type="password" autoComplete="new-password" required error={confirmation.confirmError ?? errors.confirm_password} />
      <SubmitButton pendingLabel="Saving…">Set new password</SubmitButton>
    </form>
  );
}
