import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { RegisterForm } from "@/components/account/register-form";
import { param } from "@/lib/account/session";
import { getSession } from "@/lib/session/session";
import { safeRedirectPath } from "@/lib/url/safe-redirect";
import Link from "@/components/ui/page-link";

export const metadata: Metadata = { title: "Create an account", robots: { index: false }, alternates: { canonical: "/account/register" } };

export default async function RegisterPage({ searchParams }: PageProps<"/account/register">) {
  const raw = param((await searchParams).next);
  const next = raw ? safeRedirectPath(raw, "/account") : undefined;
  if (await getSession()) redirect(next ?? "/account");
  return (
    <>
      <h1 className="mb-6 text-2xl font-bold">Create an account</h1>
      <RegisterForm next={next} />
      <p className="mt-6 text-sm">
        Already have an account?{" "}
        <Link href={next ? `/account/sign-in?next=${encodeURIComponent(next)}` : "/account/sign-in"} className="font-medium text-brand-700 underline">
          Sign in
        </Link>
      </p>
    </>
  );
}
