"use client";
import { useActionState } from "react";
import { deleteAddressAction } from "@/lib/account/actions";
import { initialFormState } from "@/lib/account/problems";

/** Deletes one address after the browser's confirmation dialog. */
export function DeleteAddressButton({ id, label }: { id: string; label: string }) {
  const [state, action, pending] = useActionState(deleteAddressAction, initialFormState);
  return (
    <form
      action={action}
      onSubmit={(event) => {
        if (!window.confirm(`Delete the address “${label}”?`)) event.preventDefault();
      }}
    >
      <input type="hidden" name="id" value={id} />
      <button type="submit" disabled={pending} aria-label={`Delete address: ${label}`} className="text-sm font-medium text-red-700 underline disabled:opacity-60">
        {pending ? "Deleting…" : "Delete"}
      </button>
      {state.status === "error" ? (
        <p role="alert" className="text-sm text-red-700">
          {state.message}
        </p>
      ) : null}
    </form>
  );
}
