import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { ErrorNote, PageHeading, Section } from "@/components/admin/fields";
import { SalesChart } from "@/components/admin/sales-chart";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

// the admin layout's title template names child segments only, not its own page: spelt out here
export const metadata: Metadata = { title: { absolute: "Overview · Admin · Mercato" }, alternates: { canonical: "/admin" } };

function Stat({ label, value, href }: { label: string; value: string | number; href?: string }) {
  const body = (
    <>
      <dt className="text-sm text-muted">{label}</dt>
      <dd className="mt-1 text-2xl font-semibold">{value}</dd>
    </>
  );
  return (
    <div className="rounded-lg border border-gray-200 p-4">
      {href ? (
        <Link href={href} className="block hover:underline">
          <dl>{body}</dl>
        </Link>
      ) : (
        <dl>{body}</dl>
      )}
    </div>
  );
}

export default async function AdminOverviewPage() {
  await requireStaff("/admin");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/overview");
  if (!data) {
    return (
      <>
        <PageHeading title="Overview" />
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      </>
    );
  }
  return (
    <>
      <PageHeading title="Overview" />
      <div className="grid grid-cols-1 gap-3 sm:grid-cols-2 lg:grid-cols-4">
        <Stat label="Orders today" value={data.today.orders} />
        <Stat label="Revenue today" value={formatMoney(data.today.revenue)} />
        <Stat label="Orders this week" value={data.week.orders} />
        <Stat label="Revenue this week" value={formatMoney(data.week.revenue)} />
        <Stat label="Waiting for fulfilment" value={data.awaiting_fulfilment} href="/admin/orders?awaiting_fulfilment=true" />
        <Stat label="Low-stock SKUs" value={data.low_stock.count} href={`/admin/inventory?max_available=${data.low_stock.threshold}`} />
        <Stat label="Failed payments this week" value={data.failed_payments_week} />
        <Stat label="Dead-letter tasks" value={data.dead_letters} href="/admin/operations" />
      </div>
      <div className="mt-6 grid gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <Section title="Revenue per day">
            <SalesChart series={data.series} />
          </Section>
        </div>
        <Section title="Lowest stock">
          {data.low_stock.items.length === 0 ? (
            <p className="text-muted">No SKU is at or below {data.low_stock.threshold} available.</p>
          ) : (
            <ul className="divide-y divide-gray-100">
              {data.low_stock.items.map((item) => (
                <li key={item.sku} className="flex justify-between gap-2 py-2 text-sm">
                  <Link href={`/admin/inventory/${encodeURIComponent(item.sku)}`} className="text-brand-700 underline">
                    {item.product_title ? `${item.product_title} (${item.sku})` : item.sku}
                  </Link>
                  <span>{item.available} left</span>
                </li>
              ))}
            </ul>
          )}
        </Section>
      </div>
      <p className="mt-4 text-xs text-muted">Figures as of {new Date(data.generated_at).toLocaleString("en-GB", { timeZone: "UTC" })} UTC (refreshed every few seconds).</p>
    </>
  );
}
