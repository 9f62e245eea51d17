"use client";
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from "react";
import { useFormStatus } from "react-dom";
import { FieldHint, hintDescribes } from "@/components/address/field-hint";
import type { FormState } from "@/lib/account/problems";

const inputClass =
  "mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-base aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";

export interface FieldProps {
  name: string;
  label: string;
  type?: string;
  autoComplete?: string;
  required?: boolean;
  defaultValue?: string;
  /** null: the hint's line is kept, empty (see FieldHint) */
  hint?: string | null;
  error?: string;
  minLength?: number;
  maxLength?: number;
  inputMode?: "email" | "tel" | "text";
}

/** A labelled input with its hint and error tied to it (aria-describedby, aria-invalid). */
export function Field({ name, label, type = "text", autoComplete, required, defaultValue, hint, error, minLength, maxLength, inputMode }: FieldProps) {
  const id = `field-${name}`;
  const described = [hintDescribes(`${id}-hint`, hint), error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
        {required ? null : <span className="font-normal text-muted"> (optional)</span>}
      </label>
      <input
        id={id}
        name={name}
        type={type}
        autoComplete={autoComplete}
        required={required}
        defaultValue={defaultValue}
        minLength={minLength}
        maxLength={maxLength}
        inputMode={inputMode}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
        className={inputClass}
      />
      <FieldHint id={`${id}-hint`} hint={hint === "" ? undefined : hint} />
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function SelectField({ name, label, options, defaultValue, error, autoComplete, onChange }: { name: string; label: string; options: Array<[string, string]>; defaultValue?: string; error?: string; autoComplete?: string; onChange?: (value: string) => void }) {
  const id = `field-${name}`;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <select id={id} name={name} defaultValue={defaultValue} autoComplete={autoComplete} onChange={onChange ? (e) => onChange(e.target.value) : undefined} required aria-invalid={error ? true : undefined} aria-describedby={error ? `${id}-error` : undefined} className={inputClass}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function Checkbox({ name, label, defaultChecked, hint }: { name: string; label: string; defaultChecked?: boolean; hint?: string }) {
  const id = `field-${name}`;
  return (
    <div className="flex items-start gap-2">
      <input id={id} name={name} type="checkbox" defaultChecked={defaultChecked} aria-describedby={hint ? `${id}-hint` : undefined} className="mt-1 h-4 w-4 rounded border-gray-300" />
      <div>
        <label htmlFor={id} className="text-sm font-medium">
          {label}
        </label>
        {hint ? (
          <p id={`${id}-hint`} className="text-xs text-muted">
            {hint}
          </p>
        ) : null}
      </div>
    </div>
  );
}

/**
 * The form's outcome: errors as an alert, successes as a polite status. The status region is
 * always rendered so screen readers announce a message that appears later. After an error, focus
 * moves to the first invalid field (or the alert) so keyboard users land where the fix is needed.
 */
export function FormMessage({ state, focusSuccess = false }: { state: FormState; focusSuccess?: boolean }) {
  const alertRef = useRef<HTMLParagraphElement>(null);
  const statusRef = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    // `focusSuccess`: the success replaced the form (and its focused button), so the message takes the focus
    if (state.status === "success" && focusSuccess) statusRef.current?.focus();
    const alert = alertRef.current;
    if (state.status !== "error" || !alert) return;
    const invalid = alert.closest("form")?.querySelector<HTMLElement>('[aria-invalid="true"]');
    (invalid ?? alert).focus();
  }, [state, focusSuccess]);
  return (
    <>
      {state.status === "error" ? (
        <p ref={alertRef} role="alert" tabIndex={-1} className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          {state.message}
        </p>
      ) : null}
      <p ref={statusRef} tabIndex={focusSuccess ? -1 : undefined} role="status" aria-live="polite" className={state.status === "success" ? "rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" : "sr-only"}>
        {state.status === "success" ? state.message : ""}
      </p>
    </>
  );
}

/**
 * Submit button that shows a busy label while its form's action runs. It is aria-disabled, not
 * disabled, meanwhile: a disabled button drops the keyboard focus to <body>, so after the action
 * a keyboard or screen reader user would start again from the top of the page. A second press
 * while pending is ignored.
 */
export function SubmitButton({
  children,
  pendingLabel,
  variant = "primary",
  label,
}: {
  children: ReactNode;
  pendingLabel: string;
  variant?: "primary" | "danger" | "secondary";
  /** an accessible name of its own (the visible text starts it); not while busy */
  label?: string;
}) {
  const { pending } = useFormStatus();
  const colors =
    variant === "danger"
      ? "bg-red-700 text-white hover:bg-red-800"
      : variant === "secondary"
        ? "border border-gray-300 bg-white hover:bg-gray-50"
        : "bg-brand-600 text-white hover:bg-brand-700";
  return (
    <button
      type="submit"
      aria-disabled={pending}
      aria-busy={pending}
      aria-label={pending ? undefined : label}
      onClick={(event) => {
        if (pending) event.preventDefault(); // Enter in a field clicks this button too
      }}
      className={`w-full rounded-md px-4 py-2 font-medium aria-disabled:opacity-60 sm:w-auto ${colors}`}
    >
      {pending ? pendingLabel : children}
    </button>
  );
}

/**
 * The new password typed twice is compared before the form is sent: on a mismatch nothing is sent,
 * so React does not reset the form (the passwords are never written back after a refusal, and the
 * shopper would have to type all of them again while the error named one field); the confirmation
 * field says why and takes the focus. The action still checks.
 */
export function usePasswordConfirmation() {
  const [mismatch, setMismatch] = useState(false);
  function onSubmit(event: FormEvent<HTMLFormElement>) {
    const form = event.currentTarget;
    const data = new FormData(form);
    const same = data.get("new_password") === data.get("confirm_password");
    setMismatch(!same);
    if (same) return;
    event.preventDefault();
    form.querySelector<HTMLInputElement>('[name="confirm_password"]')?.focus();
  }
  return { onSubmit, confirmError: mismatch ? "The passwords do not match." : undefined };
}
