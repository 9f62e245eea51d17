import { AccountNav } from "@/components/account/account-nav";
import { SignOutButton } from "@/components/account/sign-out-button";
import { WishlistSync } from "@/components/wishlist/wishlist-sync";
import { getSession } from "@/lib/session/session";

/**
 * The signed-in area: section navigation and sign-out beside the page. Pages check the session
 * themselves (requireUser) so the wishlist page also works for guests. Never cached (cookies).
 */
export default async function MemberLayout({ children }: { children: React.ReactNode }) {
  const session = await getSession();
  if (!session) return <>{children}</>;
  return (
    <div className="flex flex-col gap-6 md:flex-row md:gap-10">
      <aside className="flex flex-col gap-4 md:w-52 md:shrink-0">
        <AccountNav />
        <div className="hidden md:block">
          <SignOutButton />
        </div>
      </aside>
      <div className="min-w-0 flex-1">
        {children}
        <div className="mt-10 border-t border-gray-200 pt-6 md:hidden">
          <SignOutButton />
        </div>
      </div>
      <WishlistSync />
    </div>
  );
}
