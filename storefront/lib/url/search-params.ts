/**
 * URL state for listings: every filter, the sort and the cursor live in the query string so a link
 * reproduces the view. Parse Next's `searchParams` into a typed state, and build hrefs back from
 * it. The listing developer extends `ListingState` (and the two functions) as filters are added;
 * keep the parameter names identical to the API's (`GET /api/v1/products`) so state maps 1:1.
 */

export type RawSearchParams = Record<string, string | string[] | undefined>;

export interface ListingState {
  q?: string;
  /** search `q`'s words as typed, without the API's typo correction (`as_typed=true`) */
  as_typed?: boolean;
  category?: string;
  collection?: string;
  /** `name:value` pairs, e.g. `size:M` (repeatable in the URL as `option=size:M`) */
  option: string[];
  price_min?: number;
  price_max?: number;
  in_stock?: boolean;
  sort?: string;
  cursor?: string;
}

function first(value: string | string[] | undefined): string | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  const trimmed = v?.trim();
  return trimmed ? trimmed : undefined;
}

function all(value: string | string[] | undefined): string[] {
  const list = Array.isArray(value) ? value : value === undefined ? [] : [value];
  return [...new Set(list.map((v) => v.trim()).filter(Boolean))].sort();
}

function nonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

/** Tolerant parse: unknown or malformed parameters are dropped, never an error page. */
export function parseListingState(params: RawSearchParams): ListingState {
  const inStock = first(params.in_stock);
  return {
    q: first(params.q)?.slice(0, 200),
    as_typed: first(params.as_typed) === "true" ? true : undefined,
    category: first(params.category),
    collection: first(params.collection),
    option: all(params.option).filter((o) => /^[^:]+:.+$/.test(o)),
    price_min: nonNegativeInt(first(params.price_min)),
    price_max: nonNegativeInt(first(params.price_max)),
    in_stock: inStock === "true" ? true : inStock === "false" ? false : undefined,
    sort: first(params.sort),
    cursor: first(params.cursor),
  };
}

/** Canonical query string (stable order, empty values omitted, no leading `?`). */
export function listingQuery(state: Partial<ListingState>): string {
  const out = new URLSearchParams();
  const put = (key: string, value: string | number | boolean | undefined) => {
    if (value !== undefined && value !== "") out.append(key, String(value));
  };
  put("q", state.q);
  put("as_typed", state.as_typed ? true : undefined);
  put("category", state.category);
  put("collection", state.collection);
  for (const o of [...new Set(state.option ?? [])].sort()) put("option", o);
  put("price_min", state.price_min);
  put("price_max", state.price_max);
  put("in_stock", state.in_stock);
  put("sort", state.sort);
  put("cursor", state.cursor);
  return out.toString();
}

/** An href for `pathname` with the state changed by `patch`; any change but the cursor resets it. */
export function listingHref(pathname: string, state: ListingState, patch: Partial<ListingState>): string {
  const next: Partial<ListingState> = { ...state, ...patch };
  if (!("cursor" in patch)) delete next.cursor;
  const query = listingQuery(next);
  return query ? `${pathname}?${query}` : pathname;
}

/**
 * The search for the words exactly as typed, when the API answered for a corrected query
 * (`corrected_query`): the same filters and sort, the first page.
 */
export function asTypedHref(pathname: string, state: ListingState): string {
  return listingHref(pathname, state, { as_typed: true });
}
