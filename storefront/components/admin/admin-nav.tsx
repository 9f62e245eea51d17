"use client";
import Link from "@/components/ui/page-link";
import { usePathname } from "next/navigation";
import { useState } from "react";

const LINKS: Array<[string, string]> = [
  ["/admin", "Overview"],
  ["/admin/products", "Products"],
  ["/admin/inventory", "Inventory"],
  ["/admin/orders", "Orders"],
  ["/admin/shipments", "Shipments"],
  ["/admin/customers", "Customers"],
  ["/admin/discounts", "Discounts"],
  ["/admin/content", "Content"],
  ["/admin/operations", "Operations"],
];

/**
 * The admin sections: a column on wide screens; on phones a "Menu" button that shows and hides
 * the list (aria-expanded), closing again after a section is chosen.
 */
export function AdminNav() {
  const pathname = usePathname();
  const [open, setOpen] = useState(false);
  return (
    <nav aria-label="Admin">
      <button
        type="button"
        className="mb-2 inline-flex items-center gap-2 rounded-md border border-gray-300 px-3 py-2 text-sm font-medium md:hidden"
        aria-expanded={open}
        aria-controls="admin-nav-list"
        onClick={() => setOpen((v) => !v)}
      >
        <span aria-hidden="true">☰</span> Admin menu
      </button>
      <ul id="admin-nav-list" className={`${open ? "flex" : "hidden"} flex-col gap-1 md:flex`}>
        {LINKS.map(([href, label]) => {
          const current = href === "/admin" ? pathname === href : pathname.startsWith(href);
          return (
            <li key={href}>
              <Link
                href={href}
                aria-current={current ? "page" : undefined}
                onClick={() => setOpen(false)}
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
