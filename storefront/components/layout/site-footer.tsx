import Link from "next/link";

export function SiteFooter() {
  return (
    <footer className="mt-12 border-t border-gray-200 bg-gray-50 text-sm text-muted">
      <div className="mx-auto flex max-w-7xl flex-col gap-2 px-4 py-8 sm:flex-row sm:justify-between sm:px-6 lg:px-8">
        <p>© Mercato — a self-hostable shop.</p>
        <nav aria-label="Footer">
          <ul className="flex gap-4">
            <li><Link href="/search" className="hover:text-brand-700">All products</Link></li>
            <li><Link href="/account" className="hover:text-brand-700">Your account</Link></li>
          </ul>
        </nav>
      </div>
    </footer>
  );
}
