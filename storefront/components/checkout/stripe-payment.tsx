"use client";
import { useMemo, useState } from "react";
import { Elements, PaymentElement, useElements, useStripe } from "@stripe/react-stripe-js";
import { loadStripe } from "@stripe/stripe-js";
import { finishCheckout } from "@/lib/checkout/actions";

/**
 * Stripe's Payment Element (when the API's checkout answers `payment.provider == "stripe"`).
 * Stripe.js is loaded from js.stripe.com (allowed by the CSP only when the publishable key is set)
 * and confirms with the client secret; after a decline the shopper confirms the same intent again.
 */
export function StripePayment({ publishableKey, clientSecret, orderUrl, label }: { publishableKey: string; clientSecret: string; orderUrl: string; label: string }) {
  const stripe = useMemo(() => loadStripe(publishableKey), [publishableKey]);
  return (
    <Elements stripe={stripe} options={{ clientSecret }}>
      <StripeForm orderUrl={orderUrl} label={label} />
    </Elements>
  );
}

function StripeForm({ orderUrl, label }: { orderUrl: string; label: string }) {
  const stripe = useStripe();
  const elements = useElements();
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(event: React.FormEvent) {
    event.preventDefault();
    if (!stripe || !elements) return;
    setPending(true);
    setError(null);
    try {
      const result = await stripe.confirmPayment({
        elements,
        confirmParams: { return_url: new URL(orderUrl, window.location.origin).toString() },
        redirect: "if_required",
      });
      if (result.error) {
        setError(result.error.message ?? "Your payment did not go through. Your order is kept: try again.");
        return;
      }
      await finishCheckout(orderUrl);
    } catch {
      setError("The connection was lost. Check your connection and try again — you will not be charged twice.");
    } finally {
      setPending(false);
    }
  }

  return (
    <form onSubmit={submit} className="space-y-3">
      <PaymentElement />
      {error ? <p role="alert" className="text-sm text-red-800">{error}</p> : null}
      <button type="submit" disabled={!stripe || pending} className="w-full rounded-md bg-brand-600 px-6 py-3 font-semibold text-white hover:bg-brand-700 disabled:opacity-60">
        {pending ? "Processing payment…" : label}
      </button>
    </form>
  );
}
