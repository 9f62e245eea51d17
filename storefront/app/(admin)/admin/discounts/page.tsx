import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, PageHeading, buttonLink, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Discounts", alternates: { canonical: "/admin/discounts" } };

export default async function DiscountsPage({ searchParams }: PageProps<"/admin/discounts">) {
  await requireStaff("/admin/discounts");
  const cursor = one((await searchParams) as Params, "cursor");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/discounts", { params: { query: { cursor, limit: 25 } } });
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
            <caption className="sr-only">Discount codes, newest first</caption>
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
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/discounts", { cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
