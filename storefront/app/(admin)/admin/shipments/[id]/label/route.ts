/**
 * GET /admin/shipments/{id}/label: the shipment's label (PDF or PNG), fetched from the API with the
 * signed-in user's token (the API refuses anyone but staff) and handed to the browser as a download.
 */
import { NextResponse } from "next/server";
import { apiUrl, storefrontUrl } from "@/lib/config";
import { accessToken } from "@/lib/session/api";

export const dynamic = "force-dynamic";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function GET(_request: Request, { params }: { params: Promise<{ id: string }> }): Promise<Response> {
  const { id } = await params;
  if (!UUID.test(id)) return new Response("Not found", { status: 404, headers: { "Cache-Control": "no-store" } });
  const token = await accessToken();
  if (!token) return NextResponse.redirect(new URL("/account/sign-in?next=%2Fadmin%2Fshipments", storefrontUrl()), 303);
  const upstream = await fetch(`${apiUrl()}/api/v1/admin/shipments/${id}/label`, {
    headers: { Authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!upstream.ok) {
    return new Response(await upstream.text(), {
      status: upstream.status,
      headers: { "Content-Type": upstream.headers.get("Content-Type") ?? "application/problem+json", "Cache-Control": "no-store" },
    });
  }
  const type = upstream.headers.get("Content-Type") ?? "application/pdf";
  return new Response(upstream.body, {
    status: 200,
    headers: {
      "Content-Type": type,
      "Content-Disposition": upstream.headers.get("Content-Disposition") ?? `attachment; filename="label-${id}.${type.includes("png") ? "png" : "pdf"}"`,
      "Cache-Control": "private, no-store",
    },
  });
}
