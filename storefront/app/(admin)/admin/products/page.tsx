import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, buttonLink, inputClass, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatPriceRange } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Products", alternates: { canonical: "/admin/products" } };

const STATUSES = ["draft", "active", "archived"] as const;
type Status = (typeof STATUSES)[number];

export default async function AdminProductsPage({ searchParams }: PageProps<"/admin/products">) {
  await requireStaff("/admin/products");
  const params = (await searchParams) as Params;
  const q = one(params, "q");
  const statusParam = one(params, "status");
  const status = STATUSES.includes(statusParam as Status) ? (statusParam as Status) : undefined;
  const cursor = one(params, "cursor");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/products", { params: { query: { q, status, cursor, limit: 25 } } });
  return (
    <>
      <PageHeading title="Products">
        <Link href="/admin/products/new" className={buttonLink}>
          New product
        </Link>
        <Link href="/admin/products/import" className={secondaryLink}>
          Import / export CSV
        </Link>
      </PageHeading>
      <FilterForm label="Filter products" submitLabel="Filter">
        <FilterField id="filter-q" label="Title or keyword">
          <input id="filter-q" name="q" type="search" defaultValue={q} className={inputClass} />
        </FilterField>
        <FilterField id="filter-status" label="Status">
          <select id="filter-status" name="status" defaultValue={status ?? ""} className={inputClass}>
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </FilterField>
      </FilterForm>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>No products match. Create one or change the filters.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Products</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Product</th>
                <th scope="col" className={thClass}>Price</th>
                <th scope="col" className={thClass}>In stock</th>
                <th scope="col" className={thClass}>Category</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((p) => (
                <tr key={p.id}>
                  <td className={tdClass}>
                    <Link href={`/admin/products/${p.id}`} className="font-medium text-brand-700 underline">
                      {p.title}
                    </Link>
                    <div className="text-xs text-muted">/{p.slug}</div>
                  </td>
                  <td className={tdClass}>{formatPriceRange(p.price, p.price_max)}</td>
                  <td className={tdClass}>{p.in_stock ? "Yes" : "No"}</td>
                  <td className={tdClass}>{p.category?.name ?? "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/products", { q, status, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
