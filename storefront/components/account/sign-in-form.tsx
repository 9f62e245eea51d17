"use client";
import { useActionState } from "react";
import { signInAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { invalidateWishlist } from "@/lib/wishlist/store";
import { Field, FormMessage, SubmitButton } from "./form-parts";
import Link from "@/components/ui/page-link";

/** Sign-in form: clear errors (wrong password, throttled with the retry time), then `next`. */
export function SignInForm({ next, defaultEmail }: { next?: string; defaultEmail?: string }) {
  const [state, action] = useActionState(signInAction, initialFormState);
  return (
    <form action={action} onSubmit={invalidateWishlist} className="space-y-4" noValidate>
      <FormMessage state={state} />
      <input type="hidden" name="next" value={next ?? "/account"} />
      <Field name="email" label="Email" type="email" autoComplete="email" inputMode="email" required defaultValue={state.values?.email ?? defaultEmail} error={state.fieldErrors?.email} />
      <Field name="password" label="Password" type="password" autoComplete="current-password" required error={state.fieldErrors?.password} />
      <div className="flex flex-col gap-3 sm:flex-row sm:items-center sm:justify-between">
        <SubmitButton pendingLabel="Signing in…">Sign in</SubmitButton>
        <Link href="/account/forgot-password" className="text-sm text-brand-700 underline">
          Forgot your password?
        </Link>
      </div>
    </form>
  );
}
