"use client";
import Link from "@/components/ui/page-link";
import { usePathname } from "next/navigation";

const LINKS: Array<[string, string]> = [
  ["/account", "Overview"],
  ["/account/orders", "Orders"],
  ["/account/profile", "Profile"],
  ["/account/addresses", "Addresses"],
  ["/account/wishlist", "Wishlist"],
  ["/account/privacy", "Privacy & data"],
];

/** Section navigation of the account area (wrapping row on phones, a column on desktop). */
export function AccountNav() {
  const pathname = usePathname();
  return (
    <nav aria-label="Account">
      <ul className="flex flex-wrap gap-1 md:flex-col">
        {LINKS.map(([href, label]) => {
          const current = href === "/account" ? pathname === href : pathname.startsWith(href);
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                className="block whitespace-nowrap rounded-md px-3 py-2 text-sm font-medium hover:bg-gray-100 aria-[current=page]:bg-brand-50 aria-[current=page]:text-brand-700"
              >
                {label}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
