import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { EmptyState, ErrorNote, FilterField, FilterForm, PageHeading, inputClass, secondaryLink } from "@/components/admin/fields";
import { ShipmentTable } from "@/components/admin/shipment-table";
import { FlashMessage } from "@/components/ui/flash-message";
import { statusLabel } from "@/lib/admin/format";
import { one, type Params } from "@/lib/admin/query";
import { SHIPMENT_STATUSES, shipmentsFilters, shipmentsFlash, shipmentsHref } from "@/lib/admin/shipments-list";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Shipments", alternates: { canonical: "/admin/shipments" } };

export default async function AdminShipmentsPage({ searchParams }: PageProps<"/admin/shipments">) {
  await requireStaff("/admin/shipments");
  const params = (await searchParams) as Params;
  const filters = shipmentsFilters(params);
  const { status, exception: exceptions, carrier, cursor } = filters;
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/shipments", {
    params: { query: { status, exception: exceptions ? true : undefined, carrier, cursor, limit: 25 } },
  });
  // after "Mark delivered" / "Void label" (`?done=&shipment=`): the shipment as the API has it now,
  // which may have left this filtered page; the message is said only if it is true
  const done = one(params, "done");
  const shipmentId = one(params, "shipment");
  const shipment =
    done && shipmentId && /^[0-9a-f-]{36}$/i.test(shipmentId)
      ? (await api.GET("/api/v1/admin/shipments/{shipment_id}", { params: { path: { shipment_id: shipmentId } } })).data
      : undefined;
  const flash = shipmentsFlash(done, shipmentId, shipment);
  const filtered = Boolean(status || exceptions || carrier || cursor);
  return (
    <>
      <PageHeading title="Shipments" />
      <FlashMessage message={flash} className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" />
      <FilterForm label="Filter shipments" submitLabel="Filter shipments" layout="grid gap-3 sm:grid-cols-2 lg:grid-cols-4 lg:items-end">
        <FilterField id="filter-status" label="Status">
          <select id="filter-status" name="status" defaultValue={status ?? ""} className={inputClass}>
            <option value="">Any status</option>
            {SHIPMENT_STATUSES.map((s) => (
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
        <ShipmentTable shipments={data.items} withOrder caption="Shipments, newest first" returnTo={shipmentsHref(filters)} />
      )}
      {data?.next_cursor ? (
        <p className="mt-4">
          <Link href={shipmentsHref({ ...filters, cursor: data.next_cursor })} className={secondaryLink}>
            Next page
          </Link>
        </p>
      ) : null}
    </>
  );
}
