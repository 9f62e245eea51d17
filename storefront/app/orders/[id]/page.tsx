import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { LineAmount } from "@/components/order/line-amount";
import { OrderStatus } from "@/components/order/order-status";
import { PendingApproval } from "@/components/order/pending-approval";
import { RetryPayment } from "@/components/order/retry-payment";
import { OrderShipments } from "@/components/shipping/order-shipments";
import { WeatherNotice } from "@/components/weather-notice";
import { TotalsList } from "@/components/checkout/order-summary";
import { countryName } from "@/lib/account/address-form";
import { addressLines } from "@/lib/account/format";
import { paymentPhase } from "@/lib/checkout/order-status";
import { shippingWaiver, waiverText } from "@/lib/checkout/shipping-waiver";
import { formatMoney } from "@/lib/format/money";
import { deliveryWeatherNotice } from "@/lib/integrations/api";
import { weatherAddressOf } from "@/lib/integrations/notice";
import { notFoundMetadata } from "@/lib/metadata/not-found";
import { readOrder } from "@/lib/orders/read";
import { sessionApi } from "@/lib/session/api";

function tokenOf(query: Record<string, string | string[] | undefined>): string | null {
  return typeof query.token === "string" ? query.token : null;
}

export async function generateMetadata({ params, searchParams }: PageProps<"/orders/[id]">): Promise<Metadata> {
  const read = await readOrder((await params).id, tokenOf(await searchParams));
  if (read.kind === "missing") return { ...notFoundMetadata, robots: { index: false, follow: false } };
  return { title: read.kind === "found" ? `Order ${read.order.number}` : "Your order", robots: { index: false, follow: false } };
}

/**
 * Order confirmation and status: the owner (session) or a guest with the signed token from the
 * checkout or the emails. Polls until the payment webhook marks the order paid; after a failed
 * attempt the shopper pays again here, and while the bank's approval is pending they continue it
 * (when this browser started it) or pay with another card.
 */
export default async function OrderPage({ params, searchParams }: PageProps<"/orders/[id]">) {
  const { id } = await params;
  const query = await searchParams;
  const token = tokenOf(query);
  const read = await readOrder(id, token);
  if (read.kind === "missing") notFound();
  if (read.kind === "failed") throw new Error(read.detail);
  const { order } = read;
  const api = await sessionApi();
  const phase = paymentPhase(order);
  const { data: shipments } = await api.GET("/api/v1/orders/{order_id}/shipments", {
    params: { path: { order_id: id }, query: token ? { token } : {} },
  });
  // Severe weather at the destination while a parcel is still on its way (hidden otherwise).
  const underway = (shipments?.items ?? []).some((s) => !["delivered", "returned"].includes(s.status));
  const weather = underway ? await deliveryWeatherNotice(weatherAddressOf(order.shipping_address)) : null;
  const lineTitles = Object.fromEntries(order.lines.map((line) => [line.id, line.product_title]));
  const shipping = order.shipping_method as { name?: unknown; price?: unknown };
  const waiver = shippingWaiver(shipping.price, order.shipping_total, order.discount_code);
  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <h1 className="text-2xl font-bold">Order {order.number}</h1>
        <p className="text-muted">Thank you, {order.customer_name}. We sent the details to {order.email}.</p>
      </div>
      <OrderStatus orderId={order.id} token={token} initialPhase={phase} failure={order.payment?.failure_message} />
      {phase === "failed" ? <RetryPayment orderId={order.id} token={token} label={`Pay ${formatMoney(order.total)}`} /> : null}
      {phase === "action_required" ? (
        <PendingApproval orderId={order.id} token={token} intentId={order.payment?.intent_id ?? null} label={`Pay ${formatMoney(order.total)}`} />
      ) : null}
      {weather ? <WeatherNotice notice={weather} /> : null}
      <OrderShipments shipments={shipments?.items ?? []} lineTitles={lineTitles} />
      <section aria-labelledby="items-heading">
        <h2 id="items-heading" className="mb-2 text-lg font-semibold">Items</h2>
        <ul className="divide-y divide-gray-200 rounded-lg border border-gray-200">
          {order.lines.map((line) => (
            <li key={line.id} className="flex justify-between gap-3 px-4 py-3 text-sm">
              <span>
                <span className="font-medium">{line.product_title}</span> — {line.variant_title} × {line.quantity}
              </span>
              <LineAmount line={line} />
            </li>
          ))}
        </ul>
      </section>
      <div className="grid gap-6 sm:grid-cols-2">
        <section aria-labelledby="ship-heading" className="text-sm">
          <h2 id="ship-heading" className="mb-2 text-lg font-semibold">Shipping</h2>
          <address className="not-italic">
            {addressLines(order.shipping_address, countryName).map((line) => (
              <span key={line} className="block">{line}</span>
            ))}
          </address>
          {typeof shipping.name === "string" ? <p className="mt-2">{shipping.name}{waiver ? ` — ${waiverText(waiver)}` : ""}</p> : null}
        </section>
        <section aria-labelledby="totals-heading">
          <h2 id="totals-heading" className="mb-2 text-lg font-semibold">Totals</h2>
          <TotalsList totals={order} waiver={waiver} />
          {order.amount_paid.amount > 0 ? <p className="mt-2 text-sm">Paid: {formatMoney(order.amount_paid)}</p> : null}
        </section>
      </div>
    </div>
  );
}
