"use client";
import { useActionState } from "react";
import Link from "@/components/ui/page-link";
import { verifyEmailAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { FormMessage, SubmitButton } from "./form-parts";

/**
 * The emailed link opens this form; the token is used only when the shopper presses the button,
 * so mail scanners that prefetch links do not consume it.
 */
export function VerifyEmailForm({ token }: { token: string }) {
  const [state, action] = useActionState(verifyEmailAction, initialFormState);
  if (state.status === "success") {
    return (
      <div className="space-y-4">
        <FormMessage state={state} focusSuccess />
        <Link href="/account" className="inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
          Continue to your account
        </Link>
      </div>
    );
  }
  return (
    <form action={action} className="space-y-4">
      <FormMessage state={state} />
      <input type="hidden" name="token" value={token} />
      <SubmitButton pendingLabel="Confirming…">Confirm my email address</SubmitButton>
    </form>
  );
}
