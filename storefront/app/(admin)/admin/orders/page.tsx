import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, inputClass, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { statusLabel } from "@/lib/admin/format";
import { amountInput, parseAmount } from "@/lib/admin/money";
import { dayBound, hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Orders", alternates: { canonical: "/admin/orders" } };

const STATUSES = ["pending_payment", "paid", "partially_fulfilled", "fulfilled", "shipped", "delivered", "cancelled", "partially_refunded", "refunded"] as const;
type Status = (typeof STATUSES)[number];

export default async function AdminOrdersPage({ searchParams }: PageProps<"/admin/orders">) {
  await requireStaff("/admin/orders");
  const params = (await searchParams) as Params;
  const statusParam = one(params, "status");
  const status = STATUSES.includes(statusParam as Status) ? (statusParam as Status) : undefined;
  const email = one(params, "email");
  const from = one(params, "from");
  const to = one(params, "to");
  const min = one(params, "min");
  const max = one(params, "max");
  const cursor = one(params, "cursor");
  // the Overview's "Waiting for fulfilment": paid (partly refunded too) with items still to ship
  const awaiting = one(params, "awaiting_fulfilment") === "true";
  const totalMin = min ? parseAmount(min) : null;
  const totalMax = max ? parseAmount(max) : null;
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/orders", {
    params: {
      query: {
        status,
        email,
        created_from: dayBound(from),
        created_to: dayBound(to, true),
        total_min: totalMin ?? undefined,
        total_max: totalMax ?? undefined,
        awaiting_fulfilment: awaiting || undefined,
        cursor,
        limit: 25,
      },
    },
  });
  const filters = { status, awaiting_fulfilment: awaiting ? "true" : undefined, email, from, to, min: totalMin === null ? undefined : amountInput(totalMin), max: totalMax === null ? undefined : amountInput(totalMax) };
  return (
    <>
      <PageHeading title="Orders" />
      <FilterForm label="Filter orders" submitLabel="Filter orders" layout="grid gap-3 sm:grid-cols-3 lg:grid-cols-6 lg:items-end">
        <FilterField id="filter-status" label="Status">
          <select id="filter-status" name="status" defaultValue={status ?? ""} className={inputClass}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {statusLabel(s)}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField id="filter-email" label="Customer email">
          <input id="filter-email" name="email" type="email" defaultValue={email} className={inputClass} />
        </FilterField>
        <FilterField id="filter-from" label="Placed from">
          <input id="filter-from" name="from" type="date" defaultValue={from} className={inputClass} />
        </FilterField>
        <FilterField id="filter-to" label="Placed until">
          <input id="filter-to" name="to" type="date" defaultValue={to} className={inputClass} />
        </FilterField>
        <FilterField id="filter-min" label="Total at least">
          <input id="filter-min" name="min" inputMode="decimal" defaultValue={filters.min} className={inputClass} />
        </FilterField>
        <FilterField id="filter-max" label="Total at most">
          <input id="filter-max" name="max" inputMode="decimal" defaultValue={filters.max} className={inputClass} />
        </FilterField>
        <div className="flex items-center gap-2 sm:col-span-3 lg:col-span-6">
          <input id="filter-awaiting" name="awaiting_fulfilment" type="checkbox" value="true" defaultChecked={awaiting} className="h-4 w-4" />
          <label htmlFor="filter-awaiting" className="text-sm">
            Only orders waiting for fulfilment (paid, items still to ship)
          </label>
        </div>
      </FilterForm>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>No orders match these filters.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Orders, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Order</th>
                <th scope="col" className={thClass}>Placed (UTC)</th>
                <th scope="col" className={thClass}>Customer</th>
                <th scope="col" className={thClass}>Status</th>
                <th scope="col" className={thClass}>Total</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((o) => (
                <tr key={o.id}>
                  <td className={tdClass}>
                    <Link href={`/admin/orders/${o.id}`} className="font-medium text-brand-700 underline">
                      {o.number}
                    </Link>
                  </td>
                  <td className={tdClass}>{o.created_at.replace("T", " ").slice(0, 16)}</td>
                  <td className={tdClass}>{o.email}</td>
                  <td className={tdClass}>{statusLabel(o.status)}</td>
                  <td className={tdClass}>{formatMoney(o.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/orders", { ...filters, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
