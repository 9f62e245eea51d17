"use client";
import { useActionState, type ReactNode } from "react";
import { FormMessage, SubmitButton } from "@/components/account/form-parts";
import { initialAdminState, type AdminFormState } from "@/lib/admin/state";
import { useKeepValuesOnError } from "./keep-values";

type Action = (prev: AdminFormState, form: FormData) => Promise<AdminFormState>;

/**
 * A form bound to an admin server action: hidden fields, the caller's fields, the outcome
 * (alert or status) and a submit button. `children` may be a function of the state (field errors).
 * After a refused attempt the fields show what was sent (useKeepValuesOnError).
 */
export function ActionForm({
  action,
  hidden = {},
  submit,
  submitLabel,
  pending,
  variant = "primary",
  className = "flex flex-col gap-3",
  children,
  label,
}: {
  action: Action;
  hidden?: Record<string, string | number>;
  submit: string;
  /** the button's accessible name when its text alone is not distinct (e.g. same as the form's) */
  submitLabel?: string;
  pending: string;
  variant?: "primary" | "danger" | "secondary";
  className?: string;
  children?: ReactNode | ((state: AdminFormState) => ReactNode);
  label?: string;
}) {
  const [state, formAction] = useActionState(action, initialAdminState);
  const keep = useKeepValuesOnError(state);
  return (
    <form action={formAction} {...keep} className={className} aria-label={label}>
      {Object.entries(hidden).map(([name, value]) => (
        <input key={name} type="hidden" name={name} value={String(value)} />
      ))}
      {typeof children === "function" ? children(state) : children}
      <FormMessage state={state} />
      <div>
        <SubmitButton pendingLabel={pending} variant={variant} label={submitLabel}>
          {submit}
        </SubmitButton>
      </div>
    </form>
  );
}
