import { cache } from "react";
import { asProblem } from "@/lib/api/client";
import type { Schema } from "@/lib/api/types";
import { sessionApi } from "@/lib/session/api";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type OrderRead =
  | { kind: "found"; order: Schema<"OrderRead"> }
  | { kind: "missing" }
  | { kind: "failed"; detail: string };

/**
 * One order as this visitor may see it: its owner (session) or a guest with the order's token.
 * "missing" when the id is no order id or the API will not open it (401/403/404, and 422 for a
 * token it refuses outright: a NUL, too long), like a wrong token. Read once per request, so a
 * page's title and the page itself share it.
 */
export const readOrder = cache(async (id: string, token: string | null): Promise<OrderRead> => {
  if (!UUID.test(id)) return { kind: "missing" };
  const api = await sessionApi();
  const { data, error, response } = await api.GET("/api/v1/orders/{order_id}", {
    params: { path: { order_id: id }, query: token ? { token } : {} },
  });
  if (data) return { kind: "found", order: data };
  if ([401, 403, 404, 422].includes(response.status)) return { kind: "missing" };
  return { kind: "failed", detail: asProblem(error, response.status).detail ?? "The order could not be loaded." };
});
