import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { countryName } from "@/lib/account/address-form";
import { ActionForm } from "@/components/admin/action-form";
import { AdminField, ErrorNote, PageHeading, Section, narrowTableClass, secondaryLink, tdClass, thClass } from "@/components/admin/fields";
import { AdminOrderLines } from "@/components/admin/order-lines";
import { RefundForm } from "@/components/admin/refund-form";
import { ShipmentTable } from "@/components/admin/shipment-table";
import { addOrderNote, cancelOrder, createShipment, resendConfirmation } from "@/lib/admin/actions";
import { actorEmails, actorLabel } from "@/lib/admin/actors";
import { refundable, statusLabel, utcMinute, waivedShipping } from "@/lib/admin/format";
import { orderFlash } from "@/lib/admin/order-flash";
import { one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";
import { FlashMessage } from "@/components/ui/flash-message";

export const metadata: Metadata = { title: "Order" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CANCELLABLE = new Set(["pending_payment", "paid", "partially_refunded", "refunded"]);
const FULFILLABLE = new Set(["paid", "partially_fulfilled", "partially_refunded"]);

function eventText(e: { kind: string; from_status: string | null; to_status: string | null; note: string | null }): string {
  if (e.kind === "status" && e.to_status) return `Status: ${statusLabel(e.from_status ?? "new")} → ${statusLabel(e.to_status)}`;
  if (e.kind === "note") return `Note: ${e.note ?? ""}`;
  return `${statusLabel(e.kind)}${e.note ? `: ${e.note}` : ""}`;
}

export default async function AdminOrderPage({ params, searchParams }: PageProps<"/admin/orders/[id]">) {
  const { id } = await params;
  const query = (await searchParams) as Params;
  await requireStaff(`/admin/orders/${id}`);
  if (!UUID.test(id)) notFound();
  const api = await sessionApi();
  const { data: order, error, response } = await api.GET("/api/v1/admin/orders/{order_id}", { params: { path: { order_id: id } } });
  if (response.status === 404) notFound();
  if (!order) return <ErrorNote message={problemMessage(asProblem(error, response.status))} />;
  const captured = order.payment?.amount_captured.amount ?? order.amount_paid.amount;
  const canRefund = refundable(captured, order.amount_refunded.amount);
  const remaining = order.lines.filter((l) => l.quantity_fulfilled < l.quantity);
  const address = order.shipping_address as Record<string, string | undefined>;
  const waived = waivedShipping(order);
  const hidden = { order_id: order.id };
  const shipments = await api.GET("/api/v1/admin/shipments", { params: { query: { order_id: order.id, limit: 100 } } });
  // The timeline names staff by email ("staff:<id>" in the history); an account gone keeps its id.
  const staff = await actorEmails(api, order.history.map((e) => e.actor));
  const actorName = (actor: string) => actorLabel(actor, staff);
  // an action that removed its own form (last lines shipped, cancelled, label voided…) redirected here
  const flash = orderFlash(one(query, "done"), one(query, "shipment"), shipments.data?.items ?? []);
  return (
    <>
      <PageHeading title={`Order ${order.number}`}>
        <Link href="/admin/orders" className={secondaryLink}>
          All orders
        </Link>
      </PageHeading>
      <FlashMessage message={flash} className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" />
      <p className="mb-6">
        Status: <strong data-testid="order-status">{statusLabel(order.status)}</strong> · placed {utcMinute(order.created_at)} UTC by{" "}
        {order.customer_id ? (
          <Link href={`/admin/customers/${order.customer_id}`} className="text-brand-700 underline">
            {order.email}
          </Link>
        ) : (
          <span>{order.email} (guest)</span>
        )}
      </p>
      <div className="grid gap-6 lg:grid-cols-2">
        <Section title="Items">
          <AdminOrderLines lines={order.lines} />
          <dl className="mt-3 grid grid-cols-2 gap-1 text-sm">
            <dt>Subtotal</dt>
            <dd className="text-right">{formatMoney(order.subtotal)}</dd>
            {order.discount_total.amount > 0 ? (
              <>
                <dt>Discount{order.discount_code ? ` (${order.discount_code})` : ""}</dt>
                <dd className="text-right">−{formatMoney(order.discount_total)}</dd>
              </>
            ) : null}
            <dt>Shipping{waived > 0 ? ` (free with ${order.discount_code})` : ""}</dt>
            <dd className="text-right">
              {waived > 0 ? (
                <>
                  <s className="text-muted" aria-label={`instead of ${formatMoney({ amount: waived, currency: order.currency })}`}>
                    {formatMoney({ amount: waived, currency: order.currency })}
                  </s>{" "}
                </>
              ) : null}
              {formatMoney(order.shipping_total)}
            </dd>
            <dt>{order.prices_include_tax ? "Included tax" : "Tax"}</dt>
            <dd className="text-right">{formatMoney(order.tax_total)}</dd>
            <dt className="font-semibold">Total</dt>
            <dd className="text-right font-semibold">{formatMoney(order.total)}</dd>
            <dt>Paid</dt>
            <dd className="text-right">{formatMoney(order.amount_paid)}</dd>
            <dt>Refunded</dt>
            <dd className="text-right">{formatMoney(order.amount_refunded)}</dd>
          </dl>
          <p className="mt-3 text-sm text-muted">
            Ship to: {[address.first_name, address.last_name].filter(Boolean).join(" ")}, {address.line1}, {address.postal_code} {address.city}, {countryName(address.country ?? "")}
          </p>
          {order.customer_note ? <p className="mt-2 text-sm">Customer note: {order.customer_note}</p> : null}
        </Section>
        <Section title="Create shipment">
          {FULFILLABLE.has(order.status) && remaining.length > 0 ? (
            <ActionForm action={createShipment} hidden={{ ...hidden, return_to: "order" }} submit="Buy label" pending="Buying label…" label="Create shipment">
              <p className="text-sm text-muted">Choose what goes in this parcel; buying the label books it with the configured carrier.</p>
              {remaining.map((l) => (
                <AdminField key={l.id} id={`ship-${l.id}`} label={`Quantity of ${l.product_title}${l.variant_title ? ` — ${l.variant_title}` : ""} to ship`}>
                  {(p) => <input {...p} name={`qty_${l.id}`} type="number" min={0} max={l.quantity - l.quantity_fulfilled} defaultValue={l.quantity - l.quantity_fulfilled} />}
                </AdminField>
              ))}
            </ActionForm>
          ) : (
            <p className="text-muted">{order.status === "pending_payment" ? "Nothing to ship until the order is paid." : "Nothing left to ship."}</p>
          )}
        </Section>
        <Section title="Shipments">
          {!shipments.data ? (
            <ErrorNote message={problemMessage(asProblem(shipments.error, shipments.response.status))} />
          ) : shipments.data.items.length === 0 ? (
            <p className="text-muted">No shipments yet.</p>
          ) : (
            <ShipmentTable shipments={shipments.data.items} caption={`Shipments of order ${order.number}`} onOrderPage />
          )}
        </Section>
        <Section title="Payment">
          {order.payment ? (
            <dl className="grid grid-cols-2 gap-1 text-sm">
              <dt>Provider</dt>
              <dd>{order.payment.provider}</dd>
              <dt>Status</dt>
              <dd>{statusLabel(order.payment.status)}</dd>
              <dt>Authorised</dt>
              <dd>{formatMoney(order.payment.amount_authorized)}</dd>
              <dt>Captured</dt>
              <dd>{formatMoney(order.payment.amount_captured)}</dd>
              <dt>Refunded</dt>
              <dd>{formatMoney(order.payment.amount_refunded)}</dd>
            </dl>
          ) : (
            <p className="text-muted">No payment.</p>
          )}
          <h3 className="mb-2 mt-4 font-semibold">Ledger</h3>
          {(order.transactions ?? []).length === 0 ? (
            <p className="text-sm text-muted">No transactions.</p>
          ) : (
            <div className="overflow-x-auto" tabIndex={0}>
              <table className={narrowTableClass}>
                <caption className="sr-only">Payment ledger, oldest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>When (UTC)</th>
                    <th scope="col" className={thClass}>Kind</th>
                    <th scope="col" className={thClass}>Amount</th>
                    <th scope="col" className={thClass}>Outcome</th>
                  </tr>
                </thead>
                <tbody>
                  {(order.transactions ?? []).map((t) => (
                    <tr key={t.id}>
                      <td className={tdClass}>{utcMinute(t.created_at)}</td>
                      <td className={tdClass}>{statusLabel(t.kind)}</td>
                      <td className={tdClass}>{formatMoney(t.amount)}</td>
                      <td className={tdClass}>{t.status}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </Section>
        <Section title="Refund">
          {canRefund > 0 ? (
            <RefundForm orderId={order.id} refundable={canRefund} currency={order.currency} />
          ) : (
            <p className="text-muted">Nothing left to refund.</p>
          )}
        </Section>
        <Section title="Timeline">
          <ol className="flex flex-col gap-2 text-sm">
            {order.history.map((e) => (
              <li key={e.id} className="border-l-2 border-gray-200 pl-3">
                <span className="text-muted">{utcMinute(e.created_at)} UTC · {actorName(e.actor)}</span>
                <div>{eventText(e)}</div>
              </li>
            ))}
          </ol>
          <h3 className="mb-2 mt-4 font-semibold">Add a note</h3>
          <ActionForm action={addOrderNote} hidden={hidden} submit="Add note" pending="Adding…" variant="secondary" label="Add a note">
            <AdminField id="order-note" label="Internal note" hint="Only staff see notes.">
              {(p) => <textarea {...p} name="note" rows={3} maxLength={2000} required />}
            </AdminField>
          </ActionForm>
        </Section>
        <Section title="Other actions">
          <div className="flex flex-col gap-4">
            {order.paid_at ? (
              <ActionForm action={resendConfirmation} hidden={hidden} submit="Resend confirmation email" pending="Sending…" variant="secondary" />
            ) : null}
            {CANCELLABLE.has(order.status) ? (
              <ActionForm
                action={cancelOrder}
                hidden={{ ...hidden, return_to: "order" }}
                submit="Cancel order"
                submitLabel={`Cancel order ${order.number}`}
                pending="Cancelling…"
                variant="danger"
                label="Cancel order"
              >
                <p className="text-sm text-muted">Cancelling releases the stock{order.paid_at ? " and refunds what was paid" : ""}.</p>
              </ActionForm>
            ) : null}
          </div>
        </Section>
      </div>
    </>
  );
}
