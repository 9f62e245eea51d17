import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { notFoundMetadata } from "@/lib/metadata/not-found";
import { Breadcrumbs } from "@/components/catalog/breadcrumbs";
import { ListingView } from "@/components/catalog/listing-view";
import { findCategory, getCategoryTree, listingPage, listProducts } from "@/lib/catalog/api";
import { parseListingState, type RawSearchParams } from "@/lib/url/search-params";

interface Props {
  params: Promise<{ slug: string }>;
  searchParams: Promise<RawSearchParams>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const tree = await getCategoryTree();
  const found = tree ? findCategory(tree, slug) : null;
  if (!found) return tree ? notFoundMetadata : { title: "Category", robots: { index: false } };
  const description = found.node.description || `Shop ${found.node.name.toLowerCase()} at Mercato.`;
  return {
    title: found.node.name,
    description,
    alternates: { canonical: `/c/${slug}` },
    openGraph: { title: found.node.name, description, url: `/c/${slug}` },
  };
}

/** Category listing (includes products of subcategories): filters, sort and paging in the URL. */
export default async function CategoryPage({ params, searchParams }: Props) {
  const [{ slug }, raw] = await Promise.all([params, searchParams]);
  const tree = await getCategoryTree();
  const found = tree ? findCategory(tree, slug) : null;
  if (tree && !found) notFound();
  const state = { ...parseListingState(raw), category: undefined };
  const result = await listProducts(state, { category: slug });
  const name = found?.node.name ?? slug;
  return (
    <ListingView
      pathname={`/c/${slug}`}
      state={state}
      page={listingPage(result)}
      subcategories={found?.node.children ?? []}
      heading={
        <div className="space-y-2">
          <Breadcrumbs items={[...(found?.trail ?? []).map((c) => ({ name: c.name, href: `/c/${c.slug}` })), { name }]} />
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{name}</h1>
          {found?.node.description ? <p className="text-muted">{found.node.description}</p> : null}
        </div>
      }
    />
  );
}
