"use client";
import { useEffect, useState } from "react";
import { approvalUrlFor, localOrderStorage, recallOrder } from "@/lib/checkout/order-memory";
import { RetryPayment } from "./retry-payment";

/**
 * An order whose payment waits for the bank's approval (3-D Secure): continue that approval when
 * this browser started it (the API does not hand the approval link out again), or pay with
 * another card instead (POST /orders/{id}/payment voids the waiting payment first).
 */
export function PendingApproval({ orderId, token, intentId, label }: { orderId: string; token: string | null; intentId: string | null; label: string }) {
  const [approvalUrl, setApprovalUrl] = useState<string | null>(null);
  useEffect(() => {
    setApprovalUrl(approvalUrlFor(recallOrder(localOrderStorage(), orderId), intentId)); // eslint-disable-line react-hooks/set-state-in-effect
  }, [orderId, intentId]);
  return (
    <div className="space-y-4">
      <section aria-labelledby="approval-heading" className="space-y-2 rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm">
        <h2 id="approval-heading" className="text-lg font-semibold">{"Your bank's approval"}</h2>
        {approvalUrl ? (
          <p>
            <a href={approvalUrl} target="_blank" rel="noopener noreferrer" className="font-semibold text-brand-700 underline">
              Continue the approval with your bank
            </a>{" "}
            (opens in a new tab); this page updates once it is approved.
          </p>
        ) : (
          <p>Your bank asked you to approve this payment. If you no longer have its approval page open, pay with another card below.</p>
        )}
      </section>
      <RetryPayment orderId={orderId} token={token} label={label} heading="Pay with another card" />
    </div>
  );
}
