import type { Metadata } from "next";
import { AdminNav } from "@/components/admin/admin-nav";
import { SignOutButton } from "@/components/account/sign-out-button";
import { isStaff } from "@/lib/admin/roles";
import { getSession } from "@/lib/session/session";

export const metadata: Metadata = {
  title: { default: "Admin", template: "%s · Admin · Mercato" },
  robots: { index: false, follow: false },
};

/**
 * The shop admin (route group `(admin)`): section navigation beside the page for staff and admins.
 * Every page checks the session itself (`requireStaff`): visitors go to sign-in, customers to
 * /admin/forbidden. The API checks the role on every call as well. Never cached (cookies).
 */
export default async function AdminLayout({ children }: { children: React.ReactNode }) {
  const session = await getSession();
  if (!session || !isStaff(session.user.role)) return <>{children}</>;
  return (
    <div className="flex flex-col gap-6 md:flex-row md:gap-8">
      <aside className="md:w-48 md:shrink-0">
        <p className="mb-3 hidden text-sm text-muted md:block">
          Signed in as <span className="font-medium text-ink">{session.user.email}</span> ({session.user.role})
        </p>
        <AdminNav />
        <div className="mt-4 hidden md:block">
          <SignOutButton />
        </div>
      </aside>
      <div className="min-w-0 flex-1">{children}</div>
    </div>
  );
}
