"use client";
import { useState } from "react";
import { cardFields, formatCardNumber, type CardFields, type CardInput } from "@/lib/checkout/card";

/**
 * The sandbox card form (test cards only: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is
 * declined, 4000 0025 0000 3155 asks for the bank's approval). The digits go to a server action,
 * which confirms them with the API; nothing is stored in the browser.
 */
export function CardForm({ label, pending, disabled, onPay }: { label: string; pending: boolean; disabled: boolean; onPay: (card: CardFields) => void }) {
  const [input, setInput] = useState<CardInput>({ number: "", expiry: "", cvc: "" });
  const [invalid, setInvalid] = useState<{ field: keyof CardInput; message: string } | null>(null);

  function submit(event: React.FormEvent) {
    event.preventDefault();
    if (pending || disabled) return; // while paying the button stays enabled, so it keeps the focus
    const parsed = cardFields(input);
    if (!parsed.ok) {
      setInvalid({ field: parsed.field, message: parsed.message });
      document.getElementById(`card-${parsed.field}`)?.focus();
      return;
    }
    setInvalid(null);
    onPay(parsed.card);
  }

  const field = (name: keyof CardInput) => ({
    id: `card-${name}`,
    "aria-invalid": invalid?.field === name ? true : undefined,
    "aria-describedby": invalid?.field === name ? "card-error" : undefined,
    className: "mt-1 w-full rounded-md border border-gray-400 px-3 py-2",
  });

  return (
    <form onSubmit={submit} noValidate className="space-y-3">
      <div>
        <label htmlFor="card-number" className="block text-sm font-medium">Card number</label>
        <input {...field("number")} inputMode="numeric" autoComplete="cc-number" placeholder="4242 4242 4242 4242" value={input.number} onChange={(e) => setInput({ ...input, number: formatCardNumber(e.target.value) })} />
      </div>
      <div className="grid grid-cols-2 gap-3">
        <div>
          <label htmlFor="card-expiry" className="block text-sm font-medium">Expiry (MM/YY)</label>
          <input {...field("expiry")} inputMode="numeric" autoComplete="cc-exp" placeholder="12/34" value={input.expiry} onChange={(e) => setInput({ ...input, expiry: e.target.value.slice(0, 7) })} />
        </div>
        <div>
          <label htmlFor="card-cvc" className="block text-sm font-medium">Security code (CVC)</label>
          <input {...field("cvc")} inputMode="numeric" autoComplete="cc-csc" placeholder="123" value={input.cvc} onChange={(e) => setInput({ ...input, cvc: e.target.value.replace(/\D/g, "").slice(0, 4) })} />
        </div>
      </div>
      {invalid ? (
        <p id="card-error" role="alert" className="text-sm text-red-800">{invalid.message}</p>
      ) : null}
      <button type="submit" disabled={disabled && !pending} aria-disabled={pending || undefined} className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white hover:bg-brand-700 disabled:cursor-not-allowed disabled:opacity-60 aria-disabled:cursor-wait aria-disabled:opacity-60">
        {pending ? "Processing payment…" : label}
      </button>
      <p className="text-xs text-muted">Sandbox payments: use the test card 4242 4242 4242 4242, any future date and any CVC.</p>
    </form>
  );
}
