/**
 * GET /admin/products/export: the catalog as CSV, fetched from the API with the signed-in user's
 * token (the API refuses anyone but staff) and handed to the browser as a download.
 */
import { NextResponse } from "next/server";
import { apiUrl, storefrontUrl } from "@/lib/config";
import { accessToken } from "@/lib/session/api";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const token = await accessToken();
  if (!token) return NextResponse.redirect(new URL("/account/sign-in?next=%2Fadmin%2Fproducts%2Fimport", storefrontUrl()), 303);
  const upstream = await fetch(`${apiUrl()}/api/v1/admin/products/export?format=csv`, {
    headers: { Authorization: `Bearer ${token}` },
    cache: "no-store",
  });
  if (!upstream.ok) {
    return new Response(await upstream.text(), {
      status: upstream.status,
      headers: { "Content-Type": upstream.headers.get("Content-Type") ?? "application/problem+json", "Cache-Control": "no-store" },
    });
  }
  return new Response(upstream.body, {
    status: 200,
    headers: {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": 'attachment; filename="products.csv"',
      "Cache-Control": "no-store",
    },
  });
}
