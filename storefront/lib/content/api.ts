/**
 * Server-side CMS reads (blog, pages, site settings), cached in Next's data cache under
 * `contentTags`; the API's outbox handler revalidates them when content changes (a staff edit or a
 * Sanity webhook). An unreachable API or CMS yields `{ ok: false, status: 503 }`: pages then show
 * a notice or fall back to built-in text, never an error page.
 */
import "server-only";
import { cache } from "react";
import { catalogApi } from "@/lib/api/client";
import { contentTags } from "@/lib/api/cache-tags";
import type { Schema } from "@/lib/api/types";
import type { Result } from "@/lib/catalog/api";

export type PostPage = Schema<"PostPage">;
export type PostSummary = Schema<"PostSummaryRead">;
export type PostRead = Schema<"PostRead">;
export type PageRead = Schema<"PageRead">;
export type SiteSettings = Schema<"SiteSettingsRead">;
export type ProductEditorial = Schema<"ProductEditorialRead">;

export const POSTS_PER_PAGE = 4;

async function attempt<T>(run: () => Promise<{ data?: T; response: Response }>): Promise<Result<T>> {
  try {
    const { data, response } = await run();
    return data !== undefined ? { ok: true, data } : { ok: false, status: response.status };
  } catch {
    return { ok: false, status: 503 };
  }
}

export async function listPosts(cursor?: string, limit = POSTS_PER_PAGE): Promise<Result<PostPage>> {
  const api = catalogApi({ tags: [contentTags.content, contentTags.posts] });
  return attempt(() => api.GET("/api/v1/content/posts", { params: { query: { cursor, limit } } }));
}

export const getPost = cache(async (slug: string): Promise<Result<PostRead>> => {
  const api = catalogApi({ tags: [contentTags.content, contentTags.post(slug)] });
  return attempt(() => api.GET("/api/v1/content/posts/{slug}", { params: { path: { slug } } }));
});

export const getPage = cache(async (slug: string): Promise<Result<PageRead>> => {
  const api = catalogApi({ tags: [contentTags.content, contentTags.page(slug)] });
  return attempt(() => api.GET("/api/v1/content/pages/{slug}", { params: { path: { slug } } }));
});

/** The site settings, or null (none yet, or the CMS is unreachable: callers fall back). */
export const getSiteSettings = cache(async (): Promise<SiteSettings | null> => {
  const api = catalogApi({ tags: [contentTags.content, contentTags.siteSettings] });
  const result = await attempt(() => api.GET("/api/v1/content/site-settings"));
  return result.ok ? result.data : null;
});

export const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
