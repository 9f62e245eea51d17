import type { Metadata } from "next";
import Image from "next/image";
import Link from "@/components/ui/page-link";
import { notFound } from "next/navigation";
import { PortableTextBody } from "@/components/content/portable-text";
import { getPost, SLUG } from "@/lib/content/api";
import { formatPostDate } from "@/lib/content/format";

interface Props {
  params: Promise<{ slug: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  if (!SLUG.test(slug)) return { title: "Post not found", robots: { index: false } };
  const result = await getPost(slug);
  if (!result.ok) return { title: result.status === 404 ? "Post not found" : "Journal", robots: { index: false } };
  const post = result.data;
  const title = post.seo?.title || post.title;
  const description = post.seo?.description || post.excerpt;
  return {
    title,
    description,
    alternates: { canonical: `/blog/${post.slug}` },
    robots: post.seo?.no_index ? { index: false } : undefined,
    openGraph: {
      type: "article",
      title,
      description,
      url: `/blog/${post.slug}`,
      publishedTime: post.published_at,
      authors: post.author ? [post.author.name] : undefined,
      images: post.cover ? [{ url: post.cover.url, alt: post.cover.alt, width: post.cover.width ?? undefined, height: post.cover.height ?? undefined }] : undefined,
    },
  };
}

/** One post: cover image with its alt text, author, date and the Portable Text body. */
export default async function PostPage({ params }: Props) {
  const { slug } = await params;
  if (!SLUG.test(slug)) notFound();
  const result = await getPost(slug);
  if (!result.ok) {
    if (result.status === 404) notFound();
    return <p role="alert">The journal is not reachable right now. Please try again in a moment.</p>;
  }
  const post = result.data;
  return (
    <article className="mx-auto max-w-3xl space-y-6">
      <nav aria-label="Breadcrumb" className="text-sm text-muted">
        <Link href="/blog" className="underline">
          Journal
        </Link>
      </nav>
      <header className="space-y-3">
        <h1 className="text-3xl font-bold tracking-tight sm:text-4xl">{post.title}</h1>
        <p className="text-muted">
          {post.author ? <span>By {post.author.name} · </span> : null}
          <time dateTime={post.published_at}>{formatPostDate(post.published_at)}</time>
        </p>
        {post.categories && post.categories.length > 0 ? (
          <ul aria-label="Categories" className="flex flex-wrap gap-2">
            {post.categories.map((c) => (
              <li key={c} className="rounded-full bg-gray-100 px-3 py-1 text-xs">
                {c}
              </li>
            ))}
          </ul>
        ) : null}
      </header>
      {post.cover ? (
        <Image src={post.cover.url} alt={post.cover.alt} width={post.cover.width ?? 1200} height={post.cover.height ?? 630} priority unoptimized className="h-auto w-full rounded-lg" />
      ) : null}
      <div className="text-base">
        <PortableTextBody value={post.body} />
      </div>
      {post.author?.bio ? (
        <aside aria-label="About the author" className="rounded-lg bg-gray-50 p-4 text-sm">
          <p className="font-semibold">{post.author.name}</p>
          <p className="text-muted">{post.author.bio}</p>
        </aside>
      ) : null}
    </article>
  );
}
