/** GET /blog/rss.xml: the latest posts as RSS 2.0 (plain-text descriptions, escaped). */
import { listPosts } from "@/lib/content/api";
import { storefrontUrl } from "@/lib/config";
import { buildRss } from "@/lib/content/rss";

export const revalidate = 300;

export async function GET(): Promise<Response> {
  const result = await listPosts(undefined, 20);
  if (!result.ok) {
    return new Response("The feed is not available right now.", { status: 503, headers: { "Content-Type": "text/plain; charset=utf-8", "Retry-After": "60" } });
  }
  const xml = buildRss({ title: "Mercato Journal", url: storefrontUrl(), description: "Stories about materials, makers and caring for good things." }, result.data.items);
  return new Response(xml, { headers: { "Content-Type": "application/rss+xml; charset=utf-8", "Cache-Control": "public, max-age=300" } });
}
