import Link from "@/components/ui/page-link";

export interface Crumb {
  name: string;
  href?: string;
}

/** Breadcrumb trail (the last crumb is the current page). */
export function Breadcrumbs({ items }: { items: Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="text-sm text-muted">
      <ol className="flex flex-wrap items-center gap-1">
        <li>
          <Link href="/" className="underline-offset-2 hover:underline">
            Home
          </Link>
        </li>
        {items.map((c, i) => (
          <li key={`${c.name}-${i}`} className="flex items-center gap-1">
            <span aria-hidden="true">/</span>
            {c.href && i < items.length - 1 ? (
              <Link href={c.href} className="underline-offset-2 hover:underline">
                {c.name}
              </Link>
            ) : (
              <span aria-current="page" className="text-ink">
                {c.name}
              </span>
            )}
          </li>
        ))}
      </ol>
    </nav>
  );
}
