"use client";
import { useActionState } from "react";
import { resendVerificationAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { FormMessage, SubmitButton } from "./form-parts";

export function ResendVerification() {
  const [state, action] = useActionState(resendVerificationAction, initialFormState);
  return (
    <form action={action} className="space-y-2">
      <FormMessage state={state} />
      <SubmitButton pendingLabel="Sending…" variant="secondary">
        Send the verification email again
      </SubmitButton>
    </form>
  );
}
