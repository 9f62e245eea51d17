/** A plain GET form to /search (works without JavaScript); suggestions come in phase 2. */
export function SearchBox({ defaultValue = "" }: { defaultValue?: string }) {
  return (
    <form action="/search" method="get" role="search" className="flex w-full">
      <label htmlFor="site-search" className="sr-only">
        Search products
      </label>
      <input
        id="site-search"
        name="q"
        type="search"
        defaultValue={defaultValue}
        placeholder="Search products"
        autoComplete="off"
        maxLength={200}
        className="min-w-0 flex-1 rounded-l-md border border-gray-300 px-3 py-2 text-base placeholder:text-gray-500"
      />
      <button type="submit" className="rounded-r-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Search
      </button>
    </form>
  );
}
