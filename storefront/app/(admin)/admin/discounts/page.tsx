import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, PageHeading, buttonLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Discounts", alternates: { canonical: "/admin/discounts" } };

export default async function DiscountsPage() {
  await requireStaff("/admin/discounts");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/discounts");
  return (
    <>
      <PageHeading title="Discounts">
        <Link href="/admin/discounts/new" className={buttonLink}>
          New discount
        </Link>
      </PageHeading>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>No discount codes yet.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Discount codes</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Code</th>
                <th scope="col" className={thClass}>Discount</th>
                <th scope="col" className={thClass}>Used</th>
                <th scope="col" className={thClass}>State</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((d) => (
                <tr key={d.id}>
                  <td className={tdClass}>
                    <Link href={`/admin/discounts/${d.id}`} className="font-medium text-brand-700 underline">
                      {d.code}
                    </Link>
                  </td>
                  <td className={tdClass}>{d.kind === "percentage" ? `${d.value}% off` : d.kind === "fixed" ? `${formatMoney({ amount: d.value, currency: d.currency })} off` : "Free shipping"}</td>
                  <td className={tdClass}>
                    {d.used_count}
                    {d.usage_limit ? ` of ${d.usage_limit}` : ""}
                  </td>
                  <td className={tdClass}>{d.active ? "Active" : "Disabled"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
