import type { Metadata } from "next";
import Image from "next/image";
import Link from "@/components/ui/page-link";
import { ProductGrid } from "@/components/product/product-grid";
import { SocialFeed } from "@/components/social/social-feed";
import { featuredCollectionSlugs, getCollection, someProducts } from "@/lib/catalog/api";
import { saleItems } from "@/lib/catalog/home";
import { getSiteSettings } from "@/lib/content/api";
import { isSafeHref } from "@/lib/content/safe-href";
import { getSocialFeed } from "@/lib/integrations/api";

export const metadata: Metadata = {
  alternates: { canonical: "/" },
  description: "Clothing, shoes, accessories and homeware from independent makers.",
  openGraph: { url: "/", title: "Mercato — shop" },
};

/**
 * Home: featured collections, new arrivals, sale items and the community feed (hidden when the
 * social provider has nothing); server-rendered from tagged, cached reads.
 */
export default async function HomePage() {
  const [collections, newest, recent, settings, social] = await Promise.all([
    Promise.all(featuredCollectionSlugs().map((slug) => getCollection(slug, 1))),
    someProducts({ sort: "newest", limit: 8 }),
    someProducts({ sort: "newest", limit: 100 }),
    getSiteSettings(),
    getSocialFeed(),
  ]);
  // The hero comes from the CMS's site settings; built-in text when there are none.
  const hero = settings?.hero ?? { heading: "Good things, made well", text: "Clothing, shoes, accessories and homeware from independent makers.", cta: null, image: null };
  const cta = hero.cta && isSafeHref(hero.cta.href) ? hero.cta : null;
  const featured = collections.flatMap((c) => (c.ok ? [c.data] : []));
  const sale = saleItems(recent, 8);
  const unreachable = newest.length === 0 && featured.length === 0;

  return (
    <div className="space-y-12">
      <section aria-labelledby="hero-heading" className="rounded-2xl bg-brand-50 px-6 py-8 sm:px-10">
        <h1 id="hero-heading" className="text-3xl font-bold tracking-tight sm:text-4xl">
          {hero.heading}
        </h1>
        {hero.text ? <p className="mt-2 max-w-xl text-muted">{hero.text}</p> : null}
        {cta ? (
          <a href={cta.href} className="mt-4 inline-block rounded-md bg-brand-700 px-4 py-2 font-semibold text-white hover:bg-brand-900">
            {cta.label}
          </a>
        ) : null}
      </section>

      {unreachable ? <p role="alert">The shop is not reachable right now, or has no products yet. Please try again in a moment.</p> : null}

      {featured.length > 0 ? (
        <section aria-labelledby="collections-heading" className="space-y-4">
          <h2 id="collections-heading" className="text-xl font-bold tracking-tight">
            Featured collections
          </h2>
          <ul className="grid gap-4 sm:grid-cols-3">
            {featured.map((c, index) => {
              const image = c.products[0]?.image;
              return (
                <li key={c.slug} className="group relative overflow-hidden rounded-lg border border-gray-200">
                  <div className="aspect-[5/2] bg-gray-100">
                    {image ? (
                      <Image src={image.url} alt="" width={image.width ?? 600} height={image.height ?? 400} sizes="(min-width: 640px) 33vw, 100vw" priority={index === 0} unoptimized className="h-full w-full object-contain" />
                    ) : null}
                  </div>
                  <div className="p-4">
                    <h3 className="font-semibold">
                      <Link href={`/collections/${c.slug}`} prefetch={false} className="after:absolute after:inset-0">
                        {c.title}
                      </Link>
                    </h3>
                    {c.description ? <p className="mt-1 line-clamp-2 text-sm text-muted">{c.description}</p> : null}
                  </div>
                </li>
              );
            })}
          </ul>
        </section>
      ) : null}

      {newest.length > 0 ? (
        <section aria-labelledby="new-heading" className="space-y-4">
          <h2 id="new-heading" className="text-xl font-bold tracking-tight">
            New arrivals
          </h2>
          <ProductGrid products={newest} label="New arrivals" priorityCount={0} />
        </section>
      ) : null}

      {sale.length > 0 ? (
        <section aria-labelledby="sale-heading" className="space-y-4">
          <h2 id="sale-heading" className="text-xl font-bold tracking-tight">
            On sale
          </h2>
          <ProductGrid products={sale} label="On sale" priorityCount={0} />
        </section>
      ) : null}

      <SocialFeed feed={social} />
    </div>
  );
}
