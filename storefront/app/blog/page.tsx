import type { Metadata } from "next";
import Image from "next/image";
import Link from "@/components/ui/page-link";
import { listPosts } from "@/lib/content/api";
import { formatPostDate } from "@/lib/content/format";

export const metadata: Metadata = {
  title: "Journal",
  description: "Stories about materials, makers and caring for good things.",
  alternates: { canonical: "/blog", types: { "application/rss+xml": "/blog/rss.xml" } },
};

interface Props {
  searchParams: Promise<{ cursor?: string | string[] }>;
}

/** The blog: posts newest first, a page at a time (keyset cursor from the API). */
export default async function BlogPage({ searchParams }: Props) {
  const raw = (await searchParams).cursor;
  const cursor = typeof raw === "string" && raw.length <= 500 ? raw : undefined;
  const result = await listPosts(cursor);
  const page = result.ok ? result.data : null;
  return (
    <div className="space-y-8">
      <header className="space-y-2">
        <h1 className="text-3xl font-bold tracking-tight">Journal</h1>
        <p className="text-muted">
          Stories about materials, makers and caring for good things.{" "}
          <a href="/blog/rss.xml" className="text-brand-700 underline">
            RSS feed
          </a>
        </p>
      </header>
      {!page ? (
        <p role="alert">{result.ok || result.status >= 500 ? "The journal is not reachable right now. Please try again in a moment." : "This page of the journal does not exist."}</p>
      ) : page.items.length === 0 ? (
        <p>No posts yet. Check back soon.</p>
      ) : (
        <ul className="grid gap-8 sm:grid-cols-2 lg:grid-cols-3" aria-label="Posts">
          {page.items.map((post, index) => (
            <li key={post.id}>
              <article className="group relative flex h-full flex-col overflow-hidden rounded-lg border border-gray-200">
                {post.cover ? (
                  <Image src={post.cover.url} alt={post.cover.alt} width={post.cover.width ?? 1200} height={post.cover.height ?? 630} sizes="(min-width: 1024px) 33vw, (min-width: 640px) 50vw, 100vw" priority={index === 0} unoptimized className="aspect-[40/21] w-full object-cover" />
                ) : null}
                <div className="flex flex-1 flex-col gap-2 p-4">
                  <h2 className="text-lg font-semibold">
                    <Link href={`/blog/${post.slug}`} className="after:absolute after:inset-0">
                      {post.title}
                    </Link>
                  </h2>
                  <p className="text-sm text-muted">
                    <time dateTime={post.published_at}>{formatPostDate(post.published_at)}</time>
                    {post.author ? <> · {post.author.name}</> : null}
                  </p>
                  <p className="text-sm">{post.excerpt}</p>
                </div>
              </article>
            </li>
          ))}
        </ul>
      )}
      {page && (page.next_cursor || cursor) ? (
        <nav aria-label="Journal pages" className="flex justify-between">
          {cursor ? (
            <Link href="/blog" className="text-brand-700 underline">
              Latest posts
            </Link>
          ) : (
            <span />
          )}
          {page.next_cursor ? (
            <Link href={`/blog?cursor=${encodeURIComponent(page.next_cursor)}`} className="text-brand-700 underline">
              Older posts
            </Link>
          ) : null}
        </nav>
      ) : null}
    </div>
  );
}
