import type { Metadata } from "next";
import { ProductGrid } from "@/components/product/product-grid";
import { catalogApi } from "@/lib/api/client";
import { cacheTags } from "@/lib/api/cache-tags";

export const metadata: Metadata = { alternates: { canonical: "/" } };

/** Minimal home page (phase 1): the newest products, server-rendered. Phase 2 builds the real one. */
export default async function HomePage() {
  const api = catalogApi({ tags: [cacheTags.catalog, cacheTags.products] });
  const { data, error } = await api
    .GET("/api/v1/products", { params: { query: { sort: "newest", limit: 12 } } })
    .catch((e: unknown) => ({ data: undefined, error: e }));
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-bold tracking-tight sm:text-3xl">New arrivals</h1>
      {error || !data ? (
        <p role="alert">The shop is not reachable right now. Please try again in a moment.</p>
      ) : data.items.length === 0 ? (
        <p>No products yet.</p>
      ) : (
        <ProductGrid products={data.items} label="New arrivals" />
      )}
    </div>
  );
}
