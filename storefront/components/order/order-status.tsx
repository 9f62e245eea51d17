"use client";
import { useEffect, useState } from "react";
import { useRouter } from "next/navigation";
import { phaseMessage, shouldPoll, type PaymentPhase } from "@/lib/checkout/order-status";

/**
 * The order's payment status, announced politely. While the payment webhook has not arrived it
 * polls /orders/{id}/status, then refreshes the page (server-rendered details) once it changes.
 */
export function OrderStatus({
  orderId,
  token,
  initialPhase,
  failure = null,
}: {
  orderId: string;
  token: string | null;
  initialPhase: PaymentPhase;
  /** Why the latest attempt failed, in words (the order's `payment.failure_message`). */
  failure?: string | null;
}) {
  const router = useRouter();
  const [phase, setPhase] = useState(initialPhase);
  useEffect(() => setPhase(initialPhase), [initialPhase]); // eslint-disable-line react-hooks/set-state-in-effect

  useEffect(() => {
    if (!shouldPoll(phase)) return;
    let stopped = false;
    let delay = 1000;
    let timer: ReturnType<typeof setTimeout>;
    const url = `/orders/${orderId}/status${token ? `?token=${encodeURIComponent(token)}` : ""}`;
    const tick = async () => {
      try {
        const res = await fetch(url, { cache: "no-store" });
        if (res.ok) {
          const body = (await res.json()) as { phase: PaymentPhase };
          if (!stopped && body.phase !== phase) {
            setPhase(body.phase);
            router.refresh();
            return;
          }
        }
      } catch {
        // offline for a moment: keep polling
      }
      delay = Math.min(delay * 1.5, 5000);
      if (!stopped) timer = setTimeout(tick, delay);
    };
    timer = setTimeout(tick, delay);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [phase, orderId, token, router]);

  const tone = phase === "paid" ? "border-green-300 bg-green-50 text-green-900" : phase === "failed" ? "border-red-300 bg-red-50 text-red-900" : "border-gray-300 bg-gray-50";
  return (
    <p role="status" aria-live="polite" className={`rounded-md border px-4 py-3 font-medium ${tone}`}>
      {phaseMessage(phase, phase === initialPhase ? failure : null)}
    </p>
  );
}
