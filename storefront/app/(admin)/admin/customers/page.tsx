import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, inputClass, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Customers", alternates: { canonical: "/admin/customers" } };

export default async function CustomersPage({ searchParams }: PageProps<"/admin/customers">) {
  await requireStaff("/admin/customers");
  const params = (await searchParams) as Params;
  const q = one(params, "q");
  const cursor = one(params, "cursor");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/customers", { params: { query: { q, cursor, limit: 25 } } });
  return (
    <>
      <PageHeading title="Customers" />
      <FilterForm label="Search customers" submitLabel="Search">
        <FilterField id="filter-q" label="Name or email">
          <input id="filter-q" name="q" type="search" defaultValue={q} maxLength={200} className={inputClass} />
        </FilterField>
      </FilterForm>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>No accounts match.</EmptyState>
      ) : (
        <div className="overflow-x-auto" tabIndex={0}>
          <table className={tableClass}>
            <caption className="sr-only">Accounts, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className={thClass}>Name</th>
                <th scope="col" className={thClass}>Email</th>
                <th scope="col" className={thClass}>Role</th>
                <th scope="col" className={thClass}>Account</th>
                <th scope="col" className={thClass}>Joined</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((u) => (
                <tr key={u.id}>
                  <td className={tdClass}>
                    <Link href={`/admin/customers/${u.id}`} className="font-medium text-brand-700 underline">
                      {u.full_name || "(no name)"}
                    </Link>
                  </td>
                  <td className={tdClass}>{u.email}</td>
                  <td className={tdClass}>{u.role}</td>
                  <td className={tdClass}>{u.is_active ? "Active" : "Disabled"}</td>
                  <td className={tdClass}>{u.created_at.slice(0, 10)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/customers", { q, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
