import type { Metadata } from "next";
import { ForgotPasswordForm } from "@/components/account/forgot-password-form";
import Link from "@/components/ui/page-link";

export const metadata: Metadata = { title: "Forgot your password?", robots: { index: false }, alternates: { canonical: "/account/forgot-password" } };

export default function ForgotPasswordPage() {
  return (
    <>
      <h1 className="mb-2 text-2xl font-bold">Forgot your password?</h1>
      <p className="mb-6 text-sm text-muted">Enter the email of your account and we will send you a link to choose a new password.</p>
      <ForgotPasswordForm />
      <p className="mt-6 text-sm">
        <Link href="/account/sign-in" className="font-medium text-brand-700 underline">
          Back to sign in
        </Link>
      </p>
    </>
  );
}
