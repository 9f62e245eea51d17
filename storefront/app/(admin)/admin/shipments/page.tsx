import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, inputClass, secondaryLink } from "@/components/admin/fields";
import { ShipmentTable } from "@/components/admin/shipment-table";
import { statusLabel } from "@/lib/admin/format";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Shipments", alternates: { canonical: "/admin/shipments" } };

const STATUSES = ["label_created", "in_transit", "out_for_delivery", "delivered", "exception", "returned", "voided"] as const;
type Status = (typeof STATUSES)[number];
const CARRIER = /^[a-z][a-z0-9_]{0,31}$/;

export default async function AdminShipmentsPage({ searchParams }: PageProps<"/admin/shipments">) {
  await requireStaff("/admin/shipments");
  const params = (await searchParams) as Params;
  const statusParam = one(params, "status");
  const status = STATUSES.includes(statusParam as Status) ? (statusParam as Status) : undefined;
  const exceptions = one(params, "exception") === "true" ? "true" : undefined;
  const carrierParam = one(params, "carrier")?.toLowerCase();
  const carrier = carrierParam && CARRIER.test(carrierParam) ? carrierParam : undefined;
  const cursor = one(params, "cursor");
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/shipments", {
    params: { query: { status, exception: exceptions ? true : undefined, carrier, cursor, limit: 25 } },
  });
  const filters = { status, exception: exceptions, carrier };
  const filtered = Boolean(status || exceptions || carrier || cursor);
  return (
    <>
      <PageHeading title="Shipments" />
      <FilterForm label="Filter shipments" submitLabel="Filter shipments" layout="grid gap-3 sm:grid-cols-2 lg:grid-cols-4 lg:items-end">
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
        <FilterField id="filter-carrier" label="Carrier integration">
          <input id="filter-carrier" name="carrier" defaultValue={carrier} placeholder="e.g. simulated" className={inputClass} />
        </FilterField>
        <div className="flex items-center gap-2 lg:pb-2">
          <input id="filter-exception" name="exception" type="checkbox" value="true" defaultChecked={Boolean(exceptions)} className="h-4 w-4" />
          <label htmlFor="filter-exception" className="text-sm font-medium">
            Exceptions only
          </label>
        </div>
      </FilterForm>
      {!data ? (
        <ErrorNote message={problemMessage(asProblem(error, response.status))} />
      ) : data.items.length === 0 ? (
        <EmptyState>{filtered ? "No shipments match these filters." : "No shipments yet. Buy a label from an order's page to create one."}</EmptyState>
      ) : (
        <ShipmentTable shipments={data.items} withOrder caption="Shipments, newest first" />
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={hrefWith("/admin/shipments", { ...filters, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
