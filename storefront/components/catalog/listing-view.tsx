import Link from "@/components/ui/page-link";
import { ProductGrid } from "@/components/product/product-grid";
import type { CategoryNode, ProductPage } from "@/lib/api/types";
import { activeFilters, buildFacetGroups, clearFiltersHref, priceBucketRange, sortOptions } from "@/lib/catalog/facets";
import { formatMoney } from "@/lib/format/money";
import { listingHref, type ListingState } from "@/lib/url/search-params";
import { FilterForm, SortSelect } from "./filter-form";

const FORM_ID = "listing-filters";

export interface ListingViewProps {
  pathname: string;
  heading: React.ReactNode;
  state: ListingState;
  page: ProductPage | null;
  /** subcategories to link to (category pages) */
  subcategories?: CategoryNode[];
  /** whether the category facet is offered as a filter (search and collections) */
  categoryFilter?: boolean;
  isSearch?: boolean;
}

/** A product listing: filters (GET form + links), sort, active filters, grid, cursor pagination. */
export function ListingView({ pathname, heading, state, page, subcategories = [], categoryFilter = false, isSearch = false }: ListingViewProps) {
  const currency = page?.items[0]?.price.currency ?? "EUR";
  const money = (minor: number) => formatMoney({ amount: minor, currency }).replace(/[.,]00(?=\D*$)/, "");
  const groups = buildFacetGroups(page?.facets ?? null, state, money);
  const categoryName = groups.categories.find((c) => c.selected)?.label;
  const chips = activeFilters(pathname, state, categoryName, money);
  const items = page?.items ?? [];

  return (
    <div className="space-y-6">
      {heading}
      <div className="grid gap-6 lg:grid-cols-[15rem_1fr] lg:gap-8">
        <details className="listing-filters rounded-lg border border-gray-200 lg:border-0">
          <summary className="cursor-pointer px-4 py-3 font-medium lg:hidden">Filters{chips.length ? ` (${chips.length})` : ""}</summary>
          <div className="space-y-6 px-4 pb-4 lg:px-0">
            {subcategories.length > 0 ? (
              <nav aria-labelledby="subcategories-heading">
                {/* not "Categories": the header's category navigation has that name (landmarks need their own) */}
                <h2 id="subcategories-heading" className="mb-2 text-sm font-semibold">
                  Subcategories
                </h2>
                <ul className="space-y-1 text-sm">
                  {subcategories.map((c) => (
                    <li key={c.slug}>
                      <Link href={`/c/${c.slug}`} className="text-muted underline-offset-2 hover:text-brand-700 hover:underline">
                        {c.name} <span className="text-muted">({c.product_count})</span>
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
            {categoryFilter && groups.categories.length > 0 ? (
              <nav aria-labelledby="category-facet-heading">
                <h2 id="category-facet-heading" className="mb-2 text-sm font-semibold">
                  Category
                </h2>
                <ul className="space-y-1 text-sm">
                  {groups.categories.slice(0, 15).map((c) => (
                    <li key={c.value}>
                      <Link
                        prefetch={false}
                        href={listingHref(pathname, state, { category: c.selected ? undefined : c.value })}
                        aria-current={c.selected ? "true" : undefined}
                        className={c.selected ? "font-semibold text-brand-700" : "text-muted hover:text-brand-700"}
                      >
                        {c.label} ({c.count})
                      </Link>
                    </li>
                  ))}
                </ul>
              </nav>
            ) : null}
            <FilterForm id={FORM_ID} action={pathname}>
              {state.q ? <input type="hidden" name="q" value={state.q} /> : null}
              {state.q && state.as_typed ? <input type="hidden" name="as_typed" value="true" /> : null}
              {categoryFilter && state.category ? <input type="hidden" name="category" value={state.category} /> : null}
              {state.price_min !== undefined ? <input type="hidden" name="price_min" value={state.price_min} /> : null}
              {state.price_max !== undefined ? <input type="hidden" name="price_max" value={state.price_max} /> : null}
              <div className="space-y-6">
                {groups.options.map((group) => (
                  <fieldset key={group.name}>
                    <legend className="mb-2 text-sm font-semibold">{group.label}</legend>
                    <div className="flex flex-wrap gap-2">
                      {group.choices.map((choice) => (
                        <label
                          key={choice.value}
                          className="flex cursor-pointer items-center gap-1.5 rounded-md border border-gray-300 px-2 py-1 text-sm has-[:checked]:border-brand-600 has-[:checked]:bg-brand-50"
                        >
                          <input type="checkbox" name="option" value={choice.value} defaultChecked={choice.selected} className="accent-brand-600" />
                          {choice.label}
                          <span className="text-muted">({choice.count})</span>
                        </label>
                      ))}
                    </div>
                  </fieldset>
                ))}
                <label className="flex items-center gap-2 text-sm font-medium">
                  <input type="checkbox" name="in_stock" value="true" defaultChecked={state.in_stock === true} className="accent-brand-600" />
                  In stock only
                </label>
                <button type="submit" className="rounded-md bg-brand-600 px-4 py-2 text-sm font-medium text-white hover:bg-brand-700">
                  Apply filters
                </button>
              </div>
            </FilterForm>
            {groups.price.length > 0 ? (
              <nav aria-labelledby="price-facet-heading">
                <h2 id="price-facet-heading" className="mb-2 text-sm font-semibold">
                  Price
                </h2>
                <ul className="space-y-1 text-sm">
                  {groups.price.map((p) => {
                    const range = priceBucketRange(p.value) ?? {};
                    const href = p.selected
                      ? listingHref(pathname, state, { price_min: undefined, price_max: undefined })
                      : listingHref(pathname, state, { price_min: range.price_min, price_max: range.price_max });
                    return (
                      <li key={p.value}>
                        <Link
                          prefetch={false}
                          href={href}
                          aria-current={p.selected ? "true" : undefined}
                          className={p.selected ? "font-semibold text-brand-700" : "text-muted hover:text-brand-700"}
                        >
                          {p.label} ({p.count})
                        </Link>
                      </li>
                    );
                  })}
                </ul>
              </nav>
            ) : null}
          </div>
        </details>

        <section aria-labelledby="results-heading" className="space-y-4">
          <h2 id="results-heading" className="sr-only">
            Products
          </h2>
          <div className="flex flex-wrap items-center justify-between gap-3">
            <p className="text-sm text-muted" aria-live="polite">
              {items.length === 0 ? "No products" : `${items.length}${page?.next_cursor ? "+" : ""} product${items.length === 1 ? "" : "s"}`}
              {state.cursor ? " on this page" : ""}
            </p>
            <SortSelect form={FORM_ID} value={state.sort ?? ""} options={sortOptions(isSearch)} />
          </div>
          {chips.length > 0 ? (
            <ul aria-label="Active filters" className="flex flex-wrap gap-2">
              {chips.map((chip) => (
                <li key={chip.label}>
                  <Link href={chip.href} prefetch={false} className="inline-flex items-center gap-1 rounded-full bg-gray-100 px-3 py-1 text-sm hover:bg-gray-200">
                    {chip.label}
                    <span aria-hidden="true">×</span>
                    <span className="sr-only">(remove filter)</span>
                  </Link>
                </li>
              ))}
              <li>
                <Link href={clearFiltersHref(pathname, state)} className="inline-block px-2 py-1 text-sm font-medium text-brand-700 underline">
                  Clear all filters
                </Link>
              </li>
            </ul>
          ) : null}
          {page === null ? (
            <p role="alert">The shop is not reachable right now. Please try again in a moment.</p>
          ) : items.length === 0 ? (
            <div className="rounded-lg border border-dashed border-gray-300 p-8 text-center">
              <h2 className="text-lg font-semibold">No products match</h2>
              <p className="mt-1 text-muted">Try removing a filter or searching for something else.</p>
              {chips.length > 0 || state.cursor ? (
                <Link href={clearFiltersHref(pathname, state)} className="mt-4 inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
                  Clear filters
                </Link>
              ) : null}
            </div>
          ) : (
            <ProductGrid products={items} label="Products" />
          )}
          {page && (page.next_cursor || state.cursor) ? (
            <nav aria-label="Pagination" className="flex justify-between gap-4 pt-4">
              {state.cursor ? (
                <Link href={listingHref(pathname, state, {})} className="rounded-md border border-gray-300 px-4 py-2 text-sm font-medium hover:bg-gray-50">
                  First page
                </Link>
              ) : (
                <span />
              )}
              {page.next_cursor ? (
                <Link
                  href={listingHref(pathname, state, { cursor: page.next_cursor })}
                  rel="next"
                  className="rounded-md border border-gray-300 px-4 py-2 text-sm font-medium hover:bg-gray-50"
                >
                  Next page
                </Link>
              ) : null}
            </nav>
          ) : null}
        </section>
      </div>
    </div>
  );
}
