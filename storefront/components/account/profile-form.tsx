"use client";
import { useActionState } from "react";
import { updateProfileAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { Checkbox, Field, FormMessage, SubmitButton } from "./form-parts";

export function ProfileForm({ fullName, marketingConsent }: { fullName: string; marketingConsent: boolean }) {
  const [state, action] = useActionState(updateProfileAction, initialFormState);
  const name = state.values?.full_name ?? fullName;
  const consent = state.values ? state.values.marketing_consent === "on" : marketingConsent;
  return (
    <form action={action} className="space-y-4" noValidate aria-labelledby="profile-heading">
      <FormMessage state={state} />
      <Field name="full_name" label="Full name" autoComplete="name" required defaultValue={name} error={state.fieldErrors?.full_name} maxLength={200} />
      <Checkbox name="marketing_consent" label="Send me news about new arrivals and offers" defaultChecked={consent} hint="By email." />
      <SubmitButton pendingLabel="Saving…">Save profile</SubmitButton>
    </form>
  );
}
