import type { Metadata } from "next";
import { ChangePasswordForm } from "@/components/account/change-password-form";
import { ProfileForm } from "@/components/account/profile-form";
import { ResendVerification } from "@/components/account/resend-verification";
import { requireUser } from "@/lib/account/session";

export const metadata: Metadata = { title: "Profile", robots: { index: false }, alternates: { canonical: "/account/profile" } };

export default async function ProfilePage() {
  const user = await requireUser("/account/profile");
  return (
    <div className="max-w-xl space-y-10">
      <h1 className="text-2xl font-bold">Profile</h1>
      <section className="space-y-4">
        <h2 id="profile-heading" className="text-lg font-semibold">
          Your details
        </h2>
        <dl className="text-sm">
          <dt className="font-medium">Email address</dt>
          <dd className="text-muted">
            {user.email} · {user.email_verified ? "verified" : "not verified yet"}
          </dd>
        </dl>
        {!user.email_verified ? <ResendVerification /> : null}
        <ProfileForm fullName={user.full_name} marketingConsent={user.marketing_consent} />
      </section>
      <section className="space-y-4">
        <h2 id="password-heading" className="text-lg font-semibold">
          Change password
        </h2>
        <ChangePasswordForm />
      </section>
    </div>
  );
}
