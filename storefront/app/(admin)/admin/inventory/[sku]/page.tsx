import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { EmptyState, PageHeading, Section, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { StockAdjustForm } from "@/components/admin/stock-adjust-form";
import { actorEmails, actorLabel } from "@/lib/admin/actors";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Stock" };

const SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export default async function SkuStockPage({ params, searchParams }: PageProps<"/admin/inventory/[sku]">) {
  const sku = decodeURIComponent((await params).sku);
  await requireStaff(`/admin/inventory/${encodeURIComponent(sku)}`);
  if (!SKU.test(sku)) notFound();
  const cursor = one((await searchParams) as Params, "cursor");
  const api = await sessionApi();
  const [level, moves] = await Promise.all([
    api.GET("/api/v1/admin/inventory/{sku}", { params: { path: { sku } } }),
    api.GET("/api/v1/admin/inventory/{sku}/movements", { params: { path: { sku }, query: { cursor, limit: 50 } } }),
  ]);
  if (level.response.status === 404) notFound();
  // "user:<id>" in the history: named by email, as the order timeline names staff
  const emails = await actorEmails(api, moves.data?.items.map((m) => m.actor) ?? []);
  return (
    <>
      <PageHeading title={`Stock of ${sku}`}>
        <Link href="/admin/inventory" className={secondaryLink}>
          All stock
        </Link>
      </PageHeading>
      <div className="flex flex-col gap-6">
        {level.data ? (
          <dl className="grid grid-cols-3 gap-3 sm:max-w-md">
            <div className="rounded-lg border border-gray-200 p-3">
              <dt className="text-sm text-muted">On hand</dt>
              <dd className="text-xl font-semibold">{level.data.on_hand}</dd>
            </div>
            <div className="rounded-lg border border-gray-200 p-3">
              <dt className="text-sm text-muted">Reserved</dt>
              <dd className="text-xl font-semibold">{level.data.reserved}</dd>
            </div>
            <div className="rounded-lg border border-gray-200 p-3">
              <dt className="text-sm text-muted">Available</dt>
              <dd className="text-xl font-semibold">{level.data.available}</dd>
            </div>
          </dl>
        ) : null}
        <Section title="Adjust stock">
          <StockAdjustForm sku={sku} />
        </Section>
        <Section title="Movement history">
          {!moves.data || moves.data.items.length === 0 ? (
            <EmptyState>No movements yet.</EmptyState>
          ) : (
            <div className="overflow-x-auto" tabIndex={0}>
              <table className={tableClass}>
                <caption className="sr-only">Stock movements, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>When (UTC)</th>
                    <th scope="col" className={thClass}>Kind</th>
                    <th scope="col" className={thClass}>On hand</th>
                    <th scope="col" className={thClass}>Reserved</th>
                    <th scope="col" className={thClass}>Reason / reference</th>
                    <th scope="col" className={thClass}>By</th>
                  </tr>
                </thead>
                <tbody>
                  {moves.data.items.map((m) => (
                    <tr key={m.id}>
                      <td className={tdClass}>{m.created_at.replace("T", " ").slice(0, 19)}</td>
                      <td className={tdClass}>{m.kind}</td>
                      <td className={tdClass}>{m.delta_on_hand > 0 ? `+${m.delta_on_hand}` : m.delta_on_hand}</td>
                      <td className={tdClass}>{m.delta_reserved > 0 ? `+${m.delta_reserved}` : m.delta_reserved}</td>
                      <td className={tdClass}>{m.reason ?? m.reference ?? "—"}</td>
                      <td className={tdClass}>{actorLabel(m.actor, emails)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {moves.data?.next_cursor ? (
            <p className="mt-3">
              <Link href={hrefWith(`/admin/inventory/${encodeURIComponent(sku)}`, { cursor: moves.data.next_cursor })} className={secondaryLink}>
                Older movements
              </Link>
            </p>
          ) : null}
        </Section>
      </div>
    </>
  );
}
