import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Breadcrumbs } from "@/components/catalog/breadcrumbs";
import { ListingView } from "@/components/catalog/listing-view";
import { getCollection, listingPage, listProducts } from "@/lib/catalog/api";
import { parseListingState, type RawSearchParams } from "@/lib/url/search-params";
import { notFoundMetadata } from "@/lib/metadata/not-found";

interface Props {
  params: Promise<{ slug: string }>;
  searchParams: Promise<RawSearchParams>;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const { slug } = await params;
  const collection = await getCollection(slug, 1);
  if (!collection.ok) return collection.status === 404 ? notFoundMetadata : { title: "Collection", robots: { index: false } };
  const description = collection.data.description || `The ${collection.data.title} collection at Mercato.`;
  return {
    title: collection.data.title,
    description,
    alternates: { canonical: `/collections/${slug}` },
    openGraph: { title: collection.data.title, description, url: `/collections/${slug}` },
  };
}

/** Collection listing: the products endpoint filtered by `collection`, with facets. */
export default async function CollectionPage({ params, searchParams }: Props) {
  const [{ slug }, raw] = await Promise.all([params, searchParams]);
  const collection = await getCollection(slug, 1);
  if (!collection.ok && collection.status === 404) notFound();
  const state = { ...parseListingState(raw), collection: undefined };
  const result = await listProducts(state, { collection: slug });
  const title = collection.ok ? collection.data.title : slug;
  return (
    <ListingView
      pathname={`/collections/${slug}`}
      state={state}
      page={listingPage(result)}
      categoryFilter
      heading={
        <div className="space-y-2">
          <Breadcrumbs items={[{ name: title }]} />
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">{title}</h1>
          {collection.ok && collection.data.description ? <p className="text-muted">{collection.data.description}</p> : null}
        </div>
      }
    />
  );
}
