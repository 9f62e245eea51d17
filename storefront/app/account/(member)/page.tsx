import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { ResendVerification } from "@/components/account/resend-verification";
import { formatDate, orderStatusLabel } from "@/lib/account/format";
import { param, requireUser } from "@/lib/account/session";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Your account", robots: { index: false }, alternates: { canonical: "/account" } };

export default async function AccountPage({ searchParams }: PageProps<"/account">) {
  const user = await requireUser("/account");
  const welcome = param((await searchParams).welcome);
  const api = await sessionApi();
  const { data: orders } = await api.GET("/api/v1/orders", { params: { query: { limit: 3 } } });
  return (
    <div className="space-y-8">
      <div>
        <h1 className="text-2xl font-bold">Your account</h1>
        <p className="mt-1 text-muted">
          Signed in as <strong className="text-ink">{user.email}</strong>
        </p>
      </div>
      {welcome ? (
        <p role="status" className="rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          Welcome{user.full_name ? `, ${user.full_name}` : ""}! Your account has been created. We sent you an email to verify your address.
        </p>
      ) : null}
      {!user.email_verified ? (
        <section aria-labelledby="verify-heading" className="space-y-3 rounded-md border border-amber-300 bg-amber-50 p-4">
          <h2 id="verify-heading" className="font-semibold">
            Please verify your email address
          </h2>
          <p className="text-sm">Open the link in the email we sent you. No email? We can send it again.</p>
          <ResendVerification />
        </section>
      ) : null}
      <section aria-labelledby="recent-heading">
        <div className="mb-3 flex items-baseline justify-between">
          <h2 id="recent-heading" className="text-lg font-semibold">
            Recent orders
          </h2>
          <Link href="/account/orders" className="text-sm text-brand-700 underline">
            All orders
          </Link>
        </div>
        {orders?.items.length ? (
          <ul className="divide-y divide-gray-200 rounded-md border border-gray-200">
            {orders.items.map((o) => (
              <li key={o.id} className="flex flex-wrap items-center justify-between gap-2 px-4 py-3 text-sm">
                <Link href={`/account/orders/${o.id}`} className="font-medium text-brand-700 underline">
                  Order {o.number}
                </Link>
                <span>{formatDate(o.created_at)}</span>
                <span>{orderStatusLabel(o.status)}</span>
                <span className="font-semibold">{formatMoney(o.total)}</span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="text-sm text-muted">
            No orders yet.{" "}
            <Link href="/" className="text-brand-700 underline">
              Start shopping
            </Link>
          </p>
        )}
      </section>
    </div>
  );
}
