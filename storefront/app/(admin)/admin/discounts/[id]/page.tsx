import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/admin/action-form";
import { DiscountForm } from "@/components/admin/discount-form";
import { ErrorNote, PageHeading, Section, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { setDiscountActive } from "@/lib/admin/actions";
import { utcMinute } from "@/lib/admin/format";
import { hrefWith, one, type Params } from "@/lib/admin/query";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";
import { FlashMessage } from "@/components/ui/flash-message";

export const metadata: Metadata = { title: "Discount" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function DiscountPage({ params, searchParams }: PageProps<"/admin/discounts/[id]">) {
  const { id } = await params;
  await requireStaff(`/admin/discounts/${id}`);
  if (!UUID.test(id)) notFound();
  const query = (await searchParams) as Params;
  const cursor = one(query, "cursor");
  const created = one(query, "created") === "1";
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/discounts/{discount_id}/usage", { params: { path: { discount_id: id }, query: { cursor, limit: 50 } } });
  if (response.status === 404) notFound();
  if (!data) return <ErrorNote message={problemMessage(asProblem(error, response.status))} />;
  const d = data.discount;
  return (
    <>
      <PageHeading title={`Discount ${d.code}`}>
        <Link href="/admin/discounts" className={secondaryLink}>
          All discounts
        </Link>
      </PageHeading>
      <FlashMessage message={created ? "Discount created." : null} className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900" />
      <div className="flex flex-col gap-6">
        <Section title="State">
          <p className="mb-3">
            {d.active ? "Active: shoppers can apply this code." : "Disabled: shoppers cannot apply this code."}
          </p>
          <ActionForm
            action={setDiscountActive}
            hidden={{ discount_id: d.id, active: d.active ? "false" : "true" }}
            submit={d.active ? "Disable discount" : "Enable discount"}
            pending="Saving…"
            variant={d.active ? "danger" : "primary"}
          />
        </Section>
        <Section title="Terms">
          <DiscountForm currency={d.currency} discountId={d.id} initial={d} />
        </Section>
        <Section title="Usage">
          <p className="mb-3">
            Used {data.total_redemptions} time(s), {formatMoney({ amount: data.total_discounted, currency: d.currency })} given in total.
          </p>
          {data.items.length > 0 ? (
            <div className="overflow-x-auto" tabIndex={0}>
              <table className={tableClass}>
                <caption className="sr-only">Redemptions, newest first</caption>
                <thead>
                  <tr>
                    <th scope="col" className={thClass}>When (UTC)</th>
                    <th scope="col" className={thClass}>Order</th>
                    <th scope="col" className={thClass}>Customer</th>
                    <th scope="col" className={thClass}>Discount</th>
                  </tr>
                </thead>
                <tbody>
                  {data.items.map((r) => (
                    <tr key={r.id}>
                      <td className={tdClass}>{utcMinute(r.created_at)}</td>
                      <td className={tdClass}>
                        <Link href={`/admin/orders/${r.order_id}`} className="text-brand-700 underline">
                          View order
                        </Link>
                      </td>
                      <td className={tdClass}>{r.customer.replace(/^(user|email):/, "")}</td>
                      <td className={tdClass}>{formatMoney({ amount: r.amount, currency: d.currency })}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ) : null}
          {data.next_cursor ? (
            <p className="mt-3">
              <Link href={hrefWith(`/admin/discounts/${d.id}`, { cursor: data.next_cursor })} className={secondaryLink}>
                Older redemptions
              </Link>
            </p>
          ) : null}
        </Section>
      </div>
    </>
  );
}
