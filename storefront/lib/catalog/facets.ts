/**
 * Facet building for listings (pure): turns the API's `facets` (GET /api/v1/products?facets=true)
 * and the URL state into filter groups with counts and "selected" flags, and lists the active
 * filters with an href that removes each one. Parameter names are the API's (lib/url/search-params).
 */
import type { ListingState } from "@/lib/url/search-params";
import { listingHref } from "@/lib/url/search-params";

export interface FacetValueIn {
  value: string;
  label: string;
  count: number;
}

export interface FacetsIn {
  categories: FacetValueIn[];
  options: Record<string, FacetValueIn[]>;
  price: FacetValueIn[];
}

export interface FacetChoice {
  /** the form value: `size:M` for options, `2500-5000` for a price bucket, a slug for categories */
  value: string;
  label: string;
  count: number;
  selected: boolean;
}

export interface OptionGroup {
  name: string;
  label: string;
  choices: FacetChoice[];
}

export interface FacetGroups {
  categories: FacetChoice[];
  options: OptionGroup[];
  price: FacetChoice[];
}

export const SORT_OPTIONS = [
  { value: "", label: "Featured" },
  { value: "newest", label: "Newest" },
  { value: "price_asc", label: "Price: low to high" },
  { value: "price_desc", label: "Price: high to low" },
  { value: "name", label: "Name" },
] as const;

/** Search results may also sort by relevance (the API's default when `q` is given). */
export function sortOptions(isSearch: boolean): { value: string; label: string }[] {
  return isSearch ? [{ value: "", label: "Relevance" }, ...SORT_OPTIONS.slice(1)] : [...SORT_OPTIONS];
}

/** `2500-5000` → {price_min: 2500, price_max: 4999}; `20000-` → {price_min: 20000}; junk → null. */
export function priceBucketRange(value: string): { price_min?: number; price_max?: number } | null {
  const match = /^(\d{1,9})-(\d{1,9})?$/.exec(value);
  if (!match) return null;
  const low = Number(match[1]);
  const high = match[2] === undefined ? undefined : Number(match[2]);
  if (high !== undefined && high <= low) return null;
  return high === undefined ? { price_min: low } : { price_min: low, price_max: high - 1 };
}

/** The bucket value the state's price range equals, if any (to check the matching radio). */
export function selectedPriceBucket(state: Pick<ListingState, "price_min" | "price_max">, buckets: FacetValueIn[]): string | undefined {
  return buckets.find((b) => {
    const range = priceBucketRange(b.value);
    return range !== null && range.price_min === state.price_min && range.price_max === state.price_max;
  })?.value;
}

export function optionLabel(name: string): string {
  const spaced = name.replace(/[_-]+/g, " ").trim();
  return spaced ? spaced[0]!.toUpperCase() + spaced.slice(1) : name;
}

/** Sizes in their natural order (XS…XL, then numbers), anything else alphabetically. */
const SIZE_ORDER = ["XXS", "XS", "S", "M", "L", "XL", "XXL", "XXXL"];
function compareValues(a: string, b: string): number {
  const ia = SIZE_ORDER.indexOf(a.toUpperCase());
  const ib = SIZE_ORDER.indexOf(b.toUpperCase());
  if (ia >= 0 && ib >= 0) return ia - ib;
  if (ia >= 0 !== ib >= 0) return ia >= 0 ? -1 : 1;
  const na = Number(a);
  const nb = Number(b);
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na - nb;
  return a.localeCompare(b);
}

export function buildFacetGroups(
  facets: FacetsIn | null | undefined,
  state: ListingState,
  money: (minor: number) => string = euros,
): FacetGroups {
  const selectedOptions = new Set(state.option);
  const options: OptionGroup[] = Object.entries(facets?.options ?? {})
    .map(([name, values]) => ({
      name,
      label: optionLabel(name),
      choices: [...values]
        .sort((a, b) => compareValues(a.value, b.value))
        .map((v) => ({ value: `${name}:${v.value}`, label: v.label, count: v.count, selected: selectedOptions.has(`${name}:${v.value}`) })),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
  // a selected option value the facets no longer list (0 results) stays visible so it can be cleared
  for (const param of selectedOptions) {
    const [name = "", ...rest] = param.split(":");
    const value = rest.join(":");
    let group = options.find((g) => g.name === name);
    if (!group) {
      group = { name, label: optionLabel(name), choices: [] };
      options.push(group);
    }
    if (!group.choices.some((c) => c.value === param)) group.choices.push({ value: param, label: value, count: 0, selected: true });
  }
  const bucket = selectedPriceBucket(state, facets?.price ?? []);
  return {
    categories: (facets?.categories ?? []).map((c) => ({ ...c, selected: c.value === state.category })),
    options,
    price: (facets?.price ?? []).map((p) => ({ ...p, label: priceLabel(p.value, p.label, money), selected: p.value === bucket })),
  };
}

/** "2500-5000" → "€25 – €50", "20000-" → "€200 and up" (whole units of the shop's currency). */
export function priceLabel(value: string, fallback: string, money: (minor: number) => string = euros): string {
  const range = priceBucketRange(value);
  if (!range || range.price_min === undefined) return fallback;
  if (range.price_max === undefined) return `${money(range.price_min)} and up`;
  const upper = money(range.price_max + 1);
  return range.price_min === 0 ? `Under ${upper}` : `${money(range.price_min)} – ${upper}`;
}

function euros(minor: number): string {
  return `€${Math.round(minor / 100)}`;
}

export interface ActiveFilter {
  label: string;
  /** the listing without this filter */
  href: string;
}

/** The filters in effect (not q, sort or cursor), each with a link that removes it. */
export function activeFilters(
  pathname: string,
  state: ListingState,
  categoryName?: string,
  money: (minor: number) => string = euros,
): ActiveFilter[] {
  const out: ActiveFilter[] = [];
  if (state.category) out.push({ label: `Category: ${categoryName ?? state.category}`, href: listingHref(pathname, state, { category: undefined }) });
  for (const o of state.option) {
    const [name = "", ...rest] = o.split(":");
    out.push({ label: `${optionLabel(name)}: ${rest.join(":")}`, href: listingHref(pathname, state, { option: state.option.filter((x) => x !== o) }) });
  }
  if (state.price_min !== undefined || state.price_max !== undefined) {
    const min = money(state.price_min ?? 0);
    const label = state.price_max !== undefined ? `Price: ${min} – ${money(state.price_max + 1)}` : `Price: ${min} and up`;
    out.push({ label, href: listingHref(pathname, state, { price_min: undefined, price_max: undefined }) });
  }
  if (state.in_stock) out.push({ label: "In stock only", href: listingHref(pathname, state, { in_stock: undefined }) });
  return out;
}

/** The listing with every filter cleared (keeps the search query, as typed or not, and the sort). */
export function clearFiltersHref(pathname: string, state: ListingState): string {
  return listingHref(pathname, { option: [], q: state.q, as_typed: state.as_typed, sort: state.sort }, {});
}
