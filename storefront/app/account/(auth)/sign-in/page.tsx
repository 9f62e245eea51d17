import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/account/sign-in-form";
import { param } from "@/lib/account/session";
import { getSession } from "@/lib/session/session";
import { safeRedirectPath } from "@/lib/url/safe-redirect";
import Link from "@/components/ui/page-link";

export const metadata: Metadata = { title: "Sign in", robots: { index: false }, alternates: { canonical: "/account/sign-in" } };

export default async function SignInPage({ searchParams }: PageProps<"/account/sign-in">) {
  const params = await searchParams;
  const next = safeRedirectPath(param(params.next), "/account");
  if (await getSession()) redirect(next);
  const notice = param(params.deleted) ? "Your account has been deleted. We are sorry to see you go." : null;
  return (
    <>
      <h1 className="mb-6 text-2xl font-bold">Sign in</h1>
      {notice ? (
        <p role="status" className="mb-4 rounded-md border border-green-300 bg-green-50 px-3 py-2 text-sm text-green-900">
          {notice}
        </p>
      ) : null}
      <SignInForm next={next} />
      <p className="mt-6 text-sm">
        New here?{" "}
        <Link href={next === "/account" ? "/account/register" : `/account/register?next=${encodeURIComponent(next)}`} className="font-medium text-brand-700 underline">
          Create an account
        </Link>
      </p>
    </>
  );
}
