/**
 * Product images are served by the API under /media/…; the browser fetches them from the
 * storefront's origin (CSP img-src 'self', one origin to cache) and this handler relays them.
 */
import { apiUrl } from "@/lib/config";

export async function GET(request: Request, ctx: RouteContext<"/media/[...path]">): Promise<Response> {
  const { path } = await ctx.params;
  if (path.some((p) => p === ".." || p === "." || p.includes("\\"))) return new Response(null, { status: 404 });
  const upstream = await fetch(`${apiUrl()}/media/${path.map(encodeURIComponent).join("/")}`, {
    headers: { "If-None-Match": request.headers.get("if-none-match") ?? "" },
    cache: "no-store",
  });
  const headers = new Headers();
  for (const name of ["content-type", "cache-control", "etag", "last-modified", "content-length"]) {
    const value = upstream.headers.get(name);
    if (value) headers.set(name, value);
  }
  headers.set("X-Content-Type-Options", "nosniff");
  headers.set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  return new Response(upstream.status === 304 || !upstream.ok ? null : upstream.body, {
    status: upstream.ok || upstream.status === 304 ? upstream.status : 404,
    headers,
  });
}
