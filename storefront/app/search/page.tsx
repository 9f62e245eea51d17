import type { Metadata } from "next";
import Link from "@/components/ui/page-link";
import { ListingView } from "@/components/catalog/listing-view";
import { listingPage, listProducts } from "@/lib/catalog/api";
import { asTypedHref, parseListingState, type RawSearchParams } from "@/lib/url/search-params";

interface Props {
  searchParams: Promise<RawSearchParams>;
}

export async function generateMetadata({ searchParams }: Props): Promise<Metadata> {
  const { q } = parseListingState(await searchParams);
  return {
    title: q ? `Search: ${q}` : "Search",
    alternates: { canonical: "/search" },
    robots: { index: false, follow: true }, // result pages are not landing pages
  };
}

/** Full-text search results with the same filters as the category listings. */
export default async function SearchPage({ searchParams }: Props) {
  const state = parseListingState(await searchParams);
  if (!state.q) {
    return (
      <div className="space-y-3">
        <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Search</h1>
        <p className="text-muted">Type what you are looking for in the search box above.</p>
      </div>
    );
  }
  const result = await listProducts(state);
  const corrected = result.ok ? result.data.corrected_query : null;
  return (
    <ListingView
      pathname="/search"
      state={state}
      page={listingPage(result)}
      categoryFilter
      isSearch
      heading={
        <div className="space-y-1">
          <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">Results for “{state.q}”</h1>
          {corrected && corrected !== state.q ? (
            <p className="text-muted">
              Showing results for <strong>{corrected}</strong>.{" "}
              <Link href={asTypedHref("/search", state)} className="text-brand-700 underline">
                Search for “{state.q}” instead
              </Link>
            </p>
          ) : null}
        </div>
      }
    />
  );
}
