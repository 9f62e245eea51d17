import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { formatDate, orderStatusLabel } from "@/lib/account/format";
import { param, requireUser } from "@/lib/account/session";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Your orders", robots: { index: false }, alternates: { canonical: "/account/orders" } };

const PAGE_SIZE = 10;

/** Order history, newest first, with the API's cursor pagination (`?cursor=`). */
export default async function OrdersPage({ searchParams }: PageProps<"/account/orders">) {
  await requireUser("/account/orders");
  const cursor = param((await searchParams).cursor)?.slice(0, 200);
  const api = await sessionApi();
  const { data, error } = await api.GET("/api/v1/orders", { params: { query: { limit: PAGE_SIZE, cursor } } });
  const orders = data?.items ?? [];
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold">Your orders</h1>
      {error ? (
        <p role="alert" className="text-red-700">
          {cursor ? "This page of orders is no longer available." : "Your orders could not be loaded. Please reload the page."}{" "}
          <Link href="/account/orders" className="underline">
            Back to the newest orders
          </Link>
        </p>
      ) : orders.length === 0 ? (
        <p className="text-muted">
          {cursor ? "No more orders." : "You have not ordered anything yet."}{" "}
          <Link href="/" className="text-brand-700 underline">
            Start shopping
          </Link>
        </p>
      ) : (
        <ul className="divide-y divide-gray-200 rounded-md border border-gray-200" aria-label="Orders">
          {orders.map((o) => (
            <li key={o.id} className="grid grid-cols-2 gap-2 px-4 py-3 text-sm sm:grid-cols-5 sm:items-center">
              <Link href={`/account/orders/${o.id}`} className="font-medium text-brand-700 underline">
                Order {o.number}
              </Link>
              <span className="text-right sm:text-left">{formatDate(o.created_at)}</span>
              <span>{orderStatusLabel(o.status)}</span>
              <span className="text-right sm:text-left">
                {o.lines.reduce((n, l) => n + l.quantity, 0)} item{o.lines.reduce((n, l) => n + l.quantity, 0) === 1 ? "" : "s"}
              </span>
              <span className="col-span-2 font-semibold sm:col-span-1 sm:text-right">{formatMoney(o.total)}</span>
            </li>
          ))}
        </ul>
      )}
      {/* an empty navigation landmark is noise for a screen reader: only when there is a page to go to */}
      {cursor || data?.next_cursor ? (
        <nav aria-label="Order pages" className="flex gap-4">
          {cursor ? (
            <Link href="/account/orders" className="rounded-md border border-gray-300 px-4 py-2 text-sm font-medium hover:bg-gray-50">
              Newest orders
            </Link>
          ) : null}
          {data?.next_cursor ? (
            <Link href={`/account/orders?cursor=${encodeURIComponent(data.next_cursor)}`} className="rounded-md border border-gray-300 px-4 py-2 text-sm font-medium hover:bg-gray-50">
              Older orders
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
