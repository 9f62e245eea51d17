import type { ReactNode } from "react";

export const inputClass =
  "mt-1 block w-full rounded-md border border-gray-300 px-3 py-2 text-base aria-invalid:border-red-600 aria-invalid:ring-1 aria-invalid:ring-red-600";

/** A labelled input or select for admin forms (label, hint and error tied to the control). */
export function AdminField({
  id,
  label,
  error,
  hint,
  children,
}: {
  id: string;
  label: string;
  error?: string;
  hint?: string;
  children: (props: { id: string; "aria-invalid"?: true; "aria-describedby"?: string; className: string }) => ReactNode;
}) {
  const described = [hint ? `${id}-hint` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children({ id, "aria-invalid": error ? true : undefined, "aria-describedby": described, className: inputClass })}
      {hint ? (
        <p id={`${id}-hint`} className="mt-1 text-xs text-muted">
          {hint}
        </p>
      ) : null}
      {error ? (
        <p id={`${id}-error`} className="mt-1 text-sm text-red-700">
          {error}
        </p>
      ) : null}
    </div>
  );
}

export function PageHeading({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="mb-6 flex flex-wrap items-center justify-between gap-3">
      <h1 className="text-2xl font-bold">{title}</h1>
      {children ? <div className="flex flex-wrap gap-2">{children}</div> : null}
    </div>
  );
}

export function Section({ title, children, id }: { title: string; children: ReactNode; id?: string }) {
  const headingId = id ?? `section-${title.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;
  return (
    <section aria-labelledby={headingId} className="rounded-lg border border-gray-200 p-4">
      <h2 id={headingId} className="mb-3 text-lg font-semibold">
        {title}
      </h2>
      {children}
    </section>
  );
}

export function ErrorNote({ message }: { message: string }) {
  return (
    <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
      {message}
    </p>
  );
}

export function EmptyState({ children }: { children: ReactNode }) {
  return <p className="rounded-md border border-dashed border-gray-300 p-6 text-center text-muted">{children}</p>;
}

export const buttonLink = "inline-block rounded-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700";
export const secondaryLink = "inline-block rounded-md border border-gray-300 bg-white px-4 py-2 font-medium hover:bg-gray-50";
export const tableClass = "w-full min-w-[36rem] border-collapse text-left text-sm";
/** For a table of a few short columns in half the page (an order's items, its ledger): fits
 * without scrolling sideways at 1280 px. */
export const narrowTableClass = "w-full min-w-[20rem] border-collapse text-left text-sm";
export const thClass = "border-b border-gray-200 px-2 py-2 font-semibold";
export const tdClass = "border-b border-gray-100 px-2 py-2 align-top";

/**
 * The GET filter form above an admin list: a search landmark named by `label`, its fields
 * (FilterField) and the submit button. `layout` sets the grid or flex classes.
 */
export function FilterForm({
  label,
  submitLabel,
  layout = "flex flex-wrap items-end gap-3",
  children,
}: {
  label: string;
  submitLabel: string;
  layout?: string;
  children: ReactNode;
}) {
  return (
    <form method="get" role="search" aria-label={label} className={`mb-4 ${layout}`}>
      {children}
      <div>
        <button type="submit" className="rounded-md border border-gray-300 px-4 py-2 font-medium">
          {submitLabel}
        </button>
      </div>
    </form>
  );
}

/** One labelled filter: the control (given `id` and `inputClass`) under its label. */
export function FilterField({ id, label, children }: { id: string; label: string; children: ReactNode }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      {children}
    </div>
  );
}
