import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { PortableTextBody } from "@/components/content/portable-text";
import { getPage, SLUG } from "@/lib/content/api";

interface Props {
  params: Promise<{ slug: string }>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  if (!SLUG.test(slug)) return { title: "Page not found", robots: { index: false } };
  const result = await getPage(slug);
  if (!result.ok) return { title: result.status === 404 ? "Page not found" : "Mercato", robots: { index: false } };
  const page = result.data;
  return {
    title: page.seo?.title || page.title,
    description: page.seo?.description ?? undefined,
    alternates: { canonical: `/pages/${page.slug}` },
    robots: page.seo?.no_index ? { index: false } : undefined,
  };
}

/** A CMS page (about, FAQ, shipping and returns, terms, privacy …), linked from the footer. */
export default async function CmsPage({ params }: Props) {
  const { slug } = await params;
  if (!SLUG.test(slug)) notFound();
  const result = await getPage(slug);
  if (!result.ok) {
    if (result.status === 404) notFound();
    return <p role="alert">This page is not reachable right now. Please try again in a moment.</p>;
  }
  const page = result.data;
  return (
    <article className="mx-auto max-w-3xl space-y-4">
      <h1 className="text-3xl font-bold tracking-tight">{page.title}</h1>
      <PortableTextBody value={page.body} />
    </article>
  );
}
