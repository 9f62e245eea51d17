/**
 * GET /orders/{id}/status?token=… — the order page's poll: the order's status and payment phase
 * only (owner by session or guest by the signed token; the API decides). Never cached.
 */
import { asProblem } from "@/lib/api/client";
import { problemResponse } from "@/lib/api/problem-response";
import { paymentPhase } from "@/lib/checkout/order-status";
import { sessionApi } from "@/lib/session/api";

export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function GET(request: Request, { params }: RouteContext<"/orders/[id]/status">): Promise<Response> {
  const { id } = await params;
  if (!UUID.test(id)) return problemResponse(404, "order_not_found", "No such order.");
  const token = new URL(request.url).searchParams.get("token");
  try {
    const api = await sessionApi();
    const { data, error, response } = await api.GET("/api/v1/orders/{order_id}", {
      params: { path: { order_id: id }, query: token ? { token } : {} },
    });
    if (!data) {
      const problem = asProblem(error, response.status);
      return problemResponse(response.status, problem.code ?? "error", problem.detail ?? "Order unavailable.");
    }
    return Response.json(
      { status: data.status, phase: paymentPhase(data), payment_status: data.payment?.status ?? null },
      { headers: { "Cache-Control": "no-store" } },
    );
  } catch {
    return problemResponse(503, "unavailable", "The shop could not be reached.");
  }
}
