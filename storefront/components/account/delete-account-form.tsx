"use client";
import { useActionState, useState } from "react";
import { deleteAccountAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";
import { invalidateWishlist } from "@/lib/wishlist/store";
import { Field, FormMessage, SubmitButton } from "./form-parts";

/** Two steps: "Delete my account…" reveals a form that needs the word DELETE typed. */
export function DeleteAccountForm() {
  const [state, action] = useActionState(deleteAccountAction, initialFormState);
  const [open, setOpen] = useState(false);
  if (!open && state.status === "idle") {
    return (
      <button type="button" onClick={() => setOpen(true)} className="rounded-md border border-red-700 px-4 py-2 font-medium text-red-700 hover:bg-red-50">
        Delete my account…
      </button>
    );
  }
  return (
    <form action={action} onSubmit={invalidateWishlist} className="space-y-4 rounded-md border border-red-300 p-4" noValidate>
      <FormMessage state={state} />
      <p className="text-sm">
        This closes your account and erases your personal data. Orders are kept for accounting without your name. This cannot be undone.
      </p>
      <Field name="confirm" label="Type DELETE to confirm" hint="In capital letters, exactly as shown." autoComplete="off" required defaultValue={state.values?.confirm} error={state.fieldErrors?.confirm} />
      <div className="flex flex-col gap-3 sm:flex-row">
        <SubmitButton pendingLabel="Deleting…" variant="danger">
          Delete my account permanently
        </SubmitButton>
        <button type="button" onClick={() => setOpen(false)} className="rounded-md border border-gray-300 px-4 py-2 font-medium hover:bg-gray-50">
          Cancel
        </button>
      </div>
    </form>
  );
}
