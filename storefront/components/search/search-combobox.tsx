"use client";

import { usePathname, useRouter } from "next/navigation";
import { useEffect, useId, useRef, useState } from "react";
import type { Suggestion } from "@/lib/catalog/suggestions";
import { suggestQuery } from "@/lib/catalog/suggestions";

const DEBOUNCE_MS = 200;

/**
 * The header search: a GET form to /search (works without JavaScript) whose input is an ARIA 1.2
 * combobox with instant suggestions. Typing asks /api/search/suggest after a 200 ms pause; each new
 * keystroke aborts the request in flight. ↓/↑ move through the suggestions, Enter opens the
 * highlighted product (or searches), Escape closes the list (a second Escape clears the box).
 */
export function SearchCombobox({ defaultValue = "" }: { defaultValue?: string }) {
  const router = useRouter();
  const id = useId();
  const listId = `${id}-list`;
  const [value, setValue] = useState(defaultValue);
  const [items, setItems] = useState<Suggestion[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const controller = useRef<AbortController | null>(null);
  const fromUrl = useRef<string | null>(null);
  const pathname = usePathname();

  // On the results page the box shows what was searched for (the header is rendered once for
  // every page, without the URL's query); no suggestions are asked for it.
  useEffect(() => {
    const q = pathname === "/search" ? new URLSearchParams(window.location.search).get("q") : null;
    if (q === null) return;
    fromUrl.current = q;
    setValue(q); // eslint-disable-line react-hooks/set-state-in-effect -- the URL is outside React
  }, [pathname]);

  useEffect(() => {
    if (fromUrl.current === value) return;
    const q = suggestQuery(value);
    controller.current?.abort();
    if (!q) return; // nothing to ask; stale suggestions are hidden below
    const ac = new AbortController();
    controller.current = ac;
    const timer = window.setTimeout(async () => {
      try {
        const response = await fetch(`/api/search/suggest?q=${encodeURIComponent(q)}`, { signal: ac.signal, headers: { Accept: "application/json" } });
        if (!response.ok) return;
        const body = (await response.json()) as { items?: Suggestion[] };
        setItems(body.items ?? []);
        setActive(-1);
      } catch {
        // aborted by a newer keystroke, or offline: keep what is shown
      }
    }, DEBOUNCE_MS);
    return () => {
      window.clearTimeout(timer);
      ac.abort();
    };
  }, [value]);

  const expanded = open && items.length > 0 && suggestQuery(value) !== null;

  function go(item: Suggestion) {
    setOpen(false);
    setActive(-1);
    router.push(`/p/${item.slug}`);
  }

  function onKeyDown(event: React.KeyboardEvent<HTMLInputElement>) {
    if (event.key === "ArrowDown") {
      event.preventDefault();
      setOpen(true);
      setActive((i) => (items.length ? (i + 1) % items.length : -1));
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      setOpen(true);
      setActive((i) => (items.length ? (i <= 0 ? items.length - 1 : i - 1) : -1));
    } else if (event.key === "Enter") {
      const item = expanded && active >= 0 ? items[active] : undefined;
      if (item) {
        event.preventDefault();
        go(item);
      } else setOpen(false);
    } else if (event.key === "Escape") {
      if (expanded) {
        event.preventDefault();
        setOpen(false);
        setActive(-1);
      } else setValue("");
    }
  }

  return (
    <form action="/search" method="get" role="search" className="relative flex w-full" onSubmit={() => setOpen(false)}>
      <label htmlFor={`${id}-input`} className="sr-only">
        Search products
      </label>
      <input
        id={`${id}-input`}
        name="q"
        type="search"
        role="combobox"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
        value={value}
        onChange={(e) => {
          setValue(e.target.value);
          setOpen(true);
          setActive(-1); // typing never leaves a stale suggestion highlighted for Enter
        }}
        onFocus={() => setOpen(true)}
        onBlur={() => setOpen(false)}
        onKeyDown={onKeyDown}
        placeholder="Search products"
        autoComplete="off"
        maxLength={200}
        className="min-w-0 flex-1 rounded-l-md border border-gray-300 px-3 py-2 text-base placeholder:text-gray-600"
      />
      <button type="submit" className="rounded-r-md bg-brand-600 px-4 py-2 font-medium text-white hover:bg-brand-700">
        Search
      </button>
      <ul
        id={listId}
        role="listbox"
        aria-label="Search suggestions"
        hidden={!expanded}
        className="absolute top-full right-0 left-0 z-20 mt-1 max-h-96 overflow-auto rounded-md border border-gray-200 bg-white py-1 shadow-lg"
      >
        {items.map((item, i) => (
          <li
            key={item.slug}
            id={`${listId}-${i}`}
            role="option"
            aria-selected={i === active}
            onMouseDown={(e) => e.preventDefault()}
            onClick={() => go(item)}
            onMouseEnter={() => setActive(i)}
            className={`flex cursor-pointer items-center justify-between gap-3 px-3 py-2 text-sm ${i === active ? "bg-brand-50" : ""}`}
          >
            <span>
              <span className="font-medium">{item.title}</span>
              {item.brand ? <span className="block text-xs text-muted">{item.brand}</span> : null}
            </span>
            <span className="shrink-0 text-muted">{item.price}</span>
          </li>
        ))}
      </ul>
      <p className="sr-only" aria-live="polite">
        {expanded ? `${items.length} suggestion${items.length === 1 ? "" : "s"}, use the arrow keys to choose` : ""}
      </p>
    </form>
  );
}
