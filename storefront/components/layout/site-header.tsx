import Link from "@/components/ui/page-link";
import { badgeCount } from "@/lib/cart/mirror";
import { getCart } from "@/lib/cart/server";
import { getSession } from "@/lib/session/session";
import { CartBadge } from "@/components/cart/cart-badge";
import { CartMirrorSync } from "@/components/cart/cart-mirror-sync";
import { CategoryNav } from "./category-nav";
import { SearchCombobox as SearchBox } from "@/components/search/search-combobox";

/** Header: logo, search, account and cart links, category navigation. Rendered per request. */
export async function SiteHeader() {
  const [session, cart] = await Promise.all([getSession(), getCart()]);
  const count = badgeCount(cart);
  return (
    <header className="border-b border-gray-200 bg-white">
      <div className="mx-auto flex max-w-7xl flex-wrap items-center gap-x-4 gap-y-3 px-4 py-3 sm:px-6 lg:px-8">
        <Link href="/" className="text-xl font-bold tracking-tight text-brand-700">
          Mercato
        </Link>
        <div className="order-last w-full sm:order-none sm:w-auto sm:flex-1">
          <SearchBox />
        </div>
        <nav aria-label="Account and cart" className="ml-auto flex items-center gap-4 text-sm font-medium">
          <Link href={session ? "/account" : "/account/sign-in"} className="hover:text-brand-700">
            {session ? "Account" : "Sign in"}
          </Link>
          <Link href="/cart" className="relative inline-flex items-center gap-1 hover:text-brand-700">
            Cart{" "}
            <CartBadge serverCount={count} />
          </Link>
        </nav>
      </div>
      <CategoryNav />
      <CartMirrorSync cart={cart ? { id: cart.id, count } : null} />
    </header>
  );
}
