import type { Metadata } from "next";
import { VerifyEmailForm } from "@/components/account/verify-email-form";
import { param } from "@/lib/account/session";

export const metadata: Metadata = { title: "Verify your email", robots: { index: false }, referrer: "no-referrer" };

/** Opened from the verification email: `/account/verify-email?token=…`. */
export default async function VerifyEmailPage({ searchParams }: PageProps<"/account/verify-email">) {
  const token = param((await searchParams).token);
  return (
    <>
      <h1 className="mb-6 text-2xl font-bold">Verify your email</h1>
      {token ? (
        <VerifyEmailForm token={token} />
      ) : (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-800">
          This link is incomplete. Open the link from the email again, or ask for a new one on your profile page.
        </p>
      )}
    </>
  );
}
