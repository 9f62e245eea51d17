import Link from "@/components/ui/page-link";
import { getSiteSettings } from "@/lib/content/api";
import { isSafeHref } from "@/lib/content/safe-href";

// Shown when the CMS has no site settings yet (or is unreachable).
const FALLBACK_LINKS = [
  { label: "Journal", href: "/blog" },
  { label: "About us", href: "/pages/about" },
];

export async function SiteFooter() {
  const settings = await getSiteSettings();
  const cmsLinks = (settings?.footer_links ?? []).filter((l) => isSafeHref(l.href));
  const links = cmsLinks.length > 0 ? cmsLinks : FALLBACK_LINKS;
  return (
    <footer className="mt-12 border-t border-gray-200 bg-gray-50 text-sm text-muted">
      <div className="mx-auto flex max-w-7xl flex-col gap-4 px-4 py-8 sm:flex-row sm:justify-between sm:px-6 lg:px-8">
        <p>© {settings?.title ?? "Mercato"} — a self-hostable shop.</p>
        <nav aria-label="Footer">
          <ul className="flex flex-wrap gap-x-4 gap-y-2">
            <li><Link href="/search" className="hover:text-brand-700">All products</Link></li>
            <li><Link href="/account" className="hover:text-brand-700">Your account</Link></li>
            <li><Link href="/track" className="hover:text-brand-700">Track a parcel</Link></li>
            {links.map((link) => (
              <li key={`${link.href}-${link.label}`}>
                <a href={link.href} className="hover:text-brand-700">
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
      </div>
    </footer>
  );
}
