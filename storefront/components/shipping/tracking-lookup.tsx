/** The tracking-number form: a plain GET form (works without JavaScript). */
export function TrackingLookup({ defaultValue = "", error }: { defaultValue?: string; error?: string | null }) {
  return (
    <form action="/track" method="get" className="flex flex-col gap-2 sm:flex-row sm:items-end" role="search" aria-label="Track a parcel">
      <div className="flex-1">
        <label htmlFor="tracking-number" className="block text-sm font-medium">
          Tracking number
        </label>
        <input
          id="tracking-number"
          name="number"
          defaultValue={defaultValue}
          required
          minLength={4}
          maxLength={80}
          autoComplete="off"
          spellCheck={false}
          inputMode="text"
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? "tracking-number-error" : undefined}
          className="mt-1 w-full rounded-md border border-gray-300 px-3 py-2 font-mono uppercase"
        />
        {error ? (
          <p id="tracking-number-error" className="mt-1 text-sm text-red-700">
            {error}
          </p>
        ) : null}
      </div>
      <button type="submit" className="rounded-md bg-brand-700 px-4 py-2 font-medium text-white hover:bg-brand-600">
        Track
      </button>
    </form>
  );
}
