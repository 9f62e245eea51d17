import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { ActionForm } from "@/components/admin/action-form";
import { ErrorNote, PageHeading, Section, secondaryLink, tableClass, tdClass, thClass } from "@/components/admin/fields";
import { setCustomerActive } from "@/lib/admin/actions";
import { statusLabel, utcMinute } from "@/lib/admin/format";
import { canManageAccounts } from "@/lib/admin/roles";
import { requireStaff } from "@/lib/admin/session";
import { asProblem, problemMessage } from "@/lib/api/client";
import { formatMoney } from "@/lib/format/money";
import { sessionApi } from "@/lib/session/api";

export const metadata: Metadata = { title: "Customer" };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function CustomerPage({ params }: PageProps<"/admin/customers/[id]">) {
  const { id } = await params;
  const me = await requireStaff(`/admin/customers/${id}`);
  if (!UUID.test(id)) notFound();
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/admin/customers/{customer_id}", { params: { path: { customer_id: id } } });
  if (response.status === 404) notFound();
  if (!data) return <ErrorNote message={problemMessage(asProblem(error, response.status))} />;
  const c = data.customer;
  return (
    <>
      <PageHeading title={c.full_name || c.email}>
        <Link href="/admin/customers" className={secondaryLink}>
          All customers
        </Link>
      </PageHeading>
      <div className="grid gap-6 lg:grid-cols-3">
        <Section title="Account">
          <dl className="grid grid-cols-2 gap-1 text-sm">
            <dt>Email</dt>
            <dd>{c.email}</dd>
            <dt>Role</dt>
            <dd>{c.role}</dd>
            <dt>Account</dt>
            <dd>{c.is_active ? "Active" : "Disabled"}</dd>
            <dt>Email verified</dt>
            <dd>{c.email_verified ? "Yes" : "No"}</dd>
            <dt>Joined</dt>
            <dd>{c.created_at.slice(0, 10)}</dd>
            <dt>Orders</dt>
            <dd>{data.order_count}</dd>
            <dt>Spent</dt>
            <dd>{formatMoney(data.total_spent)}</dd>
          </dl>
          <div className="mt-4">
            {canManageAccounts(me.role) && me.id !== c.id ? (
              <ActionForm
                action={setCustomerActive}
                hidden={{ user_id: c.id, active: c.is_active ? "false" : "true" }}
                submit={c.is_active ? "Disable account" : "Enable account"}
                pending="Saving…"
                variant={c.is_active ? "danger" : "primary"}
              >
                <p className="text-sm text-muted">{c.is_active ? "A disabled account is signed out everywhere and cannot sign in." : "The customer can sign in again."}</p>
              </ActionForm>
            ) : (
              <p className="text-sm text-muted">Only an admin can disable or enable accounts.</p>
            )}
          </div>
        </Section>
        <div className="lg:col-span-2">
          <Section title="Orders">
            {data.orders.length === 0 ? (
              <p className="text-muted">No orders yet.</p>
            ) : (
              <div className="overflow-x-auto" tabIndex={0}>
                <table className={tableClass}>
                  <caption className="sr-only">The customer&apos;s newest orders</caption>
                  <thead>
                    <tr>
                      <th scope="col" className={thClass}>Order</th>
                      <th scope="col" className={thClass}>Placed (UTC)</th>
                      <th scope="col" className={thClass}>Status</th>
                      <th scope="col" className={thClass}>Total</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.orders.map((o) => (
                      <tr key={o.id}>
                        <td className={tdClass}>
                          <Link href={`/admin/orders/${o.id}`} className="text-brand-700 underline">
                            {o.number}
                          </Link>
                        </td>
                        <td className={tdClass}>{utcMinute(o.created_at)}</td>
                        <td className={tdClass}>{statusLabel(o.status)}</td>
                        <td className={tdClass}>{formatMoney(o.total)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </Section>
        </div>
      </div>
    </>
  );
}
