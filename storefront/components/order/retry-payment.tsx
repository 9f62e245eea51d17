"use client";
import { useState, useTransition } from "react";
import { payOrder, type PayResult } from "@/lib/checkout/actions";
import type { CardFields } from "@/lib/checkout/card";
import { localOrderStorage, rememberOrder } from "@/lib/checkout/order-memory";
import { CardForm } from "@/components/checkout/card-form";

/** Pay an order awaiting payment again from its page (fresh intent; the old one is voided). */
export function RetryPayment({ orderId, token, label, heading = "Pay for this order" }: { orderId: string; token: string | null; label: string; heading?: string }) {
  const [pending, start] = useTransition();
  const [result, setResult] = useState<PayResult | null>(null);
  function pay(card: CardFields) {
    setResult(null);
    start(async () => {
      try {
        const answer = await payOrder(orderId, token, card); // "done" redirects back here
        if (answer.ok && answer.kind === "challenge") rememberOrder(localOrderStorage(), answer.orderUrl, { intentId: answer.intentId, url: answer.url });
        setResult(answer);
      } catch {
        setResult({ ok: false, code: "network", message: "The connection was lost. Check your connection and try again." });
      }
    });
  }
  return (
    <section aria-labelledby="retry-heading" className="space-y-3 rounded-lg border border-gray-200 p-4">
      <h2 id="retry-heading" className="text-lg font-semibold">{heading}</h2>
      {result && !result.ok ? <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">{result.message}</p> : null}
      {result?.ok && result.kind === "challenge" ? (
        <p className="text-sm">
          <a href={result.url} target="_blank" rel="noopener noreferrer" className="font-semibold text-brand-700 underline">Approve the payment with your bank</a>{" "}
          (opens in a new tab); this page updates once it is approved.
        </p>
      ) : (
        <CardForm label={label} pending={pending} disabled={false} onPay={pay} />
      )}
    </section>
  );
}
