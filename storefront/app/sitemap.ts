import type { MetadataRoute } from "next";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";
import type { CategoryNode } from "@/lib/api/types";
import { featuredCollectionSlugs } from "@/lib/catalog/api";
import { getSiteSettings, listPosts } from "@/lib/content/api";
import { storefrontUrl } from "@/lib/config";

export const dynamic = "force-dynamic"; // built per request from the live catalog, never at build time
const MAX_PAGES = 100; // 100 × 100 products; a sitemap index comes when shops get bigger

function flatten(nodes: CategoryNode[]): CategoryNode[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
}

export default async function sitemap(): Promise<MetadataRoute.Sitemap> {
  const base = storefrontUrl();
  const api = catalogApi({ tags: [cacheTags.catalog], revalidate: 300 });
  const entries: MetadataRoute.Sitemap = [{ url: `${base}/`, changeFrequency: "daily", priority: 1 }];
  try {
    const { data: categories } = await api.GET("/api/v1/categories");
    for (const c of flatten(categories?.items ?? [])) entries.push({ url: `${base}/c/${c.slug}`, changeFrequency: "daily" });
    // collections: the API lists no collection index, so the featured ones (MERCATO_FEATURED_COLLECTIONS) that exist
    for (const slug of featuredCollectionSlugs()) {
      const { data } = await api.GET("/api/v1/collections/{slug}", { params: { path: { slug }, query: { limit: 1 } } });
      if (data) entries.push({ url: `${base}/collections/${data.slug}`, changeFrequency: "daily" });
    }
    let cursor: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { data } = await api.GET("/api/v1/products", { params: { query: { limit: 100, sort: "newest", cursor } } });
      if (!data) break;
      for (const p of data.items) entries.push({ url: `${base}/p/${p.slug}`, lastModified: p.created_at, changeFrequency: "weekly" });
      if (!data.next_cursor) break;
      cursor = data.next_cursor;
    }
  } catch {
    // API unreachable: serve the home entry only rather than an error
  }
  // the journal and the CMS pages the footer links to
  const posts = await listPosts(undefined, 50);
  if (posts.ok) {
    entries.push({ url: `${base}/blog`, changeFrequency: "weekly" });
    for (const p of posts.data.items) entries.push({ url: `${base}/blog/${p.slug}`, lastModified: p.updated_at, changeFrequency: "monthly" });
  }
  const settings = await getSiteSettings();
  for (const link of settings?.footer_links ?? []) {
    if (/^\/pages\/[a-z0-9-]+$/.test(link.href)) entries.push({ url: `${base}${link.href}`, changeFrequency: "monthly" });
  }
  return entries;
}
