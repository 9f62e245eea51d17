"use client";

import Form from "next/form";
import { useRef } from "react";

/**
 * The listing's filter/sort form: a plain GET form (works without JavaScript: "Apply filters"),
 * and with JavaScript every change applies at once through a client-side navigation.
 */
export function FilterForm({ id, action, children }: { id: string; action: string; children: React.ReactNode }) {
  const ref = useRef<HTMLFormElement>(null);
  return (
    <Form
      id={id}
      ref={ref}
      action={action}
      scroll={false}
      aria-label="Filter products"
      onSubmit={(event) => leaveOutEmptyFields(event.currentTarget)}
      onChange={(event) => {
        const target = event.target as HTMLElement;
        if (target instanceof HTMLInputElement || target instanceof HTMLSelectElement) ref.current?.requestSubmit();
      }}
    >
      {children}
    </Form>
  );
}

/**
 * Fields left empty (the default sort, a blank price) stay out of the URL: `?sort=&price_min=`
 * says nothing. Disabled fields are not submitted; next/form reads the fields right after this
 * handler, and they are enabled again on the next task.
 */
function leaveOutEmptyFields(form: HTMLFormElement) {
  const empty = Array.from(form.elements).filter(
    (el): el is HTMLInputElement | HTMLSelectElement =>
      (el instanceof HTMLInputElement || el instanceof HTMLSelectElement) && el.name !== "" && el.value === "" && !el.disabled,
  );
  for (const el of empty) el.disabled = true;
  setTimeout(() => {
    for (const el of empty) el.disabled = false;
  });
}

/** The sort select lives outside the filter disclosure but submits the same form (`form=` attribute). */
export function SortSelect({ form, value, options }: { form: string; value: string; options: { value: string; label: string }[] }) {
  return (
    <div className="flex items-center gap-2">
      <label htmlFor="listing-sort" className="text-sm font-medium">
        Sort by
      </label>
      <select
        id="listing-sort"
        name="sort"
        form={form}
        defaultValue={value}
        onChange={(event) => event.currentTarget.form?.requestSubmit()}
        className="rounded-md border border-gray-300 bg-white px-2 py-1.5 text-sm"
      >
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </div>
  );
}
