import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { LineAmount } from "@/components/order/line-amount";
import { notFound } from "next/navigation";
import { countryName } from "@/lib/account/address-form";
import { addressLines, formatDate, orderStatusLabel } from "@/lib/account/format";
import { requireUser } from "@/lib/account/session";
import { shippingWaiver, waiverText } from "@/lib/checkout/shipping-waiver";
import { formatMoney } from "@/lib/format/money";
import { notFoundMetadata } from "@/lib/metadata/not-found";
import { readOrder } from "@/lib/orders/read";

export async function generateMetadata({ params }: PageProps<"/account/orders/[id]">): Promise<Metadata> {
  const read = await readOrder((await params).id, null);
  if (read.kind === "missing") return notFoundMetadata;
  return { title: read.kind === "found" ? `Order ${read.order.number}` : "Order details", robots: { index: false } };
}

export default async function OrderPage({ params }: PageProps<"/account/orders/[id]">) {
  const { id } = await params;
  await requireUser(`/account/orders/${id}`);
  const read = await readOrder(id, null);
  if (read.kind === "missing") notFound();
  if (read.kind === "failed") throw new Error(read.detail);
  const { order } = read;
  const shippingName = typeof order.shipping_method.name === "string" ? order.shipping_method.name : null;
  const waiver = shippingWaiver(order.shipping_method.price, order.shipping_total, order.discount_code);
  return (
    <div className="space-y-8">
      <p className="text-sm">
        <Link href="/account/orders" className="text-brand-700 underline">
          ← Your orders
        </Link>
      </p>
      <div>
        <h1 className="text-2xl font-bold">Order {order.number}</h1>
        <p className="mt-1 text-muted">
          Placed on {formatDate(order.created_at)} · <strong className="text-ink">{orderStatusLabel(order.status)}</strong>
        </p>
        {order.status === "pending_payment" ? (
          <p className="mt-2 text-sm">
            This order is waiting for payment.{" "}
            <Link href={`/orders/${order.id}`} className="font-medium text-brand-700 underline">
              Pay for this order
            </Link>
          </p>
        ) : null}
      </div>
      <section aria-labelledby="items-heading">
        <h2 id="items-heading" className="mb-3 text-lg font-semibold">
          Items
        </h2>
        <ul className="divide-y divide-gray-200 rounded-md border border-gray-200">
          {order.lines.map((line) => (
            <li key={line.id} className="flex flex-wrap justify-between gap-2 px-4 py-3 text-sm">
              <span>
                <span className="font-medium">{line.product_title}</span>
                {line.variant_title ? <span className="text-muted"> · {line.variant_title}</span> : null}
                <span className="block text-xs text-muted">SKU {line.sku}</span>
              </span>
              <span>
                {line.quantity} × {formatMoney(line.unit_price)}
              </span>
              <LineAmount line={line} />
            </li>
          ))}
        </ul>
      </section>
      <section aria-labelledby="totals-heading" className="max-w-sm">
        <h2 id="totals-heading" className="mb-3 text-lg font-semibold">
          Summary
        </h2>
        <dl className="grid grid-cols-2 gap-y-1 text-sm">
          <dt>Subtotal</dt>
          <dd className="text-right">{formatMoney(order.subtotal)}</dd>
          {order.discount_total.amount ? (
            <>
              <dt>Discount{order.discount_code ? ` (${order.discount_code})` : ""}</dt>
              <dd className="text-right">−{formatMoney(order.discount_total)}</dd>
            </>
          ) : null}
          <dt>Shipping{shippingName ? ` (${shippingName})` : ""}</dt>
          <dd className="text-right">
            {waiver ? (
              <>
                <span className="sr-only">was </span><s className="text-muted">{formatMoney(waiver.listed)}</s>{" "}
                <span className="sr-only">now </span>
              </>
            ) : null}
            {formatMoney(order.shipping_total)}
          </dd>
          {waiver ? <dd className="col-span-2 text-right text-green-800">{waiverText(waiver)}</dd> : null}
          <dt>{order.prices_include_tax ? "Included tax" : "Tax"}</dt>
          <dd className="text-right">{formatMoney(order.tax_total)}</dd>
          <dt className="font-semibold">Total</dt>
          <dd className="text-right font-semibold">{formatMoney(order.total)}</dd>
          {order.amount_refunded.amount ? (
            <>
              <dt>Refunded</dt>
              <dd className="text-right">{formatMoney(order.amount_refunded)}</dd>
            </>
          ) : null}
        </dl>
      </section>
      <div className="grid gap-6 sm:grid-cols-2">
        <AddressBlock id="ship-heading" title="Shipping address" address={order.shipping_address} />
        <AddressBlock id="bill-heading" title="Billing address" address={order.billing_address} />
      </div>
    </div>
  );
}

function AddressBlock({ id, title, address }: { id: string; title: string; address: Record<string, unknown> }) {
  return (
    <section aria-labelledby={id}>
      <h2 id={id} className="mb-2 text-lg font-semibold">
        {title}
      </h2>
      <address className="text-sm not-italic">
        {addressLines(address, countryName).map((line, i) => (
          <span key={i} className="block">
            {line}
          </span>
        ))}
      </address>
    </section>
  );
}
