import type { Metadata } from "next";
import { ResetPasswordForm } from "@/components/account/reset-password-form";
import { param } from "@/lib/account/session";
import Link from "@/components/ui/page-link";

export const metadata: Metadata = { title: "Choose a new password", robots: { index: false }, referrer: "no-referrer" };

/** Opened from the password-reset email: `/account/reset-password?token=…`. */
export default async function ResetPasswordPage({ searchParams }: PageProps<"/account/reset-password">) {
  const token = param((await searchParams).token);
  return (
    <>
      <h1 className="mb-6 text-2xl font-bold">Choose a new password</h1>
      {token ? (
        <ResetPasswordForm token={token} />
      ) : (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          This link is incomplete. Open the link from the email again, or{" "}
          <Link href="/account/forgot-password" className="underline">
            request a new one
          </Link>
          .
        </p>
      )}
    </>
  );
}
