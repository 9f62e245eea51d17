/**
 * Who did something, as the API records it: `staff:<account id>` (order history) or
 * `user:<account id>` (stock movements, catalog changes); anything else ("system", "worker",
 * "customer:…") is shown as it is. Admin pages name staff by email.
 */
import type { ApiClient } from "@/lib/api/client";

const ACCOUNT_ACTOR = /^(?:staff|user):([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/** The account id in `staff:<id>` or `user:<id>`, else null. */
export function accountIdOf(actor: string | null | undefined): string | null {
  return (actor && ACCOUNT_ACTOR.exec(actor)?.[1]) || null;
}

/** `actor` with account ids replaced by the email of `emails` (an account gone keeps its id). */
export function actorLabel(actor: string | null | undefined, emails: ReadonlyMap<string, string | undefined>): string {
  if (!actor) return "—";
  const id = accountIdOf(actor);
  return (id && emails.get(id)) || actor;
}

/** The emails of the accounts among `actors` (one read per distinct account). */
export async function actorEmails(api: ApiClient, actors: ReadonlyArray<string | null | undefined>): Promise<Map<string, string | undefined>> {
  const ids = [...new Set(actors.map(accountIdOf).filter((id): id is string => id !== null))];
  return new Map(
    await Promise.all(
      ids.map(async (id) => {
        const { data } = await api.GET("/api/v1/admin/customers/{customer_id}", { params: { path: { customer_id: id } } });
        return [id, data?.customer.email] as const;
      }),
    ),
  );
}
