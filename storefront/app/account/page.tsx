import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { signOut } from "@/lib/session/actions";
import { getSession } from "@/lib/session/session";

export const metadata: Metadata = { title: "Your account", robots: { index: false } };

/** Phase-1 placeholder: proves the session works. Phase 2 builds profile, orders, addresses… */
export default async function AccountPage() {
  const session = await getSession();
  if (!session) redirect("/account/sign-in?next=/account");
  return (
    <div className="space-y-4">
      <h1 className="text-2xl font-bold">Your account</h1>
      <p>
        Signed in as <strong>{session.user.email}</strong>
      </p>
      <form action={signOut}>
        <button type="submit" className="rounded-md border border-gray-300 px-4 py-2 font-medium hover:bg-gray-50">
          Sign out
        </button>
      </form>
    </div>
  );
}
