import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, inputClass, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Inventory", alternates: { canonical: "/admin/inventory" } };

export default async function InventoryPage({ searchParams }: PageProps<"/admin/inventory">) {
  await requireStaff("/admin/inventory");
  const params = (await searchParams) as Params;
  const sku = one(params, "sku");
  const maxText = one(params, "max_available");
  const max = maxText && /^\d{1,7}$/.test(maxText) ? Number(maxText) : undefined;
  const cursor = one(params, "cursor");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/inventory", { params: { query: { sku, max_available: max, cursor, limit: 50 } } });
  return (
    <>
      <PageHeading title="Inventory" />
      <FilterForm label="Filter stock" submitLabel="Filter">
        <FilterField id="filter-sku" label="SKU starts with">
          <input id="filter-sku" name="sku" type="search" defaultValue={sku} maxLength={64} className={inputClass} />
        </FilterField>
        <FilterField id="filter-max" label="At most available">
          <input id="filter-max" name="max_available" type="number" min={0} defaultValue={max} className={inputClass} />
        </FilterField>
      </FilterForm>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>No stock rows match.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Stock per SKU and warehouse</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>SKU</th>
                <th scope="col" className={thClass}>Warehouse</th>
                <th scope="col" className={thClass}>On hand</th>
                <th scope="col" className={thClass}>Reserved</th>
                <th scope="col" className={thClass}>Available</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((row) => (
                <tr key={`${row.sku}-${row.warehouse}`}>
                  <td className={tdClass}>
                    <Link href={`/admin/inventory/${encodeURIComponent(row.sku)}`} className="text-brand-700 underline">
                      {row.sku}
                    </Link>
                  </td>
                  <td className={tdClass}>{row.warehouse}</td>
                  <td className={tdClass}>{row.on_hand}</td>
                  <td className={tdClass}>{row.reserved}</td>
                  <td className={tdClass}>{row.available}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/inventory", { sku, max_available: max, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
